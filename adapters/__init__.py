"""Platform adapters: each one only translates between a platform and Pasokh's events,
and carries its channel's life-cycle (adapters/base.py).

`ADAPTERS` is the one table of platforms; code outside this package looks an adapter up
here instead of branching on the platform, and every list of platforms is derived from it.
"""

from __future__ import annotations

from adapters.bale import BALE
from adapters.base import (
    Adapter,
    BadPayload,
    SiteChannel,
    WebhookRejected,
    WebhookRequest,
)
from adapters.instagram import INSTAGRAM
from adapters.sms import SMS
from adapters.telegram import TELEGRAM
from adapters.webchat import WEBCHAT
from adapters.whatsapp import WHATSAPP
from core.channel_setup import ButtonRules, PlatformLook
from core.events import Platform
from core.media import HostPolicy
from core.settings import Settings

ADAPTERS: dict[Platform, Adapter] = {
    Platform.TELEGRAM: TELEGRAM,
    Platform.WHATSAPP: WHATSAPP,
    Platform.INSTAGRAM: INSTAGRAM,
    Platform.BALE: BALE,
    Platform.SMS: SMS,
    Platform.WEBCHAT: WEBCHAT,
}


def site_channels() -> dict[Platform, SiteChannel]:
    """The adapters that serve endpoints of their own (SiteChannel)."""
    return {platform: adapter for platform, adapter in ADAPTERS.items()
            if isinstance(adapter, SiteChannel)}


def platform_looks() -> dict[str, PlatformLook]:
    """How the panel names and draws each platform, by its stored code."""
    return {platform.value: adapter.look for platform, adapter in ADAPTERS.items()}


def platform_buttons() -> dict[str, ButtonRules]:
    """How each platform shows buttons, by its stored code (the menu builder's preview)."""
    return {platform.value: adapter.buttons for platform, adapter in ADAPTERS.items()}


def media_host_policy(settings: Settings) -> HostPolicy:
    """Where received files may be downloaded from: every platform's API base, and the
    hosts MEDIA_ALLOWED_HOSTS names (by default, those every platform serves files from)."""
    hosts = settings.media_allowed_hosts
    if hosts is None:
        hosts = tuple(dict.fromkeys(host for adapter in ADAPTERS.values()
                                    for host in adapter.media_hosts()))
    bases = (base for adapter in ADAPTERS.values() for base in adapter.media_origins(settings))
    return HostPolicy.of(bases, hosts)


__all__ = ["ADAPTERS", "Adapter", "BadPayload", "SiteChannel", "WebhookRejected",
           "WebhookRequest", "media_host_policy", "platform_buttons", "platform_looks",
           "site_channels"]
