"""The runtime's snooze loop (bots/snooze.py) over the desk's `wake_snoozed`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bots.snooze import wake_snoozed_forever
from core.models import Conversation
from tests.core.desk.helpers import running_world
from tests.integration.helpers import eventually
from tests.panel.helpers import make_user


@pytest.fixture
async def world(any_database):
    async for started in running_world():
        yield started


async def test_the_snooze_loop_wakes_and_stops_when_asked(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    due = await world.message(1, "سلام")
    await world.desk.snooze(owner, due, datetime.now(UTC) + timedelta(hours=1))
    await Conversation.filter(id=due).update(snoozed_until=datetime.now(UTC) - timedelta(minutes=1))
    loop = asyncio.create_task(wake_snoozed_forever(world.bus, every=0.05))
    await eventually(lambda: Conversation.exists(id=due, status="pending"), what="woken")
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(loop, 5)
    assert loop.cancelled()
