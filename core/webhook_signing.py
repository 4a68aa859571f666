"""Signatures of outgoing webhooks, as the Standard Webhooks specification defines them.

A secret is "whsec_" followed by the base64 of 24 random bytes; the key HMAC uses is those
bytes (the base64 decoded), so any Standard Webhooks library verifies with the string the
owner copies. Each attempt is signed anew with its own timestamp:

    webhook-id:        msg_… (the same for every attempt of one event)
    webhook-timestamp: seconds since the epoch, as an integer
    webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"> [v1,<…> …]

During a rotation the previous secret signs as well (a second space-separated signature), so
a receiver still holding it keeps verifying until it has the new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's marker of a secret, not a secret  # nosec B105
SECRET_BYTES = 24


class BadSecret(ValueError):
    """Not a whsec_ secret."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise BadSecret("a webhook secret starts with whsec_")
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        raise BadSecret("a webhook secret is whsec_ and base64") from None


def new_message_id() -> str:
    """The webhook-id of one event: unique, and the same across every attempt of it."""
    return "msg_" + secrets.token_urlsafe(18)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secrets_in_use: Sequence[str], message_id: str, timestamp: int,
            body: bytes) -> dict[str, str]:
    """The three headers of one attempt, signed with every secret in use (the current one
    first)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_in_use),
        "content-type": "application/json",
    }
