"""Stopping background loops without cutting a transaction in half.

Cancelling a task while it is inside Tortoise's transaction entry can leave the SQLite
connection lock held forever (seen under load: the process never exited on SIGTERM). So
the loops are asked to stop between two units of work, and only a loop that does not
finish in time is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)


async def finish(task: asyncio.Task[None] | None, grace: float = 10.0) -> None:
    if task is None or task.done():
        return
    try:
        await asyncio.wait_for(asyncio.shield(task), grace)
    except TimeoutError:
        log.warning("%s did not stop within %.0f s; cancelling it", task.get_name(), grace)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
