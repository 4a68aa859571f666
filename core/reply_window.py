"""A platform's reply window: when each customer last wrote, and the reason a reply past
the window is refused (stored on the message, shown to agents)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import dialect_sql
from core.i18n import translation
from core.models import Author
from core.sqlvalues import from_db_time
from core.text import to_persian_digits


async def last_customer_messages(
    conn: BaseDBAsyncClient, identity_ids: set[int]
) -> dict[int, datetime]:
    """When each customer last wrote: their own newest message on that identity. Replies of
    the bot or an agent do not count: they do not open a platform's window."""
    marks = ", ".join("?" * len(identity_ids))
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT c.identity_id, MAX(m.created_at) AS wrote_at FROM message m"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                          " JOIN conversation c ON c.id = m.conversation_id"
                          f" WHERE c.identity_id IN ({marks}) AND m.author = ?"
                          " GROUP BY c.identity_id"),
        [*identity_ids, Author.CUSTOMER.value],
    )
    return {row["identity_id"]: from_db_time(row["wrote_at"]) for row in rows if row["wrote_at"]}


def window_closed_reason(window: timedelta) -> str:
    """Stored on the refused message and shown to agents, in Persian like the panel."""
    ngettext = translation("fa").ngettext
    hours = int(window.total_seconds() // 3600)
    if hours % 24 == 0 and hours > 24:
        days = hours // 24
        text = ngettext("Not sent: the customer last wrote more than %(count)s day ago, and the "
                 "platform allows replies only within that time.",
                 "Not sent: the customer last wrote more than %(count)s days ago, and the "
                 "platform allows replies only within that time.", days)
        return text % {"count": to_persian_digits(str(days))}
    text = ngettext("Not sent: the customer last wrote more than %(count)s hour ago, and the "
             "platform allows free replies only within that time; send an approved template.",
             "Not sent: the customer last wrote more than %(count)s hours ago, and the "
             "platform allows free replies only within that time; send an approved template.",
             hours)
    return text % {"count": to_persian_digits(str(hours))}
