"""The full-text index over `search_entry` (core/search_index.py), one kind per database:
SQLite's FTS5 with its trigram tokenizer, PostgreSQL's pg_trgm in a GIN index. Both find a
normalized needle anywhere inside a normalized message, as the `LIKE '%…%'` scan they
replace did, so what a search finds is unchanged; only how fast.

The index is kept on the write side: on SQLite by triggers on `search_entry`, on PostgreSQL by
the GIN index itself, so in the same transaction as the message. A database that already held
messages when the index arrived (migration 0011) builds it in the background, in batches
(`build`); until it is done, `ready` is false and the search scans as before.

A trigram index cannot find fewer than three characters, and a word in most messages is
found faster by walking the newest conversations than by collecting every match: both are
left to the scan (`message_condition`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.db import connection, is_postgres, query_rows

log = logging.getLogger(__name__)

SHORTEST_INDEXED = 3  # a trigram index holds three characters at a time
# Past this many matching messages a word is common: the newest conversations hold it, and a
# scan that walks them stops at one page sooner than collecting every match would.
COMMON_MATCHES = 20_000
BUILD_BATCH = 5_000  # one transaction each: writers wait for at most one batch
# Below this many entries the migration builds the index at once, which takes under a second.
BUILT_AT_ONCE = 50_000
PG_INDEX = "search_entry_body_trgm"
PG_CUSTOMER_INDEX = "customer_search_entry_body_trgm"
BUILD_PAUSE_SECONDS = 0.05  # between batches, so writers and readers get the database


@dataclass(frozen=True, slots=True)
class IndexState:
    ready: bool
    percent: int  # of the entries the background build has indexed; 100 once ready

    def as_json(self) -> dict[str, Any]:
        return {"state": "ready" if self.ready else "building", "percent": self.percent}


# --- SQLite: FTS5, trigram ------------------------------------------------------------------
# `search_index_build` holds how far the build has come: entries up to `until_id` existed when
# it began; those up to `built_to` are indexed. The triggers index every entry above `until_id`
# (written since) or up to `built_to`, and leave the rest to the build, so none is indexed twice.

_SQLITE_KEPT = ("(SELECT until_id FROM search_index_build) < {row}.id"
                " OR {row}.id <= (SELECT built_to FROM search_index_build)")

SQLITE_SCHEMA = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_entry',"
    " content_rowid='id', tokenize='trigram')",
    "CREATE TABLE search_index_build (id INTEGER PRIMARY KEY, built_to INTEGER NOT NULL,"
    " until_id INTEGER NOT NULL)",
    f"CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entry"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
    f" WHEN {_SQLITE_KEPT.format(row='new')}"
    f" BEGIN INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entry"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
    f" WHEN {_SQLITE_KEPT.format(row='old')}"
    f" BEGIN INSERT INTO search_fts (search_fts, rowid, body)"
    f" VALUES ('delete', old.id, old.body); END",
    f"CREATE TRIGGER search_fts_update AFTER UPDATE ON search_entry"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
    f" WHEN {_SQLITE_KEPT.format(row='old')}"
    f" BEGIN INSERT INTO search_fts (search_fts, rowid, body)"
    f" VALUES ('delete', old.id, old.body);"
    f" INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body); END",
)


async def _sqlite_begin(conn: BaseDBAsyncClient) -> None:
    """Starts the build over every message there is (an entry has its message's id):
    nothing indexed, everything to do."""
    await conn.execute_query("DELETE FROM search_index_build")
    await conn.execute_query(
        "INSERT INTO search_index_build (id, built_to, until_id)"
        " SELECT 1, 0, COALESCE(MAX(id), 0) FROM message")


async def _sqlite_step(conn: BaseDBAsyncClient, batch: int) -> bool:
    """Indexes the next `batch` entries; false once none are left. The caller holds the
    transaction, so the entries and the mark of how far the build has come move together."""
    (build,) = await query_rows(conn, "SELECT built_to, until_id FROM search_index_build")
    rows = await query_rows(
        conn, "SELECT MAX(id) AS last FROM (SELECT id FROM search_entry"
              " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?)",
        [build["built_to"], build["until_id"], batch])
    last = rows[0]["last"]
    if last is None:
        await conn.execute_query("UPDATE search_index_build SET built_to = until_id")
        return False
    await conn.execute_query(
        "INSERT INTO search_fts (rowid, body) SELECT id, body FROM search_entry"
        " WHERE id > ? AND id <= ?", [build["built_to"], last])
    await conn.execute_query("UPDATE search_index_build SET built_to = ?", [last])
    return True


async def _sqlite_state(conn: BaseDBAsyncClient) -> IndexState:
    (build,) = await query_rows(conn, "SELECT built_to, until_id FROM search_index_build")
    if build["built_to"] >= build["until_id"]:
        return IndexState(True, 100)
    # Entries are numbered by their messages, so ids are dense enough for a percentage.
    return IndexState(False, int(100 * build["built_to"] / build["until_id"]))


# --- PostgreSQL: pg_trgm, GIN ----------------------------------------------------------------

PG_CREATE = (f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {PG_INDEX}"
             " ON search_entry USING gin (body gin_trgm_ops)")


async def _pg_state(conn: BaseDBAsyncClient) -> IndexState:
    rows = await query_rows(
        conn, "SELECT i.indisvalid AS valid FROM pg_class c JOIN pg_index i"
              " ON i.indexrelid = c.oid WHERE c.relname = ?", [PG_INDEX])
    if rows and rows[0]["valid"]:
        return IndexState(True, 100)
    progress = await query_rows(
        conn, "SELECT p.blocks_done, p.blocks_total FROM pg_stat_progress_create_index p"
              " JOIN pg_class c ON c.oid = p.relid WHERE c.relname = 'search_entry'")
    if progress and progress[0]["blocks_total"]:
        return IndexState(False, int(100 * progress[0]["blocks_done"]
                                     / progress[0]["blocks_total"]))
    return IndexState(False, 0)


async def _pg_build(conn: BaseDBAsyncClient) -> None:
    """CONCURRENTLY: messages keep being written while the index is built. A build that was
    stopped half-way leaves an invalid index behind, which is dropped and built again, unless
    another process is building it right now."""
    if (await _pg_state(conn)).ready or await query_rows(
            conn, "SELECT 1 FROM pg_stat_progress_create_index p JOIN pg_class c"
                  " ON c.oid = p.relid WHERE c.relname = 'search_entry'"):
        return
    await conn.execute_script(f"DROP INDEX CONCURRENTLY IF EXISTS {PG_INDEX}")
    await conn.execute_script(PG_CREATE)


# --- the one interface --------------------------------------------------------------------


async def create(conn: BaseDBAsyncClient) -> None:
    """The index and its upkeep, for migration 0011. Few entries are indexed at once; more
    are left to the background build, so that start-up does not wait for them."""
    (count,) = await query_rows(conn, "SELECT COUNT(*) AS n FROM search_entry")
    small = count["n"] <= BUILT_AT_ONCE
    if is_postgres(conn):
        await conn.execute_script("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # Customers are far fewer than messages: their index is built here, at once.
        await conn.execute_script(f"CREATE INDEX {PG_CUSTOMER_INDEX} ON customer_search_entry"
                                  " USING gin (body gin_trgm_ops)")
        if small:
            await conn.execute_script(
                f"CREATE INDEX {PG_INDEX} ON search_entry USING gin (body gin_trgm_ops)")
        return
    for statement in SQLITE_SCHEMA:
        await conn.execute_script(statement)
    await _sqlite_begin(conn)
    more = small
    while more:
        more = await _sqlite_step(conn, BUILD_BATCH)


async def drop(conn: BaseDBAsyncClient) -> None:
    if is_postgres(conn):
        await conn.execute_script(f"DROP INDEX IF EXISTS {PG_INDEX}")
        await conn.execute_script(f"DROP INDEX IF EXISTS {PG_CUSTOMER_INDEX}")
        return
    for name in ("search_fts_insert", "search_fts_delete", "search_fts_update"):
        await conn.execute_script(f"DROP TRIGGER IF EXISTS {name}")
    await conn.execute_script("DROP TABLE IF EXISTS search_index_build")
    await conn.execute_script("DROP TABLE IF EXISTS search_fts")


async def state(conn: BaseDBAsyncClient | None = None) -> IndexState:
    conn = conn or connection()
    return await (_pg_state(conn) if is_postgres(conn) else _sqlite_state(conn))


async def build(conn: BaseDBAsyncClient | None = None, *, batch: int = BUILD_BATCH,
                pause: Callable[[], Any] | None = None) -> None:
    """Brings the index up to date with the entries written before it existed, logging the
    progress; returns at once when there is nothing to do. `pause` runs between batches."""
    conn = conn or connection()
    if (await state(conn)).ready:
        return
    log.info("search index: building in the background; search scans until it is done")
    if is_postgres(conn):
        await _pg_build(conn)
    else:
        reported = -1
        while True:
            async with in_transaction(conn.connection_name) as tx:
                if not await _sqlite_step(tx, batch):
                    break
            percent = (await _sqlite_state(conn)).percent
            if percent // 10 != reported // 10:
                log.info("search index: %d%% built", percent)
                reported = percent
            if pause is not None:
                await pause()
    log.info("search index: ready")


async def pause_between_batches() -> None:
    await asyncio.sleep(BUILD_PAUSE_SECONDS)


async def build_in_background() -> None:
    """The build, yielding to requests between batches."""
    try:
        await build(pause=pause_between_batches)
    except Exception:
        # Search keeps scanning, which is slow but right; `pasokh search rebuild` repairs.
        log.exception("search index: the build failed; searches scan meanwhile")


async def reset(conn: BaseDBAsyncClient | None = None) -> None:
    """Empties the index, to be built again by `build` (searches scan meanwhile). Entries
    written after this are left to that build too, except those of new messages."""
    conn = conn or connection()
    if is_postgres(conn):
        await conn.execute_script(f"DROP INDEX CONCURRENTLY IF EXISTS {PG_INDEX}")
        return
    await conn.execute_query("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
    await _sqlite_begin(conn)


async def message_condition(conn: BaseDBAsyncClient, needle: str) -> tuple[str, list[Any]]:
    """A condition on conversation `c`: one of its messages holds the normalized `needle`.
    Through the index when it can narrow the search; otherwise a scan per conversation,
    walked newest first by the inbox, which stops at one page for a common word."""
    if (len(needle) >= SHORTEST_INDEXED and (await state(conn)).ready
            and await _matches_at_most(conn, needle, COMMON_MATCHES) < COMMON_MATCHES):
        if is_postgres(conn):
            return ("c.id IN (SELECT s.conversation_id FROM search_entry s"
                    " WHERE s.body LIKE ? ESCAPE '\\')", [like_pattern(needle)])
        return ("c.id IN (SELECT s.conversation_id FROM search_entry s WHERE s.id IN"
                " (SELECT rowid FROM search_fts WHERE search_fts MATCH ?))",
                [_fts_phrase(needle)])
    return ("EXISTS (SELECT 1 FROM search_entry s WHERE s.conversation_id = c.id"
            " AND s.body LIKE ? ESCAPE '\\')", [like_pattern(needle)])


async def _matches_at_most(conn: BaseDBAsyncClient, needle: str, limit: int) -> int:
    if is_postgres(conn):
        sql = "SELECT 1 FROM search_entry WHERE body LIKE ? ESCAPE '\\' LIMIT ?"
        values: list[Any] = [like_pattern(needle), limit]
    else:
        sql = "SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT ?"
        values = [_fts_phrase(needle), limit]
    rows = await query_rows(conn, f"SELECT COUNT(*) AS n FROM ({sql}) AS found", values)  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
    return rows[0]["n"]


def _fts_phrase(needle: str) -> str:
    """The needle as one FTS5 string: with the trigram tokenizer, found anywhere in a text."""
    return '"' + needle.replace('"', '""') + '"'


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

