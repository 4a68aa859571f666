"""A fake of Meta's Graph API (WhatsApp Cloud API + Instagram Messaging) for integration tests.

    async with FakeMeta() as meta:
        settings = settings.with_environment(META_GRAPH_BASE=meta.base_url)
        await meta.deliver(webhook_url, inbound_payload)   # signed like Meta, opens the window
        await meta.wait_for(lambda fake: fake.sent("whatsapp", to="989121234567"))
"""

from tests.fakes.base import ManualClock

from .errors import KNOWN_TITLES, GraphError
from .limits import PairLimiter, ThroughputLimiter
from .server import (
    CUSTOMER_SERVICE_WINDOW,
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_SECRET,
    HUMAN_AGENT_WINDOW,
    INSTAGRAM_MESSAGES,
    KINDS,
    MEDIA_DOWNLOAD,
    MEDIA_GET,
    MESSAGE_KINDS,
    PRIVATE_REPLY_WINDOW,
    SIGNATURE_HEADER,
    WHATSAPP_MESSAGES,
    FakeMeta,
    GraphCall,
    StoredMedia,
    normalize_wa_id,
)

__all__ = [
    "CUSTOMER_SERVICE_WINDOW",
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_APP_SECRET",
    "HUMAN_AGENT_WINDOW",
    "INSTAGRAM_MESSAGES",
    "KINDS",
    "KNOWN_TITLES",
    "MEDIA_DOWNLOAD",
    "MEDIA_GET",
    "MESSAGE_KINDS",
    "PRIVATE_REPLY_WINDOW",
    "SIGNATURE_HEADER",
    "WHATSAPP_MESSAGES",
    "FakeMeta",
    "GraphCall",
    "GraphError",
    "ManualClock",
    "PairLimiter",
    "StoredMedia",
    "ThroughputLimiter",
    "normalize_wa_id",
]
