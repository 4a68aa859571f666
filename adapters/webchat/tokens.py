"""The visitor's token: which visitor of which channel holds it, signed with the channel's
secret so that no other channel's token and no altered copy passes.

`<visitor id>.<issued, Unix seconds>.<HMAC-SHA256, base64url>`. The signature covers the
channel's key too, so a token is good on its own channel only. It expires after
`lifetime`; revoking the visitor (core/visitors.py) ends it sooner. It is not the panel's
session and grants nothing but the visitor's own conversations.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.events import ChannelCredentials

TOKEN_MAX_CHARS = 200


class BadToken(ValueError):
    """Forged, altered, expired, or another channel's."""


@dataclass(frozen=True, slots=True)
class VisitorToken:
    visitor: str  # the visitor's public id: the chat id and the sender's id
    issued: int


def _signature(channel: ChannelCredentials, visitor: str, issued: int) -> str:
    message = f"visitor\0{channel.key}\0{visitor}\0{issued}".encode()
    digest = hmac.new(channel.token.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign(channel: ChannelCredentials, visitor: str, now: datetime) -> str:
    issued = int(now.timestamp())
    return f"{visitor}.{issued}.{_signature(channel, visitor, issued)}"


def check(channel: ChannelCredentials, token: str, now: datetime,
          lifetime: timedelta) -> VisitorToken:
    """The token's visitor, or BadToken. Checks the signature before anything else."""
    if not token or len(token) > TOKEN_MAX_CHARS:
        raise BadToken("no token")
    visitor, _, rest = token.partition(".")
    issued_text, _, signature = rest.partition(".")
    if not visitor or not issued_text.isdigit() or not signature:
        raise BadToken("not a token")
    issued = int(issued_text)
    if not hmac.compare_digest(signature.encode(),
                               _signature(channel, visitor, issued).encode()):
        raise BadToken("wrong signature")
    if not issued <= now.timestamp() + 60 or now.timestamp() - issued > lifetime.total_seconds():
        raise BadToken("expired")
    return VisitorToken(visitor=visitor, issued=issued)
