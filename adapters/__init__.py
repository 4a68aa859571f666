"""Platform adapters: each one only translates between a platform and Pasokh's events.

`ADAPTERS` is the one table of platforms; code outside this package looks an adapter up
here instead of branching on the platform.
"""

from __future__ import annotations

from adapters.base import Adapter, BadPayload, WebhookRejected
from adapters.instagram import INSTAGRAM
from adapters.telegram import TELEGRAM
from adapters.whatsapp import WHATSAPP
from core.events import Platform

ADAPTERS: dict[Platform, Adapter] = {
    Platform.TELEGRAM: TELEGRAM,
    Platform.WHATSAPP: WHATSAPP,
    Platform.INSTAGRAM: INSTAGRAM,
}

__all__ = ["ADAPTERS", "Adapter", "BadPayload", "WebhookRejected"]
