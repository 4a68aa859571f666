"""Issue 17: a send whose answer does not come in time may have reached the customer; the
adapters say so (`AnswerLost`) instead of a plain transient error, so the outbox flags it."""

from __future__ import annotations

import aiohttp
import pytest

from adapters.meta import graph
from core.delivery import AnswerLost, TransientError
from tests.fakes.meta import DEFAULT_ACCESS_TOKEN, WHATSAPP_MESSAGES, FakeMeta

TEXT = {"messaging_product": "whatsapp", "to": "989121234567", "type": "text",
        "text": {"body": "سلام"}}


async def test_a_graph_answer_that_does_not_come_in_time_is_a_lost_answer(monkeypatch):
    monkeypatch.setattr(graph, "TIMEOUT", aiohttp.ClientTimeout(total=0.2))
    async with FakeMeta(enforce_window=False) as meta, aiohttp.ClientSession() as session:
        client = graph.GraphClient(session, meta.base_url, DEFAULT_ACCESS_TOKEN, "WhatsApp")
        meta.delay_next(WHATSAPP_MESSAGES, 2.0)
        with pytest.raises(AnswerLost):
            await client.post("1122334455667/messages", TEXT)


async def test_a_graph_server_error_is_transient_but_not_a_lost_answer():
    async with FakeMeta(enforce_window=False) as meta, aiohttp.ClientSession() as session:
        client = graph.GraphClient(session, meta.base_url, DEFAULT_ACCESS_TOKEN, "WhatsApp")
        meta.fail_next(WHATSAPP_MESSAGES, status=503, code=2)
        with pytest.raises(TransientError) as raised:
            await client.post("1122334455667/messages", TEXT)
    assert not isinstance(raised.value, AnswerLost)
