"""The time: `utcnow` for the code that has no clock injected, and `Clock`, what a background
loop takes instead of calling `time` and `asyncio.sleep` itself, so that a test can move its
time (tests/fakes/clock.py) rather than wait for it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Protocol


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The wall-clock time, timezone-aware, in UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for intervals, not for stamps)."""

    async def sleep(self, seconds: float) -> None: ...

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:  # noqa: ASYNC109
        """Until `event` is set or `timeout` seconds have passed; whether it was set."""


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return utcnow()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:  # noqa: ASYNC109
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=timeout)
        return event.is_set()


SYSTEM_CLOCK = SystemClock()
