"""Adding a channel from the owners' panel, and checking that its credentials work, for
every platform through its adapter (core/channel_setup.py is what the panel sees of it).

The adapter checks what the owner entered and sets the channel up (a Telegram bot: getMe,
then setWebhook to PASOKH_PUBLIC_URL/webhooks/telegram with a secret of its own); the
channel is then stored and the runtime starts answering for it at once
(Runtime.reload_channels) in this process, and in the other processes sharing the
database (scale-out) within seconds, as they reload their channels. A channel that is
polled is not polled before the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import aiohttp

from adapters import ADAPTERS, site_channels
from adapters.base import Adapter, SetupContext
from core import owner_desk
from core.channel_setup import Connected, OfferedForm, Preview, SetupRefused
from core.channels import ChannelDirectory
from core.events import Platform
from core.i18n import gettext_noop
from core.owner_desk import OwnerError
from core.settings import Settings

log = logging.getLogger(__name__)


def webhook_url(settings: Settings, platform: Platform) -> str:
    """Where the platform reaches this service, or "" while PASOKH_PUBLIC_URL is unset."""
    return f"{settings.public_url}/webhooks/{platform.value}" if settings.public_url else ""


@dataclass(frozen=True, slots=True)
class RegistryChannelSetup:
    """core.channel_setup.ChannelSetup over the adapters' registry."""

    settings: Settings
    session: aiohttp.ClientSession
    channels: ChannelDirectory
    reload_channels: Callable[[], Awaitable[None]]

    def forms(self) -> list[OfferedForm]:
        offered: dict[str, list[Platform]] = {}
        for platform, adapter in ADAPTERS.items():
            if adapter.form is not None:
                offered.setdefault(adapter.form.slug, []).append(platform)
        return [OfferedForm(form=ADAPTERS[platforms[0]].form,  # type: ignore[arg-type]
                            platforms=tuple(p.value for p in platforms),
                            webhook_url=webhook_url(self.settings, platforms[0]))
                for platforms in offered.values()]

    def testable(self) -> frozenset[str]:
        return frozenset(p.value for p, adapter in ADAPTERS.items() if adapter.checks_connection)

    async def add(self, slug: str, platform: str, values: Mapping[str, str]) -> Connected:
        form = next((offered for offered in self.forms() if offered.form.slug == slug), None)
        if form is None:
            raise SetupRefused(gettext_noop("No such channel."))
        if len(form.platforms) == 1:
            platform = form.platforms[0]
        elif platform not in form.platforms:
            raise SetupRefused(form.form.wrong_platform.message if form.form.wrong_platform
                               else gettext_noop("No such channel."))
        chosen = Platform(platform)
        adapter = ADAPTERS[chosen]
        new = await adapter.connect(values, self._context(chosen))
        channel_id = await owner_desk.save_channel(chosen, key=new.key, token=new.token,
                                                   webhook_secret=new.webhook_secret,
                                                   name=new.name, options=new.options)
        await self.reload_channels()
        log.info("channels: %s %s added as channel %d", chosen.value, new.key, channel_id)
        return Connected(channel_id=channel_id, name=new.name, answer=new.answer,
                         notice=new.notice)

    def snippets(self) -> dict[int, str]:
        sites = site_channels()
        return {channel.channel_id: sites[platform].snippet(channel, self.settings)
                for platform, channel in self.channels.all() if platform in sites}

    def secrets(self) -> dict[int, str]:
        sites = site_channels()
        return {channel.channel_id: channel.token
                for platform, channel in self.channels.all() if platform in sites}

    async def rotate_secret(self, channel_id: int) -> None:
        platform, _ = await owner_desk.channel_credentials(channel_id)
        site = site_channels().get(platform)
        if site is None:
            raise OwnerError(gettext_noop("No such channel."))
        await owner_desk.set_channel_secret(channel_id, site.new_secret())
        await self.reload_channels()
        log.info("channels: channel %d has a new secret", channel_id)

    def previews(self, address: str) -> list[Preview]:
        sites = site_channels()
        shown = (sites[platform].preview(channel, address)
                 for platform, channel in self.channels.all() if platform in sites)
        return [preview for preview in shown if preview is not None]

    async def check(self, channel_id: int) -> str:
        platform, channel = await owner_desk.channel_credentials(channel_id)
        adapter = _adapter(platform)
        return await adapter.check(channel, self._context(platform))

    def _context(self, platform: Platform) -> SetupContext:
        return SetupContext(session=self.session, settings=self.settings,
                            known=self.channels.of(platform),
                            webhook_url=webhook_url(self.settings, platform))


def _adapter(platform: Platform) -> Adapter:
    adapter = ADAPTERS.get(platform)
    if adapter is None:
        raise OwnerError(gettext_noop("No such channel."))
    return adapter

