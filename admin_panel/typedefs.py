"""Typed keys for what the panel keeps on the application and the request.

The panel declares here what it needs from the process (the bus, the settings, the live
flow configuration, channel set-up, the desk); the runtime (bots/) fills these keys, so
the panel imports only core/ and never the wiring.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from aiohttp import web

from core.actions import FlowResult, Reply, Turn
from core.bus import Bus
from core.channel_setup import ButtonRules, ChannelSetup, PlatformLook
from core.desk import Desk, Viewer
from core.followups import FollowupWorker
from core.settings import Settings
from core.suggestions import Suggestion


class FlowConfiguration(Protocol):
    """The configuration the bot answers with, as the owners' pages use it."""

    async def refresh(self) -> None:
        """Use the stored configuration now, instead of within seconds."""

    def decide(self, state: dict[str, Any], turn: Turn) -> FlowResult:
        """What the bot does with `turn`, as it would for a customer (no I/O)."""

    async def look_up_order(self, order_id: str) -> dict[str, Any]:
        """Ask the shop's order API, as the bot would."""

    def suggest(self, text: str, canned: Sequence[tuple[str, str]]) -> tuple[Suggestion, ...]:
        """Answers to start a reply to `text` from: FAQ answers, then canned replies."""

    def faq_candidates(self, text: str, limit: int) -> tuple[str, ...]:
        """The ids of the FAQ entries closest to `text`, closest first."""

    def auto_reply_to(self, rules: Sequence[Mapping[str, Any]], text: str
                      ) -> tuple[str, str] | None:
        """The id and reply of the first of `rules` (saved or not) that answers `text`."""

    def welcome_with(self, titles: Sequence[str]) -> Reply | None:
        """The bot's first message to a new customer if the menu had these buttons."""

    def submenu_with(self, title: str, titles: Sequence[str]) -> Reply | None:
        """What the bot sends when a customer presses a button opening a submenu of
        these items (its own Back and Main menu buttons included)."""

    def faq_answer_now(self, text: str) -> str | None:
        """The question of the FAQ entry the bot would answer `text` with now, if any."""


SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
BUS: web.AppKey[Bus] = web.AppKey("bus", Bus)
FLOW_CONFIGURATION: web.AppKey[FlowConfiguration] = web.AppKey("flow_configuration", object)
CHANNEL_SETUP: web.AppKey[ChannelSetup] = web.AppKey("channel_setup", object)
# Every platform's name and badge, by its stored code.
PLATFORMS: web.AppKey[Mapping[str, PlatformLook]] = web.AppKey("platforms", object)
# How every platform shows a message's buttons, by its stored code.
PLATFORM_BUTTONS: web.AppKey[Mapping[str, ButtonRules]] = web.AppKey("platform_buttons", object)
DESK: web.AppKey[Desk] = web.AppKey("desk", Desk)
# Woken when an event schedules a follow-up due at once.
FOLLOWUPS: web.AppKey[FollowupWorker] = web.AppKey("followups", FollowupWorker)
# The live streams open now, so that shutdown can end them instead of waiting for them.
LIVE_STREAMS: web.AppKey[set[asyncio.Task[object]]] = web.AppKey("live_streams", set)
# "Try the bot": each owner's preview chat, in this process (views/owner_try.py).
TRY_CHATS: web.AppKey[OrderedDict[int, Any]] = web.AppKey("try_chats", OrderedDict)
VIEWER_KEY: web.RequestKey[Viewer | None] = web.RequestKey("viewer", object)
CSRF_KEY: web.RequestKey[str] = web.RequestKey("csrf", str)
LANGUAGE_KEY: web.RequestKey[str] = web.RequestKey("language", str)


def viewer_of(request: web.Request) -> Viewer:
    """The logged-in viewer; security.py lets only logged-in requests reach the views
    that call this."""
    viewer = request[VIEWER_KEY]
    assert viewer is not None  # nosec B101 # narrows a type for the checker; not a check of input
    return viewer
