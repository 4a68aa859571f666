"""Tortoise's asyncpg client, with transactions that survive a lost connection.

Tortoise (1.1.9) starts a pooled transaction by taking a connection, making it the task's
connection, then sending `BEGIN`. When `BEGIN` fails — the pooled connection died with a
restart of PostgreSQL — it neither gives the connection back nor restores the task's own;
when giving it back fails on the way out, the task's is not restored either. Each
`in_transaction` of that task afterwards is a savepoint on the dead connection, and fails
for the life of the process (tortoise/tortoise-orm#1438). Pasokh's workers are long-lived
tasks (ingest, the conversation engine, the outbox): the soak saw one process answer every
webhook 503 after PostgreSQL restarted, until it was killed (`bench/soak.py --backend
postgres`). Here a transaction that fails to start, or to end, leaves the task as it found
it and returns its connection to the pool.
"""

from __future__ import annotations

import contextlib
from typing import Any

from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections


class _RecoveringTransaction(TransactionContextPooled):
    async def __aenter__(self) -> Any:
        try:
            return await super().__aenter__()
        except BaseException:
            await self._give_back()
            raise

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            self._restore_task_connection()

    async def _give_back(self) -> None:
        # The task's own connection first: nothing below may skip it (the soak saw
        # `terminate` refused on a connection the pool had already taken back).
        self._restore_task_connection()
        connection = getattr(self.client, "_connection", None)
        pool = self.client._parent._pool
        if connection is not None and pool is not None:
            # A connection that failed `BEGIN` is not trusted again: closed, then released
            # so that the pool opens a fresh one in its place.
            with contextlib.suppress(Exception):
                connection.terminate()
            with contextlib.suppress(Exception):
                await pool.release(connection)

    def _restore_task_connection(self) -> None:
        token = getattr(self, "token", None)
        if token is not None and not token._used:
            get_connections().reset(token)


class RecoveringAsyncpgClient(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return _RecoveringTransaction(TransactionWrapper(self), self._pool_init_lock)


client_class = RecoveringAsyncpgClient
