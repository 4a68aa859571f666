"""Web Push to the installed panel: the server's VAPID key (made once, kept sealed), the
agents' subscriptions, and sending through pywebpush's aiohttp path.

The payload is encrypted for the browser (RFC 8291, aes128gcm) and the request signed with
the VAPID key (RFC 8292); the push service sees neither the text nor who the agent is. The
text says what happened and names the conversation by number, never the customer's words.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import aiohttp
import orjson
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from pywebpush import WebPusher
from tortoise.exceptions import IntegrityError

from core.models import PushSubscription, ServerKey

log = logging.getLogger(__name__)

VAPID_KEY_NAME = "vapid"
MAX_ENDPOINT_CHARS = 1024
PUSH_TTL_SECONDS = 4 * 3600  # a phone that is off for longer does not need the old news
PUSH_TIMEOUT_SECONDS = 10
GONE = (404, 410)  # the browser dropped the subscription: forget it


class BadSubscription(ValueError):
    """What the browser sent is not a push subscription we can use."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def vapid_keys() -> tuple[str, str]:
    """(private, public) as base64url; the public one is the panel's applicationServerKey.
    Made on first use; two processes racing both read the one that was stored."""
    row = await ServerKey.get_or_none(name=VAPID_KEY_NAME)
    if row is None:
        vapid = Vapid()
        vapid.generate_keys()
        private = _b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
        public = _b64url(vapid.public_key.public_bytes(Encoding.X962,
                                                       PublicFormat.UncompressedPoint))
        try:
            await ServerKey.create(name=VAPID_KEY_NAME, private_key=private, public_key=public)
        except IntegrityError:
            pass
        row = await ServerKey.get(name=VAPID_KEY_NAME)
    return row.private_key, row.public_key


def checked_subscription(data: object) -> Subscription:
    """The browser's PushSubscription.toJSON(), checked: an https endpoint (http only on
    this machine, for tests), and keys of the sizes RFC 8291 gives."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise BadSubscription
    endpoint, keys = data.get("endpoint"), data["keys"]
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not all(isinstance(v, str) for v in (endpoint, p256dh, auth)):
        raise BadSubscription
    parts = urlsplit(endpoint)
    local = parts.hostname in ("127.0.0.1", "localhost")
    if len(endpoint) > MAX_ENDPOINT_CHARS or not (
            parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise BadSubscription
    try:
        if len(_b64url_decode(p256dh)) != 65 or len(_b64url_decode(auth)) != 16:
            raise BadSubscription
    except (ValueError, TypeError):
        raise BadSubscription from None
    return Subscription(endpoint=endpoint, p256dh=p256dh, auth=auth)


async def subscribe(user_id: int, subscription: Subscription, now: datetime) -> None:
    """Kept for this agent; a browser that subscribed for someone else before is theirs now."""
    await PushSubscription.filter(endpoint=subscription.endpoint).delete()
    await PushSubscription.create(user_id=user_id, endpoint=subscription.endpoint,
                                  p256dh=subscription.p256dh, auth=subscription.auth,
                                  created_at=now)


async def unsubscribe(user_id: int, endpoint: str) -> None:
    await PushSubscription.filter(user_id=user_id, endpoint=endpoint).delete()


async def subscriptions_of(user_id: int) -> list[Subscription]:
    rows = await PushSubscription.filter(user_id=user_id).order_by("id")
    return [Subscription(endpoint=r.endpoint, p256dh=r.p256dh, auth=r.auth) for r in rows]


async def push(session: aiohttp.ClientSession, user_id: int, payload: dict,
               subject: str) -> int:
    """Sends `payload` (JSON) to every device of the agent; returns how many took it.
    `subject` is the VAPID contact (a mailto: or https: address of the shop)."""
    private, _ = await vapid_keys()
    signer = Vapid.from_string(private_key=private)
    data = orjson.dumps(payload)
    delivered = 0
    for subscription in await subscriptions_of(user_id):
        parts = urlsplit(subscription.endpoint)
        headers = signer.sign({"sub": subject, "aud": f"{parts.scheme}://{parts.netloc}",
                               "exp": int(time.time()) + 12 * 3600})
        pusher = WebPusher({"endpoint": subscription.endpoint,
                            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}},
                           aiohttp_session=session)
        try:
            response = await pusher.send_async(data, headers=headers, ttl=PUSH_TTL_SECONDS,
                                               timeout=aiohttp.ClientTimeout(
                                                   total=PUSH_TIMEOUT_SECONDS))
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("web push: %s did not answer (%s)", parts.netloc, type(error).__name__)
            continue
        status = response.status
        if status in GONE:
            await PushSubscription.filter(endpoint=subscription.endpoint).delete()
        elif status >= 300:
            log.warning("web push: %s answered %d", parts.netloc, status)
        else:
            delivered += 1
    return delivered
