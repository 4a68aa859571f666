"""The search index: each message's text in normalized form (core/text.py), in `search_entry`.

Messages are indexed where they are written, in the same transaction: the customer's by the
inbox, the bot's by the conversation engine, an agent's by the desk. So a search only reads.
An edit replaces the entry, so a message is found by its text as it reads now. Rows stored
before the index was written this way are filled in once, by the migration that introduced
it (`index_unindexed`). `rebuild` writes every entry again and then its full-text index
(core/fulltext.py), for repairs (`pasokh search rebuild`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import fulltext
from core.db import connection, dialect_sql, query_rows
from core.text import normalize

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


async def index_unindexed(conn: BaseDBAsyncClient, batch: int = BACKFILL_BATCH) -> int:
    """Indexes every message with text that has no entry yet, oldest first; returns how many."""
    indexed = 0
    after = 0
    while True:
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
    progress("building the full-text index")
    await fulltext.build(conn)
    return indexed
