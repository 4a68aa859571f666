"""Snoozed conversations wake in the runtime: every SNOOZE_CHECK_SECONDS the desk wakes
those whose time has come (core/desk/commands.py `wake_snoozed`), and every open panel is
told."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from core.bus import Bus
from core.clock import utcnow
from core.desk import SNOOZE_WAKE_BATCH, wake_snoozed

log = logging.getLogger(__name__)

SNOOZE_CHECK_SECONDS = 30.0


async def wake_snoozed_forever(bus: Bus, every: float = SNOOZE_CHECK_SECONDS,
                               clock: Callable[[], datetime] = utcnow) -> None:
    """Runs until cancelled; each wake is one statement, so a cancel cuts no transaction."""
    while True:
        try:
            woken = SNOOZE_WAKE_BATCH
            while woken == SNOOZE_WAKE_BATCH:  # a backlog (after a pause) drains in batches
                woken = len(await wake_snoozed(bus, clock()))
        except Exception:  # a database hiccup must not end the loop: try next time
            log.exception("snooze: waking snoozed conversations failed")
        await asyncio.sleep(every)
