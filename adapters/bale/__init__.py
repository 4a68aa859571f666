"""Bale (بله): a domestic messenger whose Bot API follows Telegram's at
`https://tapi.bale.ai/bot<TOKEN>/<METHOD>`, so this adapter parses, sends, polls and
fetches files with the Telegram adapter's code (this adapter is that class with Bale's
platform, settings, wording and webhook).

What Bale does differently, and how this adapter honours it (sources in
docs/channels/bale.md):
- `setWebhook` takes a URL and nothing else: no secret header, no update filter. The
  secret is therefore the last segment of the webhook's path,
  `/webhooks/bale/{BALE_WEBHOOK_SECRET}`; a wrong or missing one is a 404.
- `getUpdates` documents no `allowed_updates`: the poller does not send it, and updates of
  kinds support has no use for are ignored by the parser as on Telegram. Nor does it say
  that a poll is held open for `timeout`: the poller pauses a second after an empty answer.
- Bale publishes no send limit: Telegram's pace is kept (BALE_SENDS_PER_SECOND).
- Bale's business API (Safir) reaches a customer known only by a phone number
  (`phone_sender`, on when BALE_SAFIR_API_KEY is set): adapters/bale/safir.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp

from adapters.bale.safir import SafirConfig, SafirSender
from adapters.bale.transport import BaleTransport
from adapters.base import WebhookRejected, WebhookRequest, channel_with_secret
from adapters.telegram import TelegramAdapter, Wording
from adapters.telegram.config import BotApiFamily
from adapters.telegram.connect import TelegramAnswer, set_webhook
from core.channel_setup import ChannelForm, FieldKind, FormField, PlatformLook
from core.events import ChannelCredentials, Platform
from core.i18n import gettext_noop, lazy_gettext
from core.secrets_at_rest import derived_key, installation_secret
from core.settings import Settings

# BALE_BOT_TOKEN, BALE_API_BASE, BALE_MODE, BALE_WEBHOOK_SECRET, BALE_SENDS_PER_SECOND.
BALE_FAMILY = BotApiFamily(prefix="BALE", name="Bale", default_api_base="https://tapi.bale.ai",
                           checks_token_shape=True)

FORM = ChannelForm(
    slug="bale",
    title=lazy_gettext("Add a Bale bot"),
    intro=lazy_gettext("The token Bale's BotFather gave you. Pasokh points the bot's webhook "
                       "at %(url)s/… with a secret path of its own."),
    fields=(FormField(name="token", label=lazy_gettext("Bot token"), kind=FieldKind.SECRET,
                      max_chars=200),),
    submit=lazy_gettext("Connect"),
)


def webhook_address(base_url: str, secret: str) -> str:
    """Where Bale is told to deliver: the secret rides in the path, as Bale sends no
    secret header."""
    return f"{base_url.rstrip('/')}/{secret}"


class BaleAdapter(TelegramAdapter):
    platform = Platform.BALE
    look = PlatformLook(name=lazy_gettext("Bale"), letters="BL", colour="#00a86b",
                        icon_svg=PlatformLook.icon_beside(__file__))
    form = FORM
    webhook_path = 1  # /webhooks/bale/{secret}
    secret_setting = "BALE_WEBHOOK_SECRET"  # noqa: S105 (a setting's name)  # nosec B105
    family = BALE_FAMILY
    allowed_updates = None  # not a parameter Bale documents
    idle_pause = 1.0  # Bale does not document that getUpdates waits for `timeout`
    wording = Wording(
        needs_public_url=gettext_noop("Set PASOKH_PUBLIC_URL first: Bale needs the address "
                                      "where it reaches this service."),
        token_refused=gettext_noop("Bale did not accept the token."),
        webhook_refused=gettext_noop("Bale refused the webhook."),
    )

    async def hook(self, session: aiohttp.ClientSession, api_base: str, token: str, *,
                   url: str, secret: str) -> TelegramAnswer:
        """setWebhook with the URL alone: `pasokh bale set-webhook URL` and the owner's form
        both register URL/{secret}."""
        return await set_webhook(session, api_base, token, url=webhook_address(url, secret))

    def handshake(self, request: WebhookRequest, settings: Settings) -> str:
        raise WebhookRejected(404, "Bale webhooks have no GET handshake")

    def transport(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
                  settings: Settings) -> BaleTransport:
        """The Bot API's transport, with Safir for a conversation a proactive message
        started from a phone number (adapters/bale/transport.py)."""
        return BaleTransport(
            super().transport(channel, session, settings), self.phone_sender(session, settings),
            installation=derived_key(installation_secret(settings), b"safir request ids"))

    def phone_sender(self, session: aiohttp.ClientSession,
                     settings: Settings) -> SafirSender | None:
        """Bale's business API (adapters/bale/safir.py) when BALE_SAFIR_API_KEY is set: a
        proactive message to a customer known only by a phone number (adapters.base
        .ReachesByPhone)."""
        config = SafirConfig.of(settings)
        return SafirSender(config, session) if config is not None else None

    def verify(
        self, request: WebhookRequest, channels: Sequence[ChannelCredentials]
    ) -> tuple[ChannelCredentials]:
        """The path's secret picks the bot. A wrong one is answered like a path that does not
        exist (404), so that a stranger learns nothing from the answer."""
        presented = request.path[0] if len(request.path) == 1 else ""
        matched = channel_with_secret(presented, channels)
        if matched is None:
            raise WebhookRejected(404, "no such webhook")
        return (matched,)


BALE = BaleAdapter()

__all__ = ["BALE", "BaleAdapter", "webhook_address"]
