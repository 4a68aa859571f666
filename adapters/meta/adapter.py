"""What the WhatsApp and Instagram adapters share: one Meta app signs both, one body may
carry entries for several of the app's numbers or accounts, and an owner adds either with
an id and an access token in one form."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence

import aiohttp

from adapters.base import NewChannel, SetupContext, WebhookRequest
from adapters.meta.config import MetaConfig
from adapters.meta.graph import GraphClient
from adapters.meta.webhook import answer_challenge, check_signature, check_signature_header
from core.channel_setup import ChannelForm, FieldKind, FormField, PlatformLook, SetupRefused
from core.delivery import SendError
from core.events import ChannelCredentials, InboundEvent
from core.i18n import gettext_noop, lazy_gettext
from core.settings import Settings

ParseWebhook = Callable[[bytes, Callable[[str], "int | None"]], list[InboundEvent]]

FORM = ChannelForm(
    slug="meta",
    title=lazy_gettext("Add WhatsApp or Instagram"),
    fields=(
        FormField(name="key", label=lazy_gettext("Phone-number id or Instagram account id"),
                  kind=FieldKind.NUMBER, max_chars=64),
        FormField(name="token", label=lazy_gettext("Access token"), kind=FieldKind.SECRET,
                  max_chars=1000),
        FormField(name="name", label=lazy_gettext("Name"), kind=FieldKind.TEXT, max_chars=128,
                  required=False),
    ),
    submit=lazy_gettext("Save"),
    note=lazy_gettext("Webhooks from Meta are checked with META_APP_SECRET."),
    wrong_platform=lazy_gettext("Choose WhatsApp or Instagram."),
)
# What the connection test shows of a number's or account's node, when Graph gives it.
SHOWN_FIELDS = ("display_phone_number", "verified_name", "username", "name")


class MetaChannels:
    """A Meta product's channels: GET handshake, POST signature and entry routing, the
    owner's form and the connection test."""

    form = FORM
    webhook_path = 0
    checks_connection = True

    def __init__(self, product: str, look: PlatformLook, parse_webhook: ParseWebhook) -> None:
        self.look = look
        self._product = product
        self._parse_webhook = parse_webhook

    def media_origins(self, settings: Settings) -> tuple[str, ...]:
        return (MetaConfig.of(settings).graph_base,)

    async def connect(self, values: Mapping[str, str], context: SetupContext) -> NewChannel:
        """The id and its access token are stored; the app secret that signs their webhooks
        is META_APP_SECRET's. Meta's webhooks are set in the app's dashboard."""
        key, token = values.get("key", "").strip(), values.get("token", "").strip()
        if not key.isdigit() or not token:
            raise SetupRefused(gettext_noop("The id is a number, and the access token is "
                                            "needed."))
        app_secret = MetaConfig.of(context.settings).app_secret
        if not app_secret:
            raise SetupRefused(gettext_noop("Set META_APP_SECRET first: it checks that "
                                            "webhooks come from Meta."))
        return NewChannel(key=key, token=token, webhook_secret=app_secret,
                          name=values.get("name", "").strip() or key,
                          notice=gettext_noop("The channel is saved and answers from now on. "
                                              "Test its connection below."))

    async def check(self, channel: ChannelCredentials, context: SetupContext) -> str:
        """Graph's description of the number or account, read from its node."""
        client = GraphClient(context.session, MetaConfig.of(context.settings).graph_base,
                             channel.token,
                             self._product)
        try:
            node = await client.get(channel.key)
        except SendError as error:
            raise SetupRefused(gettext_noop("The connection test failed."), str(error)) from None
        return ", ".join(f"{field}: {node[field]}" for field in SHOWN_FIELDS
                         if node.get(field)) or str(node.get("id", ""))

    async def set_webhook(self, channel: ChannelCredentials, url: str,
                          session: aiohttp.ClientSession, settings: Settings) -> str:
        raise SetupRefused(f"{self._product} webhooks are set in the Meta app's dashboard "
                           "(see the README), with META_VERIFY_TOKEN")

    def poller(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
               settings: Settings) -> None:
        return None  # Meta only delivers by webhook

    def handshake(self, request: WebhookRequest, settings: Settings) -> str:
        return answer_challenge(request.query, MetaConfig.of(settings).verify_token)

    def admit(self, request: WebhookRequest, channels: Sequence[ChannelCredentials]) -> None:
        """The signature covers the body, so only its presence and form can be judged."""
        check_signature_header(request.headers)

    def verify(
        self, request: WebhookRequest, channels: Sequence[ChannelCredentials]
    ) -> tuple[ChannelCredentials, ...]:
        """The channels of the app whose secret signed the body (entries name one of them)."""
        signed_by = check_signature(request.headers, request.body,
                                    {c.webhook_secret for c in channels})
        return tuple(c for c in channels
                     if hmac.compare_digest(c.webhook_secret.encode(), signed_by.encode()))

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        by_key = {channel.key: channel.channel_id for channel in channels}
        return self._parse_webhook(body, by_key.get)
