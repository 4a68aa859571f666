"""Issue 16, Bale: setting a channel up. `pasokh bale set-webhook URL` registers URL/{secret};
an owner adds a Bale bot in the panel by its token, and Bale's own deliveries (no secret
header) then reach Pasokh at the secret path."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from aiohttp.test_utils import unused_port

from core.models import Channel
from tests.fakes.telegram import BALE_API, FakeTelegram
from tests.integration.bale_helpers import BALE_SECRET, BALE_TOKEN, bale_environment
from tests.integration.helpers import text_update
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner
from tests.test_cli import pasokh

NEW_BALE_TOKEN = "2100200300:NEW-BALE-TOKEN"


@pytest.fixture
async def fake_bale():
    async with FakeTelegram(tokens=[BALE_TOKEN, NEW_BALE_TOKEN], dialect=BALE_API) as fake:
        yield fake


async def test_issue_16_pasokh_bale_set_webhook_registers_the_secret_path(tmp_path, fake_bale):
    result = await asyncio.to_thread(
        pasokh, "bale", "set-webhook", "https://shop.example/webhooks/bale", cwd=tmp_path,
        **bale_environment(fake_bale))
    assert result.returncode == 0, result.stderr
    assert "Bale will deliver updates to https://shop.example/webhooks/bale" in result.stdout
    assert fake_bale.webhook == {"url": f"https://shop.example/webhooks/bale/{BALE_SECRET}"}
    assert BALE_TOKEN not in result.stdout + result.stderr
    assert BALE_SECRET not in result.stdout + result.stderr


def test_issue_16_set_webhook_without_a_secret_says_which_key(tmp_path):
    result = pasokh("bale", "set-webhook", "https://x.example", cwd=tmp_path,
                    BALE_BOT_TOKEN=BALE_TOKEN, BALE_WEBHOOK_SECRET="")
    assert result.returncode == 1 and "BALE_WEBHOOK_SECRET" in result.stderr


@pytest.fixture
async def reachable_pasokh(aiohttp_client, settings, fake_bale):
    """Pasokh on a port known in advance, so that PASOKH_PUBLIC_URL can name it."""
    from bots.runtime import create_app

    port = unused_port()
    served = replace(settings, public_url=f"http://127.0.0.1:{port}").with_environment(
        **bale_environment(fake_bale))
    return await aiohttp_client(create_app(served), server_kwargs={"port": port})


async def test_issue_16_an_owner_adds_a_bale_bot_that_answers_at_once(reachable_pasokh,
                                                                      fake_bale):
    client = reachable_pasokh
    await as_owner(client)
    forms = await (await client.get("/owner/channels")).text()
    assert "افزودن ربات بله" in forms and 'action="/owner/channels/bale"' in forms
    response = await post_form(client, "/owner/channels/bale", {"token": NEW_BALE_TOKEN})
    assert response.status == 200
    page = await response.text()
    assert "Webhook was set" in page and "@pasokh_test_2100200300_bot" in page
    assert NEW_BALE_TOKEN not in page
    channel = await Channel.get(platform="bale", key="2100200300")
    assert len(channel.webhook_secret) >= 32
    webhook = fake_bale.webhook_for(NEW_BALE_TOKEN)
    assert webhook == {"url": str(client.make_url(f"/webhooks/bale/{channel.webhook_secret}"))}

    # Bale delivers with no secret header: the path alone proves the request.
    assert await fake_bale.deliver_update(text_update(3101, "سلام"), token=NEW_BALE_TOKEN) == 200
    await fake_bale.wait_for(lambda fake: fake.sent_messages(3101))
    (call,) = [c for c in fake_bale.calls if c.params.get("chat_id") == 3101]
    assert call.token == NEW_BALE_TOKEN


async def test_issue_16_a_token_bale_refuses_is_not_added(reachable_pasokh):
    await as_owner(reachable_pasokh)
    refused = await post_form(reachable_pasokh, "/owner/channels/bale",
                              {"token": "555:WRONG-TOKEN"})
    assert refused.status == 400
    page = await refused.text()
    assert "بله این توکن را نپذیرفت" in page and "Unauthorized" in page
    assert not await Channel.filter(platform="bale", key="555").exists()


def test_issue_16_a_malformed_bale_token_is_named_not_a_traceback(tmp_path):
    result = pasokh("bale", "set-webhook", "https://x.example", cwd=tmp_path,
                    BALE_BOT_TOKEN="nonsense", BALE_WEBHOOK_SECRET="s3cret")
    assert result.returncode == 2
    assert "BALE_BOT_TOKEN must look like" in result.stderr
    assert "Traceback" not in result.stderr
