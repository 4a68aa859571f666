"""The site's word on who a visitor is: `window.Pasokh.identify(jwt)`, a JWT the shop's
server signs with the channel's secret (HS256) carrying `sub` (its own user id), `exp`, and
optionally `name`, `phone` and `email`. PyJWT checks it; an unsigned, expired or wrongly
signed one is refused and the visitor stays anonymous.

A verified `sub` always maps to the same visitor of the channel (an HMAC of it under the
channel's secret), so the person sees the same history on any device."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import jwt

from core.events import ChannelCredentials
from core.visitors import VisitorProfile

ALGORITHM = "HS256"
LEEWAY = timedelta(seconds=30)  # clocks of the shop's server and ours differ a little
MAX_TOKEN_CHARS = 4096
SUB_CHARS = 256


class BadIdentity(ValueError):
    """Not a JWT the channel's secret signed, expired, or without `sub` and `exp`."""


def visitor_of(channel: ChannelCredentials, sub: str) -> str:
    digest = hmac.new(channel.token.encode(), f"identity\0{sub}".encode(),
                      hashlib.sha256).digest()
    return "u" + base64.urlsafe_b64encode(digest[:24]).decode("ascii")


def _text(claims: dict, name: str, limit: int) -> str | None:
    value = claims.get(name)
    return str(value).strip()[:limit] or None if isinstance(value, str | int) else None


def verified(channel: ChannelCredentials, token: str) -> VisitorProfile:
    """The visitor this identity names, or BadIdentity (its reason, never the token)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise BadIdentity("no identity token")
    try:
        claims = jwt.decode(token, channel.token, algorithms=[ALGORITHM], leeway=LEEWAY,
                            options={"require": ["exp", "sub"]})
    except jwt.PyJWTError as error:
        raise BadIdentity(type(error).__name__) from None
    sub = str(claims["sub"])[:SUB_CHARS]
    if not sub:
        raise BadIdentity("empty sub")
    return VisitorProfile(public_id=visitor_of(channel, sub),
                          name=_text(claims, "name", 128) or "",
                          phone=_text(claims, "phone", 32), email=_text(claims, "email", 254))
