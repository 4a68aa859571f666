"""SQLite set-up: commits never checkpoint; the background checkpointer does."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from core import db
from core.models import Customer
from core.settings import Settings


def _wal_state(path: str) -> tuple[int, int]:
    """(frames in the WAL, frames already copied into the database)."""
    with sqlite3.connect(path) as conn:
        _, in_log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return in_log, copied


async def test_commits_leave_the_wal_to_the_checkpointer(database):
    path = db.sqlite_path(database.effective_database_url)
    checkpointer = db.WalCheckpointer(path, interval=0.05)
    await checkpointer.start()
    try:
        for n in range(200):
            await Customer.create(display_name=f"c{n}")
        await asyncio.sleep(0.3)
    finally:
        await checkpointer.close()
    in_log, copied = _wal_state(path)
    assert in_log == copied  # nothing left behind in the log


def test_database_urls():
    assert db.sqlite_path("sqlite://data/pasokh.db") == "data/pasokh.db"
    assert db.sqlite_path("sqlite://:memory:") is None
    assert db.sqlite_path("postgres://u:p@h/db") is None
    assert db.redacted_url("postgres://u:secret@h/db") == "postgres://u:***@h/db"
    config = db.tortoise_config("sqlite://x/y.db")["connections"]["default"]["credentials"]
    assert (config["synchronous"], config["wal_autocheckpoint"]) == ("NORMAL", 0)


async def test_pending_migrations_counts_what_migrate_would_apply(tmp_path, settings):
    """`pasokh serve` starts a migrating child only when this says there is work for it."""
    empty = Settings(data_dir=tmp_path / "empty")
    migration_files = sorted(Path(db.__file__).parents[1].joinpath("migrations").glob("0*.py"))
    assert await db.pending_migrations(empty) == len(migration_files)
    await db.migrate(empty)
    assert await db.pending_migrations(empty) == 0
    assert await db.pending_migrations(settings) == 0  # the tests' migrated template


async def test_a_pooled_postgres_connection_goes_back_with_one_statement_at_most():
    """asyncpg's own reset sent a statement on every release; Pasokh only ends a
    transaction left open (it sets no session state on pooled connections)."""
    config = db.tortoise_config("postgres://u:p@h:5432/d?minsize=2")["connections"]["default"]
    assert config["engine"] == db.POSTGRES_ENGINE
    assert config["credentials"]["reset"] is db.end_open_transaction
    assert (config["credentials"]["database"], config["credentials"]["minsize"]) == ("d", "2")

    class Released:
        def __init__(self, in_transaction: bool) -> None:
            self.in_transaction = in_transaction
            self.sent: list[str] = []

        def is_in_transaction(self) -> bool:
            return self.in_transaction

        async def execute(self, statement: str) -> None:
            self.sent.append(statement)

    idle, mid_transaction = Released(False), Released(True)
    await db.end_open_transaction(idle)
    await db.end_open_transaction(mid_transaction)
    assert (idle.sent, mid_transaction.sent) == ([], ["ROLLBACK"])
