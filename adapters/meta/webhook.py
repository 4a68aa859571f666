"""Meta's webhook handshake (GET) and body signature (POST), for WhatsApp and Instagram.

https://developers.facebook.com/docs/graph-api/webhooks/getting-started: the GET echoes
`hub.challenge` when `hub.mode` is "subscribe" and `hub.verify_token` is ours; every POST
carries `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>`,
checked on the raw bytes before anything is parsed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from adapters.base import WebhookRejected

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def answer_challenge(query: Mapping[str, str], verify_token: str) -> str:
    """The challenge to echo back, or WebhookRejected (403) for anyone else."""
    offered = query.get("hub.verify_token", "")
    if (
        query.get("hub.mode") != "subscribe"
        or not verify_token
        or not hmac.compare_digest(offered.encode(), verify_token.encode())
    ):
        raise WebhookRejected(403, "webhook verification refused")
    challenge = query.get("hub.challenge", "")
    if not challenge:
        raise WebhookRejected(400, "hub.challenge is missing")
    return challenge


def check_signature_header(headers: Mapping[str, str]) -> str:
    """The signature presented, before the body is read: 401 without one, 403 for one that
    is not a sha256 signature."""
    presented = headers.get(SIGNATURE_HEADER, "")
    if not presented:
        raise WebhookRejected(401, f"missing {SIGNATURE_HEADER} header")
    if not presented.startswith(_PREFIX) or len(presented) != len(_PREFIX) + 64:
        raise WebhookRejected(403, f"{SIGNATURE_HEADER} is not a sha256 signature")
    return presented


def check_signature(headers: Mapping[str, str], body: bytes, app_secrets: Iterable[str]) -> str:
    """The app secret that signed this body; 401 without a signature, 403 with a wrong one."""
    presented = check_signature_header(headers)
    signed_by = None
    for secret in app_secrets:
        expected = _PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        # Every secret is compared, so timing does not tell which one matched.
        if secret and hmac.compare_digest(presented.encode(), expected.encode()):
            signed_by = secret
    if signed_by is None:
        raise WebhookRejected(403, f"wrong {SIGNATURE_HEADER}")
    return signed_by
