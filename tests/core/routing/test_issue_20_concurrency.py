"""Issue 20: two routing processes on one PostgreSQL database, 300 handoffs waiting at once:
nobody goes over the cap, nothing is assigned twice, every assignment is recorded once."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.events import ConversationStatus
from core.models import Assignment, Conversation
from core.owner_config import Routing
from tests.core.routing.helpers import agent, configure, present, waiting

AGENTS, CAP, HANDOFFS = 6, 20, 300
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def postgres_only(any_database):
    if not any_database.effective_database_url.startswith("postgres"):
        pytest.skip("two processes share one database only on PostgreSQL (the scale-out path)")
    return any_database


async def test_two_processes_route_one_queue(postgres_only, world) -> None:
    now = datetime.now(UTC)  # the worker processes read the real clock
    await configure(Routing(mode="round_robin", max_open_per_agent=CAP))
    agents = [await agent(f"agent{n}@shop.ir") for n in range(AGENTS)]
    for user_id in agents:
        await present(user_id, now)
    for n in range(HANDOFFS):
        await waiting(world, now - timedelta(seconds=HANDOFFS - n))
    workers = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.core.routing.route_worker",
        postgres_only.effective_database_url, str(postgres_only.data_dir),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        for _ in range(2)]
    for worker in workers:  # both connected before either starts: they start together
        assert await worker.stdout.readline() == b"ready\n"
    outputs = await asyncio.gather(*(worker.communicate(b"go\n") for worker in workers))
    assert [worker.returncode for worker in workers] == [0, 0]
    per_process = [int(out.strip()) for out, _ in outputs]

    held = Counter(await Conversation.filter(
        assignee_id__not_isnull=True).values_list("assignee_id", flat=True))
    assert sorted(held) == sorted(agents) and set(held.values()) == {CAP}
    assert sum(per_process) == AGENTS * CAP  # each assignment counted by one process only
    recorded = Counter(await Assignment.filter(reason="round_robin").values_list(
        "conversation_id", flat=True))
    assert len(recorded) == AGENTS * CAP and set(recorded.values()) == {1}
    assert await Conversation.filter(status=ConversationStatus.PENDING.value,
                                     assignee_id=None).count() == HANDOFFS - AGENTS * CAP
    # The oldest were served first.
    oldest = await Conversation.filter(status=ConversationStatus.PENDING.value).order_by(
        "handed_off_at").limit(AGENTS * CAP).values_list("assignee_id", flat=True)
    assert None not in oldest
