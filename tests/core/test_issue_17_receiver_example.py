"""Issue 17 (4): the receiver example in docs/ works against Pasokh's real deliveries, and
agrees with the Standard Webhooks reference library on what is validly signed."""

from __future__ import annotations

import importlib.util
import threading
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from core import webhooks
from core.address_policy import AddressPolicy
from core.models import WebhookDelivery
from core.webhook_sender import WebhookSender

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "webhook_receiver.py"


def _example():
    spec = importlib.util.spec_from_file_location("webhook_receiver", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def example():
    return _example()


def test_the_example_accepts_what_the_reference_library_signs(example):
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    now = datetime.now(UTC).replace(microsecond=0)
    body = '{"type":"webhook.test","timestamp":"x","data":{}}'
    signature = Webhook(secret).sign("msg_1", now, body)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": f"v1,bm90IGl0 {signature}"}
    assert example.verify(secret, headers, body.encode())["type"] == "webhook.test"
    with pytest.raises(example.InvalidWebhook):
        example.verify(secret, headers, body.encode() + b" ")
    with pytest.raises(example.InvalidWebhook):
        example.verify(secret, headers, body.encode(), now=now.timestamp() + 301)
    with pytest.raises(example.InvalidWebhook):
        example.verify(secret, {**headers, "webhook-id": "msg_2"}, body.encode())


async def test_the_example_receives_pasokhs_deliveries(database, example):
    server = ThreadingHTTPServer(("127.0.0.1", 0), example.Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sender = WebhookSender(AddressPolicy(allow_private=True))
    try:
        endpoint = await webhooks.create_endpoint(
            AddressPolicy(allow_private=True), url=f"http://127.0.0.1:{server.server_port}/",
            event_types=["message.created"], description="", now=datetime.now(UTC))
        example.Receiver.secret = endpoint.secret
        first = await webhooks.send_test(endpoint.id, datetime.now(UTC))
        await sender.deliver_due()
        await webhooks.replay(endpoint.id, first, datetime.now(UTC))
        await sender.deliver_due()
        assert [row.state for row in await WebhookDelivery.all()] == ["delivered", "delivered"]
        assert [event["type"] for event in example.Receiver.events] == ["webhook.test"]
        example.Receiver.secret = "whsec_" + "A" * 32  # a receiver with a wrong secret
        refused = await webhooks.send_test(endpoint.id, datetime.now(UTC))
        await sender.deliver_due()
        assert (await WebhookDelivery.get(id=refused)).last_status == 401
    finally:
        await sender.close()
        server.shutdown()
        server.server_close()
