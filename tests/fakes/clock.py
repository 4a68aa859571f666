"""A `core.clock.Clock` that tests move, so background loops (the outbox worker's paces,
retries and polls, the media fetcher's retries) take no real time to wait.

It runs with the real time plus an offset that only grows. `advance(seconds)` adds to the
offset by hand; inside `async with clock.jumping():` the offset grows by itself: every
`tick` of real time, if something waits on the clock, time jumps to the earliest deadline
(the real pause lets the database round trips and HTTP calls of the moment go on, as time
spent by them would in production). A jump never skips a deadline: sleepers wake in the
order of their deadlines, each once its own has come. Outside `jumping()` it is the real
time shifted, so a loop that outlives the test's jumps still wakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from core.clock import utcnow


class FakeClock:
    def __init__(self, *, tick: float = 0.002) -> None:
        self._offset = 0.0
        self._tick = tick
        self._order = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return utcnow() + timedelta(seconds=self._offset)

    def monotonic(self) -> float:
        return time.monotonic() + self._offset

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        deadline = self.monotonic() + seconds
        woken = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._order), woken))
        try:
            while (remaining := deadline - self.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(woken), remaining)
        finally:
            woken.cancel()  # a no-op when a jump woke it; else it leaves the heap lazily

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:  # noqa: ASYNC109
        if event.is_set():
            return True
        waiter = asyncio.ensure_future(event.wait())
        deadline = asyncio.ensure_future(self.sleep(timeout))
        try:
            await asyncio.wait({waiter, deadline}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiter, deadline):
                task.cancel()
            await asyncio.gather(waiter, deadline, return_exceptions=True)
        return event.is_set()

    def advance(self, seconds: float) -> None:
        """Moves time on by `seconds`, waking every sleeper whose deadline has come."""
        self._offset += seconds
        self._wake_due()

    @contextlib.asynccontextmanager
    async def jumping(self) -> AsyncIterator[FakeClock]:
        """Time jumps to the next deadline whenever something waits on the clock."""
        driver = asyncio.create_task(self._jump_forever(), name="fake-clock")
        try:
            yield self
        finally:
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver

    async def _jump_forever(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            self._drop_finished()
            if self._sleepers:
                # Only to the earliest deadline: what its sleepers do next may set an earlier
                # deadline than the following one, and that must come first.
                self._offset += max(0.0, self._sleepers[0][0] - self.monotonic())
                self._wake_due()

    def _wake_due(self) -> None:
        now = self.monotonic()
        while self._sleepers and self._sleepers[0][0] <= now:
            _, _, woken = heapq.heappop(self._sleepers)
            if not woken.done():
                woken.set_result(None)

    def _drop_finished(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
