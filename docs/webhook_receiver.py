"""A receiver of Pasokh's outgoing webhooks, in the Python standard library alone.

    PASOKH_WEBHOOK_SECRET='whsec_…' python docs/webhook_receiver.py --port 8000

Register http(s)://<this host>:8000/ on the owners' Webhooks page (or POST /api/v1/webhooks),
copy the endpoint's secret into PASOKH_WEBHOOK_SECRET, and press "Send a test event".

What every receiver should do, as here:
- verify the signature on the raw body, before parsing it, in constant time;
- refuse a timestamp more than five minutes away (a replayed capture);
- accept any of the space-separated signatures (during a rotation there are two);
- answer 2xx quickly and work afterwards; Pasokh retries anything else for about three days;
- deduplicate on webhook-id: delivery is at least once, so the same event can come twice.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 1 << 20


class InvalidWebhook(ValueError):
    pass


def verify(secret: str, headers: dict[str, str], body: bytes,
           now: float | None = None) -> dict[str, Any]:
    """The event, if `body` was signed with `secret` within the tolerance; InvalidWebhook
    otherwise. `headers` with lower-case names."""
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (message_id and timestamp.isdigit() and signatures):
        raise InvalidWebhook("missing webhook headers")
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        raise InvalidWebhook("timestamp too old or too new")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for signature in signatures.split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise InvalidWebhook("no valid signature")


class Receiver(BaseHTTPRequestHandler):
    secret = os.environ.get("PASOKH_WEBHOOK_SECRET", "")
    seen: set[str] = set()  # a real receiver keeps these in its database, with a unique key
    events: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # the name http.server calls
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            self._answer(413)
            return
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            event = verify(self.secret, headers, body)
        except (InvalidWebhook, ValueError):
            self._answer(401)
            return
        if headers["webhook-id"] not in self.seen:  # a redelivery is acknowledged, not redone
            self.seen.add(headers["webhook-id"])
            self.events.append(event)
            print(event["type"], json.dumps(event["data"], ensure_ascii=False), flush=True)
        self._answer(204)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the events are printed
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args()
    if not Receiver.secret.startswith("whsec_"):
        raise SystemExit("set PASOKH_WEBHOOK_SECRET to the endpoint's whsec_ secret")
    ThreadingHTTPServer((arguments.host, arguments.port), Receiver).serve_forever()


if __name__ == "__main__":
    main()
