"""A long-lived task keeps storing after its transactions failed to start on a dead
connection (a restart of PostgreSQL): core/postgres_client.py.

The soak (`bench/soak.py --backend postgres`) saw one process fail every webhook after a
PostgreSQL restart: Tortoise left the ingest task inside a transaction whose `BEGIN` had
failed, on a connection it never gave back. Here `BEGIN` fails as it does on a connection
the server dropped, more times than the pool has connections."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from asyncpg.transaction import Transaction
from tortoise.connection import connections
from tortoise.transactions import in_transaction

from core.models import Channel

POOL_SIZE = 5  # Tortoise's default maxsize for asyncpg


@pytest.fixture
async def postgres(any_database):
    if any_database.is_embedded_database:
        pytest.skip("SQLite has one connection per process and no server to lose")
    return any_database


@pytest.fixture
def dropped_begins(monkeypatch):
    """The next `count` transactions fail at `BEGIN` as on a connection the server closed."""
    left = {"count": 0}
    real_start = Transaction.start

    async def start(self):
        if left["count"] > 0:
            left["count"] -= 1
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle"
                                                      " of operation")
        return await real_start(self)

    monkeypatch.setattr(Transaction, "start", start)
    return left


async def test_a_task_stores_again_once_transactions_start_again(postgres, dropped_begins):
    own_connection = connections.get("default")
    dropped_begins["count"] = POOL_SIZE + 2
    for _ in range(POOL_SIZE + 2):
        with pytest.raises(Exception, match="closed in the middle"):
            async with in_transaction("default") as conn:
                await Channel.create(platform="telegram", key="lost", using_db=conn)
        # The task's connection is its own again, not the failed transaction's.
        assert connections.get("default") is own_connection

    # Every connection that failed went back to the pool: this does not wait for one.
    async def store() -> None:
        async with in_transaction("default") as conn:
            await Channel.create(platform="telegram", key="kept", using_db=conn)

    await asyncio.wait_for(store(), 10)
    assert await Channel.filter(key="kept").count() == 1
    assert await Channel.filter(key="lost").count() == 0


async def test_the_task_recovers_even_when_the_failed_connection_cannot_be_closed(
        postgres, dropped_begins, monkeypatch):
    """Seen in the soak: the pool had already taken the connection back, and closing it
    raised; the task's own connection must be restored all the same."""
    from asyncpg.pool import PoolConnectionProxy

    def refuse(self):
        raise asyncpg.InterfaceError("cannot call Connection.terminate(): connection has been"
                                     " released back to the pool")

    monkeypatch.setattr(PoolConnectionProxy, "terminate", refuse)
    own_connection = connections.get("default")
    dropped_begins["count"] = 1
    with pytest.raises(Exception, match="closed in the middle"):
        async with in_transaction("default") as conn:
            await Channel.create(platform="telegram", key="lost", using_db=conn)
    assert connections.get("default") is own_connection
    async with in_transaction("default") as conn:
        await Channel.create(platform="telegram", key="kept", using_db=conn)
    assert await Channel.filter(key="kept").count() == 1
