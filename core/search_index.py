"""The search index: each message's text in normalized form (core/text.py), in `search_entry`,
and each customer's names and phone, in `customer_search_entry`.

Messages are indexed where they are written, in the same transaction: the customer's by the
inbox, the bot's by the conversation engine, an agent's by the desk. So a search only reads.
An edit replaces the entry, so a message is found by its text as it reads now. Rows stored
before the index was written this way are filled in once, by the migration that introduced
it (`index_unindexed`). Customers are indexed where their names and phone are written: by
the inbox and by a merge (`index_customers`). `rebuild` writes every entry again and then
the full-text index (core/fulltext.py), for repairs (`pasokh search rebuild`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import fulltext
from core.db import connection, dialect_sql, query_rows
from core.text import normalize

log = logging.getLogger(__name__)

BACKFILL_BATCH = 2000


async def index_messages(conn: BaseDBAsyncClient,
                         messages: Iterable[tuple[int, int, str | None]]) -> None:
    """Indexes new messages, given as (message id, conversation id, text). A message with no
    text has nothing to find and gets no entry."""
    rows = [[message_id, conversation_id, normalize(text)]
            for message_id, conversation_id, text in messages if text]
    if rows:
        await conn.execute_many(
            dialect_sql(conn, "INSERT INTO search_entry (id, conversation_id, body)"
                              " VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"),
            rows,
        )


async def reindex_edited(conn: BaseDBAsyncClient, message_id: int, conversation_id: int,
                         text: str | None) -> None:
    """An edited message is found by its new text, not its first (that one stays in the
    message's revisions)."""
    await conn.execute_query(dialect_sql(conn, "DELETE FROM search_entry WHERE id = ?"),
                             [message_id])
    await index_messages(conn, [(message_id, conversation_id, text)])


async def index_unindexed(conn: BaseDBAsyncClient, batch: int = BACKFILL_BATCH,
                          pause: Callable[[], Awaitable[object]] | None = None) -> int:
    """Indexes every message with text that has no entry yet, oldest first; returns how many.
    `pause` runs between batches."""
    indexed = 0
    after = 0
    while True:
        if pause is not None and indexed:
            await pause()
        rows = await query_rows(
            conn,
            "SELECT m.id, m.conversation_id, m.text FROM message m WHERE m.id > ?"
            " AND m.text IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM search_entry s WHERE s.id = m.id)"
            " ORDER BY m.id LIMIT ?",
            [after, batch],
        )
        if not rows:
            return indexed
        await index_messages(conn, [(r["id"], r["conversation_id"], r["text"]) for r in rows])
        indexed += len(rows)
        after = rows[-1]["id"]


async def catch_up_in_background() -> None:
    """The runtime's task at start: entries for messages written before the index was kept
    on write (a large database leaves them to this task rather than to its migration), then
    the full-text index over every entry, each in batches that yield to requests."""
    try:
        written = await index_unindexed(connection(), pause=fulltext.pause_between_batches)
    except Exception:  # searches then miss what is left; `pasokh search rebuild` repairs
        log.exception("search index: writing the entries of earlier messages failed")
    else:
        if written:
            log.info("search index: entries written for %d earlier message(s)", written)
    await fulltext.build_in_background()


async def rebuild(progress: Callable[[str], object] = lambda _: None,
                  batch: int = BACKFILL_BATCH) -> int:
    """Writes every message's entry again from its text as it reads now, then builds the
    full-text index over them; returns how many messages have an entry. Searches scan
    meanwhile and find what has been written again so far."""
    conn = connection()
    await fulltext.reset(conn)
    (newest,) = await query_rows(conn, "SELECT COALESCE(MAX(id), 0) AS id FROM message")
    indexed = 0
    after = 0
    while after < newest["id"]:
        async with in_transaction(conn.connection_name) as tx:
            rows = await query_rows(tx, "SELECT id, conversation_id, text FROM message"
                                        " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
                                    [after, newest["id"], batch])
            if not rows:
                break
            await tx.execute_query(
                dialect_sql(tx, "DELETE FROM search_entry WHERE id > ? AND id <= ?"),
                [after, rows[-1]["id"]])
            await index_messages(tx, [(r["id"], r["conversation_id"], r["text"]) for r in rows])
        indexed += sum(1 for r in rows if r["text"])
        after = rows[-1]["id"]
        progress(f"{100 * after // newest['id']}% of the messages written again")
    (customers,) = await query_rows(conn, "SELECT COALESCE(MAX(id), 0) AS id FROM customer")
    for start in range(0, customers["id"], batch):
        async with in_transaction(conn.connection_name) as tx:
            await index_customers(tx, range(start + 1, start + batch + 1))
    progress("customers written again; building the full-text index")
    await fulltext.build(conn)
    return indexed


async def index_customers(conn: BaseDBAsyncClient, customer_ids: Iterable[int]) -> None:
    """Writes again the entries of these customers, from their names, their identities'
    names and user names, and their phone; a customer that is gone loses its entry."""
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), BACKFILL_BATCH):
        chunk = ids[start:start + BACKFILL_BATCH]
        marks = ", ".join("?" * len(chunk))
        rows = await query_rows(
            conn, "SELECT cu.id, cu.display_name, cu.phone, i.display_name AS identity_name,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                  f" i.username FROM customer cu LEFT JOIN identity i ON i.customer_id = cu.id"
                  f" WHERE cu.id IN ({marks}) ORDER BY cu.id, i.id", chunk)
        await conn.execute_query(
            dialect_sql(conn, f"DELETE FROM customer_search_entry WHERE customer_id IN ({marks})"),  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            chunk)
        await _write_customer_entries(conn, rows)


async def index_all_customers(conn: BaseDBAsyncClient, batch: int = BACKFILL_BATCH) -> None:
    """Every customer's entry, for the migration that introduced them."""
    after = 0
    while True:
        rows = await query_rows(
            conn, "SELECT cu.id, cu.display_name, cu.phone, i.display_name AS identity_name,"
                  " i.username FROM customer cu LEFT JOIN identity i ON i.customer_id = cu.id"
                  " WHERE cu.id IN (SELECT id FROM customer WHERE id > ? ORDER BY id LIMIT ?)"
                  " ORDER BY cu.id, i.id", [after, batch])
        if not rows:
            return
        await _write_customer_entries(conn, rows)
        after = rows[-1]["id"]


async def _write_customer_entries(conn: BaseDBAsyncClient, rows: list[dict]) -> None:
    """One entry per customer in `rows` (a customer's rows one per identity): each name
    normalized on its own line, so that a search never matches across two of them."""
    names: dict[int, dict[str, None]] = {}
    for row in rows:
        lines = names.setdefault(row["id"], {})
        for part in (row["display_name"], row["phone"], row["identity_name"], row["username"]):
            if part and (line := normalize(part)):
                lines[line] = None
    if names:
        await conn.execute_many(
            dialect_sql(conn, "INSERT INTO customer_search_entry (customer_id, body)"
                              " VALUES (?, ?)"),
            [[customer_id, "\n".join(lines)] for customer_id, lines in names.items()])
