"""Issue 17 (4): outgoing webhooks through the API, end to end: a customer writes on the fake
Telegram, the running service delivers the events to a fake receiver over real HTTP, and
the integrator verifies them with the Standard Webhooks reference library."""

from __future__ import annotations

import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from tests.api.helpers import owner_token, telegram_conversation
from tests.api.test_http import _problem
from tests.fakes.receiver import FakeReceiver

HOOKS = "/api/v1/webhooks"


@pytest.fixture
async def receiver():
    async with FakeReceiver() as fake:
        yield fake


@pytest.fixture
async def local_pasokh(aiohttp_client, settings_with_fake):
    """The service with private addresses allowed, as for a receiver on the same machine."""
    from bots.runtime import create_app

    allowed = settings_with_fake.with_environment(PASOKH_ALLOW_PRIVATE_URLS="true")
    return await aiohttp_client(create_app(allowed))


async def test_register_receive_verify_and_read_the_log(local_pasokh, receiver):
    headers = await owner_token()
    made = await local_pasokh.post(HOOKS, headers=headers, json={
        "url": receiver.url, "event_types": ["message.created", "conversation.created"],
        "description": "CRM"})
    assert made.status == 201, await made.text()
    created = await made.json()
    secret, endpoint_id = created["secret"], created["endpoint"]["id"]
    assert secret.startswith("whsec_") and "secret" not in created["endpoint"]
    conversation_id = await telegram_conversation(local_pasokh, 9101, "سلام")
    await receiver.wait_for(lambda fake: len(fake.received) >= 2, timeout=10)
    types = set()
    for received in receiver.received:
        payload = Webhook(secret).verify(received.body, received.headers)
        types.add(payload["type"])
        if payload["type"] == "conversation.created":
            assert payload["data"]["conversation"]["id"] == conversation_id
    assert {"message.created", "conversation.created"} <= types
    log = await (await local_pasokh.get(f"{HOOKS}/{endpoint_id}/deliveries",
                                        headers=headers)).json()
    assert {entry["state"] for entry in log["items"]} == {"delivered"}
    listed = await (await local_pasokh.get(HOOKS, headers=headers)).json()
    assert [item["id"] for item in listed["items"]] == [endpoint_id]
    assert "secret" not in listed["items"][0]


async def test_test_event_replay_rotation_and_pause(local_pasokh, receiver):
    headers = await owner_token()
    created = await (await local_pasokh.post(HOOKS, headers=headers, json={
        "url": receiver.url, "event_types": ["csat.submitted"]})).json()
    endpoint = f"{HOOKS}/{created['endpoint']['id']}"
    test = await local_pasokh.post(f"{endpoint}/test", headers=headers)
    assert test.status == 202
    await receiver.wait_for(lambda fake: len(fake.received) == 1, timeout=10)
    assert orjson.loads(receiver.received[0].body)["type"] == "webhook.test"
    delivery_id = (await test.json())["delivery_id"]
    again = await local_pasokh.post(f"{endpoint}/deliveries/{delivery_id}/replay",
                                    headers=headers)
    assert again.status == 202
    await receiver.wait_for(lambda fake: len(fake.received) == 2, timeout=10)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    rotated = await (await local_pasokh.post(f"{endpoint}/secret/rotate",
                                             headers=headers)).json()
    assert rotated["secret"] != created["secret"] and rotated["previous_secret_until"]
    shown = await (await local_pasokh.get(f"{endpoint}/secret", headers=headers)).json()
    assert shown["secret"] == rotated["secret"]
    paused = await local_pasokh.patch(endpoint, headers=headers, json={"enabled": False})
    assert (await paused.json())["enabled"] is False
    gone = await local_pasokh.delete(endpoint, headers=headers)
    assert gone.status == 200
    await _problem(await local_pasokh.get(endpoint, headers=headers), 404)


async def test_refusals_are_problems_not_errors(pasokh):
    """The default settings: only public addresses."""
    headers = await owner_token()
    for url in ("http://127.0.0.1:8080/hook", "http://169.254.169.254/", "http://localhost/",
                "file:///etc/passwd"):
        problem = await _problem(await pasokh.post(HOOKS, headers=headers, json={
            "url": url, "event_types": ["message.created"]}), 422)
        assert "public" in problem["detail"] or "http" in problem["detail"]
    await _problem(await pasokh.post(HOOKS, headers=headers, json={
        "url": "https://hooks.example.com/", "event_types": ["message.deleted"]}), 422)
    await _problem(await pasokh.post(HOOKS, headers=headers, json={
        "url": "https://hooks.example.com/", "event_types": []}), 422)
    await _problem(await pasokh.post(HOOKS, headers=headers, data=b"{"), 400)
    await _problem(await pasokh.get(f"{HOOKS}/99999999999999999999", headers=headers), 404)
    await _problem(await pasokh.post(f"{HOOKS}/5/test", headers=headers), 404)
    await _problem(await pasokh.get(HOOKS), 401)
