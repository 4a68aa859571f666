"""Issue 17's soak: a send whose answer never came (a read timeout) may have reached the
customer. It is sent again, as any transient error, but flagged `possibly_duplicated`, so that
every send the platform saw twice is explained."""

from __future__ import annotations

import pytest

from core.delivery import AnswerLost, TransientError
from core.models import OutboxItem
from tests.core.test_outbox import ScriptedTransport, _all_in, _queue, _run, clock  # noqa: F401
from tests.integration.helpers import eventually

pytestmark = pytest.mark.usefixtures("any_database")


async def test_a_lost_answer_is_retried_and_flagged(clock):  # noqa: F811
    await _queue("9")
    worker = await _run(ScriptedTransport(AnswerLost("Telegram: Timed out"), clock=clock), clock)
    try:
        await eventually(lambda: _all_in("sent"), what="sent after the lost answer")
    finally:
        await worker.close()
    item = await OutboxItem.first()
    assert (item.attempts, item.possibly_duplicated) == (2, True)


async def test_a_refused_connection_is_retried_unflagged(clock):  # noqa: F811
    await _queue("9")
    worker = await _run(ScriptedTransport(TransientError("502"), clock=clock), clock)
    try:
        await eventually(lambda: _all_in("sent"), what="sent after the 502")
    finally:
        await worker.close()
    assert (await OutboxItem.first()).possibly_duplicated is False
