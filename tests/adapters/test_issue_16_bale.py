"""Issue 16, Bale: the adapter on its own, without a network."""

from __future__ import annotations

import json
from types import MappingProxyType

import aiohttp
import pytest

from adapters import ADAPTERS, WebhookRejected, WebhookRequest
from adapters.bale import BALE, webhook_address
from core.events import ChannelCredentials, EventKind, OutboundMessage, Platform
from core.settings import Settings, SettingsError
from tests.integration.helpers import button_update, text_update

FIRST = ChannelCredentials(1, "111:AAA", "first-secret-0123456789", "111")
SECOND = ChannelCredentials(2, "222:BBB", "second-secret-0123456789", "222")
UNSET = ChannelCredentials(3, "333:CCC", "", "333")


def settings(**environment: str) -> Settings:
    return Settings(environment=MappingProxyType(environment))


def request(*path: str) -> WebhookRequest:
    return WebhookRequest(headers={}, query={}, path=path)


def test_issue_16_bale_is_registered_with_its_own_look():
    assert ADAPTERS[Platform.BALE] is BALE
    assert (BALE.look.letters, BALE.webhook_path, BALE.form.slug) == ("BL", 1, "bale")


def test_issue_16_the_path_secret_picks_the_channel():
    assert BALE.verify(request("second-secret-0123456789"), [FIRST, SECOND, UNSET]) == (SECOND,)
    BALE.admit(request("first-secret-0123456789"), [FIRST, SECOND])


@pytest.mark.parametrize("path", [("wrong",), (), ("",), ("first-secret-0123456789", "x"),
                                  ("first-secret-012345678",)])
def test_issue_16_a_wrong_missing_or_empty_secret_is_a_404(path):
    with pytest.raises(WebhookRejected) as rejected:
        BALE.admit(request(*path), [FIRST, UNSET])
    assert rejected.value.status == 404


def test_issue_16_bale_updates_become_bale_events():
    message, = BALE.parse(json.dumps(text_update(42, "سلام", message_id=9)).encode(), [FIRST])
    assert (message.platform, message.channel_id, message.external_id, message.text) == (
        Platform.BALE, 1, "42:9", "سلام")
    button, = BALE.parse(json.dumps(button_update(42, "m:0")).encode(), [FIRST])
    assert (button.platform, button.kind, button.button_payload) == (
        Platform.BALE, EventKind.BUTTON, "m:0")


def test_issue_16_declared_from_the_environment():
    assert BALE.declared(settings()) == ()
    (declared,) = BALE.declared(settings(BALE_BOT_TOKEN="1733440155:XYZ",
                                         BALE_WEBHOOK_SECRET="s3cret"))
    assert (declared.key, declared.webhook_secret) == ("1733440155", "s3cret")
    assert BALE.media_origins(settings()) == ("https://tapi.bale.ai",)
    assert BALE.media_origins(settings(BALE_API_BASE="http://127.0.0.1:1/")) == (
        "http://127.0.0.1:1",)


def test_issue_16_a_bad_mode_or_token_is_named():
    with pytest.raises(SettingsError, match="BALE_BOT_TOKEN"):
        BALE.declared(settings(BALE_BOT_TOKEN="no-colon"))
    with pytest.raises(SettingsError, match="BALE_MODE"):
        BALE.poller(FIRST, None, settings(BALE_MODE="pigeon"))


def test_issue_16_set_webhook_address_carries_the_secret():
    assert webhook_address("https://shop.example/webhooks/bale/", "s3") == \
        "https://shop.example/webhooks/bale/s3"


async def test_issue_16_bale_paces_under_its_own_name():
    async with aiohttp.ClientSession() as session:
        transport = BALE.transport(FIRST, session, settings(BALE_SENDS_PER_SECOND="20"))
    message = OutboundMessage(platform=Platform.BALE, channel_id=1, chat_id="42", text="سلام")
    bot_pace, chat_pace = transport.pacing(message)
    assert (bot_pace.limit, chat_pace.limit) == ("bale-bot", "bale-chat")
    assert bot_pace.interval == pytest.approx(1.02 / 20)


class EmptyBot:
    """A bot whose getUpdates answers at once with nothing, as Bale may."""

    def __init__(self) -> None:
        self.polls: list[dict] = []

    async def get_updates(self, **params):
        self.polls.append(params)
        return ()


async def test_issue_16_an_empty_bale_poll_pauses_before_the_next(monkeypatch):
    from adapters.telegram import polling

    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(polling.asyncio, "sleep", record)
    bot = EmptyBot()
    poller = polling.TelegramPoller(bot, 1, platform=Platform.BALE, allowed_updates=None,
                                    idle_pause=BALE.idle_pause)
    polled = await poller.poll(5)
    assert (polled.events, polled.next_offset) == ([], 5)
    assert pauses == [1.0]
    assert bot.polls[0]["allowed_updates"] is None
