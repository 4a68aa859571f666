"""Routing in the runtime: the queue is assigned (core/routing/) at start, whenever a
conversation changes or an agent's status does, and every ROUTING_CHECK_SECONDS for what
only the clock changes (business hours opening, a panel that stopped saying "still here").

Every process runs it; the assignment's row locks make that safe (core/routing/assigner.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from bots.flow_config import LiveFlowConfig
from core.bus import Bus
from core.routing import PRESENCE_STATUS_TOPIC, Router
from flows.hours import is_open

log = logging.getLogger(__name__)

ROUTING_CHECK_SECONDS = 15.0
# After a notice, a short wait gathers the ones that follow (a busy inbox publishes a change
# per message) into one pass, so routing costs a few queries per this interval at most.
ROUTING_GATHER_SECONDS = 0.3
TRIGGERS = ("conversation.updated", PRESENCE_STATUS_TOPIC)


def business_hours(flows: LiveFlowConfig):
    """Whether a team (None: no team) is within its business hours at a moment; a shop
    without hours is always open, as the bot's flows see it."""

    def open_now(team: str | None, at: datetime) -> bool:
        schedule = flows.current.schedule_for(team)
        return schedule is None or is_open(schedule, at)

    return open_now


async def route_forever(router: Router, bus: Bus, every: float = ROUTING_CHECK_SECONDS,
                        gather: float = ROUTING_GATHER_SECONDS) -> None:
    """Runs until cancelled. Notices that arrive during a pass are answered by one more pass."""
    notices = bus.subscribe(*TRIGGERS)
    upcoming: asyncio.Future | None = None
    try:
        while True:
            try:
                await router.run_once()
            except Exception:  # a database hiccup must not end the loop: try next time
                log.exception("routing: assigning the queue failed")
            upcoming = upcoming or asyncio.ensure_future(anext(notices))
            done, _ = await asyncio.wait({upcoming}, timeout=every)
            if done:  # one pass answers every notice that has come meanwhile
                upcoming = None
                await asyncio.sleep(gather)
                while not notices.queue.empty():
                    notices.queue.get_nowait()
    finally:
        if upcoming is not None:
            upcoming.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await upcoming
        await notices.aclose()
