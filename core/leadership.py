"""One sender among several processes: the holder of a PostgreSQL advisory lock.

Telegram allows a bot 30 messages/s and WhatsApp a number 80/s, whatever number of
Pasokh processes share the work; limits counted in each process would multiply by the
number of processes. So on a shared database every process ingests and runs the flows, but
only one sends: the one holding the lock. The lock belongs to a database session, so it is
released when its holder dies or loses its connection, and another process takes over
within a few seconds (see OutboxWorker, which then re-sends what the old sender had
claimed, flagged "possibly duplicated").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

log = logging.getLogger(__name__)

SENDER_LOCK = 0x7061736F6B68  # "pasokh": one key for the whole database


class SenderLease:
    def __init__(self, dsn: str, *, lock_key: int = SENDER_LOCK, check_seconds: float = 2.0
                 ) -> None:
        self._dsn = dsn
        self._lock_key = lock_key
        self._check = check_seconds
        self.held = asyncio.Event()  # set while this process is the sender
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._hold_forever(), name="sender-lease")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.held.clear()

    async def _hold_forever(self) -> None:
        while True:
            try:
                conn = await asyncpg.connect(self._dsn, timeout=10)
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                log.warning("outbox: cannot reach the database for the sender lock (%s)",
                            type(error).__name__)
                await asyncio.sleep(self._check)
                continue
            try:
                await self._hold(conn)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                if self.held.is_set():
                    log.warning("outbox: lost the sender lock (%s); stopping sends",
                                type(error).__name__)
            finally:
                self.held.clear()
                conn.terminate()  # closing the session is what releases the lock
            await asyncio.sleep(self._check)

    async def _hold(self, conn: asyncpg.Connection) -> None:
        # Another process's lock cannot be awaited as an event: ask again until it is free.
        while True:
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._lock_key):
                break
            await asyncio.sleep(self._check)
        log.info("outbox: this process is the sender")
        self.held.set()
        while True:  # a dead session must not leave us believing we still hold it
            await asyncio.sleep(self._check)
            await conn.fetchval("SELECT 1", timeout=self._check)
