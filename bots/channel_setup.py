"""Adding a channel from the owners' panel, and checking that its credentials work.

A Telegram bot is checked with getMe, pointed at PASOKH_PUBLIC_URL/webhooks/telegram with
a webhook secret of its own (setWebhook), then stored; a WhatsApp number or Instagram
account is stored and checked by reading its node on the Graph API. Either way the
runtime starts answering for it at once (Runtime.reload_channels) in this process, and
the other processes sharing the database (scale-out) within seconds, as they reload their
channels. In polling mode a Telegram bot added here is not polled before the next start.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.meta.graph import GraphClient
from adapters.telegram import bot_id
from adapters.telegram.connect import get_me, set_webhook
from core import owner_desk
from core.delivery import SendError
from core.events import Platform
from core.i18n import gettext_noop

if TYPE_CHECKING:  # the runtime mounts the panel, which calls this module
    from bots.runtime import Runtime

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/telegram"
WEBHOOK_SECRET_BYTES = 32


class SetupRefused(Exception):
    """The channel was not added. `str()` is an English message id; `detail` is the
    platform's own words, when it gave any, shown as they are."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True, slots=True, kw_only=True)
class Connected:
    channel_id: int
    name: str
    answer: str  # the platform's words: Telegram's setWebhook description, Graph's fields


async def add_telegram_bot(runtime: Runtime, token: str) -> Connected:
    token = token.strip()
    try:
        key = bot_id(token)
    except ValueError:
        raise SetupRefused(gettext_noop("That does not look like a bot token "
                                        "(123456789:ABC-DEF…).")) from None
    public_url = runtime.settings.public_url
    if not public_url:
        raise SetupRefused(gettext_noop("Set PASOKH_PUBLIC_URL first: Telegram needs the "
                                        "address where it reaches this service."))
    api_base, session = runtime.settings.telegram_api_base, runtime.session
    me = await get_me(session, api_base, token)
    if not me.ok or not isinstance(me.result, dict):
        raise SetupRefused(gettext_noop("Telegram did not accept the token."), me.description)
    # A bot added again keeps its secret, so updates already on their way are not refused.
    existing = {c.key: c for c in runtime.channels.of(Platform.TELEGRAM)}
    secret = (existing[key].webhook_secret if key in existing and existing[key].webhook_secret
              else secrets.token_urlsafe(WEBHOOK_SECRET_BYTES))
    hooked = await set_webhook(session, api_base, token, url=public_url + WEBHOOK_PATH,
                               secret=secret)
    if not hooked.ok:
        raise SetupRefused(gettext_noop("Telegram refused the webhook."), hooked.description)
    name = "@" + str(me.result.get("username") or key)
    channel_id = await owner_desk.save_channel(Platform.TELEGRAM, key=key, token=token,
                                               webhook_secret=secret, name=name)
    await runtime.reload_channels()
    log.info("channels: Telegram bot %s added as channel %d", key, channel_id)
    return Connected(channel_id=channel_id, name=name, answer=hooked.description)


async def add_meta_channel(runtime: Runtime, platform: Platform, *, key: str, token: str,
                           name: str) -> int:
    """A WhatsApp phone-number id or an Instagram account id with its access token; the
    app secret that signs their webhooks is META_APP_SECRET's."""
    key, token = key.strip(), token.strip()
    if not key.isdigit() or not token:
        raise SetupRefused(gettext_noop("The id is a number, and the access token is needed."))
    if not runtime.settings.meta_app_secret:
        raise SetupRefused(gettext_noop("Set META_APP_SECRET first: it checks that webhooks "
                                        "come from Meta."))
    channel_id = await owner_desk.save_channel(platform, key=key, token=token,
                                               webhook_secret=runtime.settings.meta_app_secret,
                                               name=name.strip() or key)
    await runtime.reload_channels()
    log.info("channels: %s %s added as channel %d", platform.value, key, channel_id)
    return channel_id


async def check_meta_channel(runtime: Runtime, channel_id: int) -> str:
    """Graph's description of the number or account, or SetupRefused with its error."""
    platform, channel = await owner_desk.channel_credentials(channel_id)
    client = GraphClient(runtime.session, runtime.settings.meta_graph_base, channel.token,
                         platform.value)
    try:
        node = await client.get(channel.key)
    except SendError as error:
        raise SetupRefused(gettext_noop("The connection test failed."), str(error)) from None
    shown = ("display_phone_number", "verified_name", "username", "name")
    return ", ".join(f"{field}: {node[field]}" for field in shown if node.get(field)) or str(
        node.get("id", ""))
