"""Issue 20: Web Push reaches a (fake) push service signed with the server's VAPID key and
encrypted for the browser; a subscription the service says is gone is forgotten."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from core.models import PushSubscription, User
from core.notifications.webpush import (
    BadSubscription,
    checked_subscription,
    push,
    subscribe,
    vapid_keys,
)
from tests.fakes.webpush import FakePushService

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SUBJECT = "mailto:support@shop.example"


@pytest.fixture
async def push_service():
    async with FakePushService() as fake:
        yield fake


async def test_the_payload_reaches_the_browser_and_gone_devices_are_forgotten(
        database, push_service) -> None:
    agent = await User.create(email="sara@shop.example", password_hash="-")
    phone, laptop = push_service.new_subscription(), push_service.new_subscription()
    for device in (phone, laptop):
        await subscribe(agent.id, checked_subscription(device), NOW)
    push_service.gone.add(laptop["endpoint"].rsplit("/", 1)[1])
    payload = {"title": "گفتگوی تازه", "body": "گفتگوی ۴۲ به شما سپرده شد",
               "url": "/conversations/42", "tag": "conversation-42"}

    async with aiohttp.ClientSession() as session:
        assert await push(session, agent.id, payload, SUBJECT) == 1

    (call,) = push_service.accepted
    assert call.payload == payload and call.subject == SUBJECT and call.ttl > 0
    assert [s.endpoint for s in await PushSubscription.all()] == [phone["endpoint"]]
    private, public = await vapid_keys()
    assert (private, public) == await vapid_keys()  # made once
    stored = await PushSubscription.get(endpoint=phone["endpoint"])
    assert stored.user_id == agent.id


@pytest.mark.parametrize("bad", [
    None, {}, {"endpoint": "ftp://x/y", "keys": {"p256dh": "a", "auth": "b"}},
    {"endpoint": "http://push.example/x", "keys": {"p256dh": "BA", "auth": "AAAA"}},
    {"endpoint": "https://push.example/x", "keys": {"p256dh": "BA", "auth": "AAAA"}},
])
def test_what_is_no_subscription_is_refused(bad) -> None:
    with pytest.raises(BadSubscription):
        checked_subscription(bad)
