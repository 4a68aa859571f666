"""Run inside a copy of the repository where adapters/dummy is the dummy platform, one enum
member and one registry line added and nothing else: the whole app serves it."""

from __future__ import annotations

from dataclasses import replace

import orjson
import pytest
from aiohttp.test_utils import unused_port

from adapters import ADAPTERS, media_host_policy
from core.events import Platform
from core.models import Channel, Message
from tests.integration.helpers import eventually
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner


@pytest.fixture
async def served(aiohttp_client, settings):
    from bots.runtime import create_app

    port = unused_port()
    return await aiohttp_client(create_app(replace(settings,
                                                   public_url=f"http://127.0.0.1:{port}")),
                                server_kwargs={"port": port})


def message(number: int, text: str) -> bytes:
    return orjson.dumps({"id": number, "from": "visitor-7", "name": "Sara", "text": text,
                         "at": 1_767_000_000 + number})


async def test_the_dummy_platform_works_end_to_end(served):
    from adapters.dummy import SENT  # the package exists only in the copy

    assert Platform("dummy") in ADAPTERS
    await as_owner(served)
    page = await (await served.get("/owner/channels")).text()
    assert "Add a dummy chat" in page and "/webhooks/dummy/&lt;secret&gt;" in page

    added = await post_form(served, "/owner/channels/dummy", {"key": "lobby", "token": "k"})
    assert added.status == 200, await added.text()
    assert "room lobby" in await added.text()
    channel = await Channel.get(platform="dummy", key="lobby")

    assert (await served.post(f"/webhooks/dummy/{channel.webhook_secret}",
                              data=message(1, "سلام"))).status == 200
    assert (await served.post("/webhooks/dummy/wrong", data=message(2, "x"))).status == 403
    assert (await served.post("/webhooks/dummy", data=message(3, "x"))).status == 404
    assert (await served.post(f"/webhooks/dummy/{channel.webhook_secret}",
                              data=b"{}")).status == 400

    async def answered() -> bool:
        return any(sent.chat_id == "visitor-7" for sent in SENT)

    await eventually(answered, what="the bot's reply through the dummy transport")
    assert await Message.filter(direction="in", channel_id=channel.id).count() == 1

    inbox = await (await served.get("/")).text()
    assert "Dummy chat" in inbox  # the panel names the platform from the adapter
    tested = await post_form(served, "/owner/channels/test", {"channel": str(channel.id)})
    assert "room lobby is fine" in await tested.text()
    health = await (await served.get("/healthz")).json()
    assert health["channels"]["dummy"] == 1  # counted; ids are not told (issue 17)


def test_its_media_host_is_allowed(settings):
    assert "files.dummy.example" in media_host_policy(settings).hosts
