"""Issue 17 (4): the owners' webhooks page: register an endpoint, see its secret as it signs,
send a test event to a fake receiver over real HTTP, read the log, replay, rotate, pause."""

from __future__ import annotations

import re

import pytest
from standardwebhooks.webhooks import Webhook

from core.models import WebhookEndpoint
from tests.fakes.receiver import FakeReceiver
from tests.panel.helpers import csrf_token, log_in, make_user, post_form
from tests.panel.owner_helpers import as_owner

SECRET = re.compile(r'<code id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)</code>')


@pytest.fixture
async def receiver():
    async with FakeReceiver() as fake:
        yield fake


@pytest.fixture
async def local_pasokh(aiohttp_client, settings_with_fake):
    from bots.runtime import create_app

    allowed = settings_with_fake.with_environment(PASOKH_ALLOW_PRIVATE_URLS="true")
    return await aiohttp_client(create_app(allowed))


async def _register(client, url: str, *types: str):
    form = [("url", url), ("description", "سامانه مشتریان"), *(("event_types", t) for t in types),
            ("csrf_token", await csrf_token(client))]
    return await client.post("/owner/webhooks", data=form, allow_redirects=False)


async def test_issue_17_an_owner_registers_tests_and_replays(local_pasokh, receiver):
    await as_owner(local_pasokh)
    made = await _register(local_pasokh, receiver.url, "message.created", "csat.submitted")
    assert made.status == 303
    page_url = made.headers["Location"]
    page = await (await local_pasokh.get(page_url)).text()
    secret = SECRET.search(page)[1]
    assert "سامانه مشتریان" in page
    tested = await post_form(local_pasokh, f"{page_url}/test")
    assert tested.status == 303
    await receiver.wait_for(lambda fake: len(fake.received) == 1, timeout=10)
    assert Webhook(secret).verify(receiver.received[0].body,
                                  receiver.received[0].headers)["type"] == "webhook.test"
    await _wait_for_log(local_pasokh, page_url, "تحویل شد")
    page = await (await local_pasokh.get(page_url)).text()
    delivery = re.search(r'name="delivery" value="(\d+)"', page)[1]
    again = await post_form(local_pasokh, f"{page_url}/replay", {"delivery": delivery})
    assert again.status == 303
    await receiver.wait_for(lambda fake: len(fake.received) == 2, timeout=10)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1

    assert (await post_form(local_pasokh, f"{page_url}/rotate")).status == 303
    rotated = SECRET.search(await (await local_pasokh.get(page_url)).text())[1]
    assert rotated != secret
    assert (await post_form(local_pasokh, f"{page_url}/enabled", {"enabled": "0"})).status == 303
    assert not (await WebhookEndpoint.get()).enabled
    listing = await (await local_pasokh.get("/owner/webhooks")).text()
    assert receiver.url in listing and "متوقف" in listing
    await post_form(local_pasokh, "/language", {"lang": "en", "next": page_url})
    english = await (await local_pasokh.get(page_url)).text()
    assert '<html lang="en" dir="ltr">' in english and "Signing secret" in english
    assert (await post_form(local_pasokh, f"{page_url}/delete")).status == 303
    assert not await WebhookEndpoint.exists()
    assert (await local_pasokh.get(page_url)).status == 404


async def _wait_for_log(client, page_url: str, text: str) -> None:
    from tests.integration.helpers import eventually

    async def shown() -> bool:
        return text in await (await client.get(page_url)).text()

    await eventually(shown, what="the delivery in the log")


async def test_issue_17_private_addresses_and_no_events_are_refused(pasokh):
    await as_owner(pasokh)
    for url in ("http://127.0.0.1:8080/x", "http://192.168.1.10/x", "http://[::1]/x",
                "javascript:alert(1)"):
        refused = await _register(pasokh, url, "message.created")
        assert refused.status == 400
        assert "owner-error" in await refused.text()
    refused = await _register(pasokh, "https://hooks.example.com/x")
    assert refused.status == 400
    assert not await WebhookEndpoint.exists()
    for path in ("/owner/webhooks/99999", "/owner/webhooks/abc", "/owner/webhooks/" + "9" * 30):
        assert (await pasokh.get(path)).status == 404


async def test_issue_17_an_agent_has_no_webhooks_page(pasokh):
    await make_user("agent@example.com")
    await log_in(pasokh, "agent@example.com")
    assert (await pasokh.get("/owner/webhooks")).status == 404
    assert (await _register(pasokh, "https://hooks.example.com/", "message.created")).status \
        == 404
    assert not await WebhookEndpoint.exists()
