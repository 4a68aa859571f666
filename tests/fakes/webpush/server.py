"""A fake Web Push service, checking what a real one (FCM, Mozilla's, Apple's) checks and
decrypting what only the browser could read.

`new_subscription()` plays the browser: it makes the keys a PushManager would (a P-256 key
pair and a 16-byte auth secret) and returns the subscription's JSON, whose endpoint is
`POST /push/{id}` here. A push must carry a VAPID `Authorization: vapid t=JWT, k=KEY` whose
ES256 signature verifies with `k` and whose `aud` is this origin and `exp` is in the future
(else 401/403), a `TTL` header (else 400), and an aes128gcm body, which is decrypted with the
browser's keys and recorded. An id in `gone` answers 410, as for an unsubscribed browser.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from dataclasses import dataclass, field

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.fakes.base import FakeServer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(slots=True)
class _Browser:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes


@dataclass(frozen=True, slots=True)
class PushCall:
    subscription_id: str
    status: int
    payload: dict | None = None  # decrypted, when accepted
    ttl: int | None = None
    subject: str | None = None  # the VAPID `sub`


@dataclass
class FakePushService(FakeServer):
    host: str = "127.0.0.1"
    port: int = 0
    calls: list[PushCall] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        super().__init__(host=self.host, port=self.port)
        self._browsers: dict[str, _Browser] = {}
        self._ids = itertools.count(1)

    def new_subscription(self) -> dict:
        subscription_id = f"device-{next(self._ids)}"
        browser = _Browser(ec.generate_private_key(ec.SECP256R1()), auth=bytes(range(16)))
        self._browsers[subscription_id] = browser
        public = browser.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.base_url}/push/{subscription_id}", "expirationTime": None,
                "keys": {"p256dh": _b64(public), "auth": _b64(browser.auth)}}

    @property
    def accepted(self) -> list[PushCall]:
        return [call for call in self.calls if call.status == 201]

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/push/{id}", self._push)

    def _recent_calls(self) -> tuple[int, str]:
        return len(self.calls), "\n".join(f"  {call}" for call in self.calls[-10:])

    async def _push(self, request: web.Request) -> web.Response:
        subscription_id = request.match_info["id"]
        body = await request.read()

        def answer(status: int, **recorded) -> web.Response:
            self.calls.append(PushCall(subscription_id, status, **recorded))
            return web.Response(status=status)

        browser = self._browsers.get(subscription_id)
        if browser is None or subscription_id in self.gone:
            return answer(410)
        claims = self._vapid_claims(request.headers.get("Authorization", ""))
        if claims is None:
            return answer(401)
        if claims.get("aud") != self.base_url or int(claims.get("exp", 0)) < time.time():
            return answer(403)
        if "TTL" not in request.headers:
            return answer(400)
        if request.headers.get("Content-Encoding") != "aes128gcm":
            return answer(415)
        try:
            plain = http_ece.decrypt(body, private_key=browser.private_key,
                                     auth_secret=browser.auth, version="aes128gcm")
        except Exception:  # noqa: BLE001 - whatever the reason, the browser could not read it
            return answer(400)
        return answer(201, payload=json.loads(plain), ttl=int(request.headers["TTL"]),
                      subject=claims.get("sub"))

    @staticmethod
    def _vapid_claims(header: str) -> dict | None:
        """The JWT's claims when `vapid t=…, k=…` verifies with its own key, else None."""
        if not header.startswith("vapid "):
            return None
        parts = dict(part.strip().split("=", 1) for part in header[6:].split(",") if "=" in part)
        try:
            token, key = parts["t"], _unb64(parts["k"])
            signing_input, _, signature = token.rpartition(".")
            raw = _unb64(signature)
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
            public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                               int.from_bytes(raw[32:], "big")),
                          signing_input.encode(), ec.ECDSA(hashes.SHA256()))
            return json.loads(_unb64(signing_input.split(".")[1]))
        except (KeyError, ValueError, InvalidSignature):
            return None
