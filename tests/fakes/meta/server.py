"""A fake of Meta's Graph API (WhatsApp Cloud API and Instagram Messaging) for tests.

It serves Graph's URL layout under ``base_url`` (``/{version}/{phone-number-id}/messages``,
``/{version}/{ig-id}/messages``, ``/{version}/me/messages``, ``/{version}/{media-id}``),
checks the bearer token, validates bodies against Meta's documented limits, enforces the
customer-service windows and send limits, and answers with Graph's JSON envelopes, HTTP
statuses and error codes. ``sign`` / ``deliver`` play Meta's webhook side, signed with
``X-Hub-Signature-256`` so a receiver's real signature check is exercised.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import hashlib
import hmac
import itertools
import json
import math
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import ClientSession, ClientTimeout, web

from tests.fakes.base import FakeServer

from . import errors, validate
from .errors import GraphError
from .limits import PairLimiter, Recent, ThroughputLimiter

DEFAULT_ACCESS_TOKEN = "test-access-token"
DEFAULT_APP_SECRET = "test-app-secret"

WHATSAPP_MESSAGES = "whatsapp.messages"
INSTAGRAM_MESSAGES = "instagram.messages"
MEDIA_GET = "media.get"
MEDIA_DOWNLOAD = "media.download"
MESSAGE_KINDS = (WHATSAPP_MESSAGES, INSTAGRAM_MESSAGES)
KINDS = (*MESSAGE_KINDS, MEDIA_GET, MEDIA_DOWNLOAD)

DAY = 24 * 3600.0
CUSTOMER_SERVICE_WINDOW = DAY  # WhatsApp and Instagram: free-form replies for 24 h
HUMAN_AGENT_WINDOW = 7 * DAY  # Instagram HUMAN_AGENT tag stretches that to 7 days
PRIVATE_REPLY_WINDOW = 7 * DAY  # one private reply per comment, within 7 days

SIGNATURE_HEADER = "X-Hub-Signature-256"
_VERSION = re.compile(r"v\d+\.\d+")
_WWW_AUTHENTICATE = (
    'OAuth "Facebook Platform" "invalid_token" '
    '"Invalid OAuth access token - Cannot parse access token"'
)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class GraphCall:
    """One request as the fake received it; ``body`` holds the decoded parameters (JSON,
    form or query string alike) without the access token."""

    method: str
    path: str
    kind: str
    token: str
    body: dict[str, Any]
    at: float
    status: int
    response: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class StoredMedia:
    media_id: str
    content: bytes = field(repr=False)
    mime_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def as_graph(self, base_url: str) -> dict[str, Any]:
        # Field order and names as Meta's "retrieve media URL" answer.
        return {
            "url": f"{base_url}/media-download/{self.media_id}",
            "mime_type": self.mime_type,
            "sha256": self.sha256,
            "file_size": len(self.content),
            "id": self.media_id,
            "messaging_product": "whatsapp",
        }


@dataclass
class _Request:
    method: str
    path: str
    segments: list[str]
    token: str
    body: dict[str, Any]
    node: str = ""


def normalize_wa_id(number: str) -> str:
    """The wa_id Meta answers for an input number: its digits ("+98 912..." -> "98912...")."""
    digits = re.sub(r"\D", "", number)
    return digits or number


# --------------------------------------------------------------------------- request parsing


def _json_or_text(value: str) -> Any:
    # Graph's form encoding carries objects as JSON text: recipient={"id":"..."}.
    if value[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


async def _read_body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.post()
        except ValueError:  # a malformed form reads as no parameters, as a broken JSON does
            return {}
        return {key: _json_or_text(value) for key, value in form.items()
                if isinstance(value, str)}
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return {}  # Graph then reports the first required parameter as missing
    return body if isinstance(body, dict) else {}


def _bearer(header: str | None) -> str:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "oauth") else ""


async def _parse(request: web.Request) -> _Request:
    body = await _read_body(request)
    for key, value in request.query.items():
        body.setdefault(key, _json_or_text(value))
    token = _bearer(request.headers.get("Authorization"))
    query_token = body.pop("access_token", "")
    segments = [segment for segment in request.path.split("/") if segment]
    if segments and _VERSION.fullmatch(segments[0]):
        segments = segments[1:]  # any /vNN.N/ is accepted, as Graph serves them all
    return _Request(request.method, request.path, segments,
                    token or (query_token if isinstance(query_token, str) else ""), body)


def _messages_kind(request: _Request) -> str:
    # A phone-number id and an Instagram account id are both just numbers in the path; the
    # body tells them apart the way the two APIs do (WhatsApp requires messaging_product).
    body = request.body
    if request.node == "me" or ("recipient" in body and "messaging_product" not in body):
        return INSTAGRAM_MESSAGES
    return WHATSAPP_MESSAGES


# (method, path shape) -> kind; None in a shape is the node id (first one wins).
_ROUTES: dict[tuple[str, tuple[str | None, ...]], Callable[[_Request], str]] = {
    ("POST", (None, "messages")): _messages_kind,
    ("GET", ("media-download", None)): lambda request: MEDIA_DOWNLOAD,
    ("GET", (None,)): lambda request: MEDIA_GET,
}


def _resolve(request: _Request) -> str:
    for (method, shape), kind_of in _ROUTES.items():
        if method == request.method and _matches(shape, request.segments):
            request.node = request.segments[shape.index(None)]
            return kind_of(request)
    if len(request.segments) == 1:
        raise errors.unsupported_request(request.method, request.segments[0])
    raise errors.unknown_path("/" + "/".join(request.segments[1:]))


def _matches(shape: tuple[str | None, ...], segments: list[str]) -> bool:
    return len(shape) == len(segments) and all(
        part is None or part == segment for part, segment in zip(shape, segments, strict=True)
    )


# --------------------------------------------------------------------------- the server

Handler = Callable[[_Request], Any]


class FakeMeta(FakeServer):
    """Meta's Graph API on a loopback port; see the module docstring.

    Beyond the documented test API: ``pair_interval`` / ``pair_burst`` shape the per-customer
    WhatsApp limit, ``throughput_per_second`` the per-number one; ``enforce_window=False``
    lets free-form messages through without a recent customer message; ``instagram_text_limit``
    with ``instagram_text_in_bytes`` sets how Instagram text is measured (Meta documents
    1000 UTF-8 bytes); ``strict_quick_replies`` refuses quick-reply titles Meta would
    silently truncate; ``record_limit`` and ``contact_limit`` bound the recorded calls and
    the per-customer memory (None keeps everything). Control methods must be called from
    the server's event loop.
    """

    def __init__(
        self,
        *,
        app_secret: str = DEFAULT_APP_SECRET,
        access_tokens: Iterable[str] = (DEFAULT_ACCESS_TOKEN,),
        enforce_limits: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        pair_interval: float = 6.0,
        pair_burst: int = 45,
        throughput_per_second: int = 80,
        enforce_window: bool = True,
        instagram_text_limit: int = validate.IG_TEXT_MAX,
        instagram_text_in_bytes: bool = True,
        strict_quick_replies: bool = True,
        record_limit: int | None = None,
        contact_limit: int | None = None,
    ) -> None:
        self.app_secret = app_secret
        self.access_tokens = set(access_tokens)
        if not self.access_tokens:
            raise ValueError("FakeMeta needs at least one access token")
        self.enforce_limits = enforce_limits
        self.enforce_window = enforce_window
        super().__init__(host=host, port=port)
        self.pair_limiter = PairLimiter(interval=pair_interval, burst=pair_burst)
        self.throughput = ThroughputLimiter(per_window=throughput_per_second)
        self.instagram_text_limit = instagram_text_limit
        self.instagram_text_in_bytes = instagram_text_in_bytes
        self.strict_quick_replies = strict_quick_replies
        self._clock = clock
        self._record_limit = record_limit

        self.calls: list[GraphCall] = []
        self.undeliverable: set[str] = set()
        self.too_many_requests = 0
        self.kind_counts: Counter[str] = Counter()
        self.failure_counts: Counter[str] = Counter()
        self.error_codes: Counter[int] = Counter()
        self.sent_counts: Counter[str] = Counter()

        self._customers = Recent(contact_limit)  # wa_id -> last inbound time
        self._ig_users = Recent(contact_limit)  # IGSID -> last inbound time
        self._comments = Recent(contact_limit)  # comment id -> (time, IGSID or None)
        self._replied_comments = Recent(contact_limit)
        self._media: dict[str, StoredMedia] = {}
        self._nodes: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, deque[GraphError]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._ids = itertools.count(1)
        self._id_salt = secrets.token_hex(3)
        self._handlers: dict[str, Handler] = {
            WHATSAPP_MESSAGES: self._send_whatsapp,
            INSTAGRAM_MESSAGES: self._send_instagram,
            MEDIA_GET: self._get_media,
            MEDIA_DOWNLOAD: self._download_media,
        }

    # ----------------------------------------------------------------- lifecycle

    client_max_size = 16 * 1024 * 1024

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/__stats", self._handle_stats)
        router.add_post("/__customer_wrote", self._handle_customer_wrote)
        router.add_post("/__user_wrote", self._handle_user_wrote)
        router.add_route("*", "/{tail:.*}", self._handle_graph)

    # ----------------------------------------------------------------- test controls

    def customer_wrote(self, wa_id: str, at: float | None = None) -> None:
        """A WhatsApp customer sent the business a message (opens the 24 h window)."""
        self._customers.touch(normalize_wa_id(wa_id), self._now(at))

    def user_wrote(self, igsid: str, at: float | None = None) -> None:
        """An Instagram user sent the account a message (opens the 24 h window)."""
        self._ig_users.touch(igsid, self._now(at))

    def user_commented(self, comment_id: str, igsid: str | None = None,
                       at: float | None = None) -> None:
        """An Instagram comment exists: a private reply to it must come within 7 days."""
        self._comments.touch(comment_id, (self._now(at), igsid))

    def add_node(self, node_id: str, **fields: Any) -> None:
        """A WhatsApp phone number or Instagram account that GET /{node_id} describes."""
        self._nodes[node_id] = fields

    def add_media(self, media_id: str, content: bytes,
                  mime_type: str = "application/octet-stream") -> StoredMedia:
        stored = StoredMedia(media_id, content, mime_type)
        self._media[media_id] = stored
        return stored

    def fail_next(self, path_kind: str, *, status: int = 400, code: int = 1,
                  message: str | None = None, times: int = 1, subcode: int | None = None,
                  error_type: str = "OAuthException", details: str | None = None) -> None:
        """The next ``times`` requests of ``path_kind`` (one of `KINDS`) get this Graph error;
        ``message`` defaults to Meta's "(#code) title" for the codes in KNOWN_TITLES."""
        error = errors.injected(status, code, message, subcode=subcode, error_type=error_type,
                                details=details, whatsapp=path_kind == WHATSAPP_MESSAGES)
        self._failures.setdefault(self._kind(path_kind), deque()).extend([error] * times)

    def delay_next(self, path_kind: str, seconds: float, times: int = 1) -> None:
        self._delays.setdefault(self._kind(path_kind), deque()).extend([seconds] * times)

    def failures_left(self, path_kind: str) -> int:
        """Failures of `fail_next` not yet taken (a soak keeps a storm going with few queued)."""
        return len(self._failures.get(self._kind(path_kind), ()))

    def calls_to(self, kind: str) -> list[GraphCall]:
        return [call for call in self.calls if _kind_matches(call.kind, kind)]

    def sent(self, kind: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        """Bodies of the messages Meta accepted, oldest first; ``kind`` is a kind or just
        "whatsapp" / "instagram", ``to`` a wa_id (any spelling) or IGSID / comment id."""
        return [
            call.body for call in self.calls
            if call.status == 200 and _is_message(call)
            and (kind is None or _kind_matches(call.kind, kind))
            and (to is None or _addressed_to(call, to))
        ]

    def stats(self) -> dict[str, Any]:
        return {
            "calls": dict(self.kind_counts),
            "failed": dict(self.failure_counts),
            "error_codes": {str(code): count for code, count in self.error_codes.items()},
            "too_many_requests": self.too_many_requests,
            "sent": sum(self.sent_counts.values()),
            "sent_by_kind": dict(self.sent_counts),
            "tracked": {
                "customers": len(self._customers), "instagram_users": len(self._ig_users),
                "pairs": self.pair_limiter.tracked_keys(), "calls": len(self.calls),
            },
            "now": self._clock(),
        }

    # ----------------------------------------------------------------- webhooks

    def sign(self, body: bytes | str) -> str:
        """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
        raw = body.encode() if isinstance(body, str) else body
        digest = hmac.new(self.app_secret.encode(), raw, hashlib.sha256).hexdigest()
        return f"sha256={digest}"

    async def deliver(self, url: str, payload: dict[str, Any], *, escape_unicode: bool = False,
                      record_inbound: bool = True) -> int:
        """POST ``payload`` to a webhook as Meta does, signed; returns the HTTP status.

        The body is compact JSON in UTF-8; ``escape_unicode=True`` sends non-ASCII as
        lowercase ``\\uXXXX`` escapes instead, which is how Meta says it encodes the payload
        it signs. Customer messages and comments in the payload are recorded first (Meta
        knows a customer wrote before it tells you), so replies to them pass the windows.
        """
        if record_inbound:
            self._record_inbound(payload)
        body = _webhook_body(payload, escape_unicode)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: self.sign(body)}
        if self._webhook_client is None:
            self._webhook_client = ClientSession(timeout=ClientTimeout(total=30))
        async with self._webhook_client.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    def _record_inbound(self, payload: dict[str, Any]) -> None:
        for entry in _list_of(payload.get("entry")):
            for change in _list_of(entry.get("changes")):
                self._record_change(payload.get("object"), change)
            for event in _list_of(entry.get("messaging")):
                self._record_instagram_event(event)

    def _record_change(self, product: Any, change: dict[str, Any]) -> None:
        value = change.get("value") if isinstance(change.get("value"), dict) else {}
        for message in _list_of(value.get("messages")):
            if isinstance(message.get("from"), str):
                self.customer_wrote(message["from"])
        if product == "instagram" and change.get("field") in ("comments", "live_comments"):
            author = value.get("from") if isinstance(value.get("from"), dict) else {}
            if isinstance(value.get("id"), str):
                self.user_commented(value["id"], author.get("id"))

    def _record_instagram_event(self, event: dict[str, Any]) -> None:
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
        # Echoes are the business's own messages coming back; they open no window.
        if not message.get("is_echo") and isinstance(sender.get("id"), str):
            self.user_wrote(sender["id"])

    # ----------------------------------------------------------------- HTTP plumbing

    async def _handle_graph(self, request: web.Request) -> web.StreamResponse:
        arrived = self._clock()
        parsed = await _parse(request)
        kind, status = "unknown", 200
        try:
            kind = _resolve(parsed)
            self._authorize(parsed.token)
            await self._apply_delay(kind)
            self._raise_injected_failure(kind)
            result = self._handlers[kind](parsed)
        except GraphError as error:
            status, result = error.status, error.body()
            self.error_codes[error.code] += 1
        except Exception as error:  # a bug in the fake must still answer like Graph
            failure = GraphError(500, f"(#1) An unknown error occurred: fake bug: {error!r}", 1)
            status, result = failure.status, failure.body()
        self._record(GraphCall(parsed.method, parsed.path, kind, parsed.token, parsed.body,
                               arrived, status, result if isinstance(result, dict) else None))
        return _response(result, status)

    def _authorize(self, token: str) -> None:
        if token not in self.access_tokens:
            raise errors.invalid_token()

    async def _apply_delay(self, kind: str) -> None:
        delays = self._delays.get(kind)
        if delays:
            try:
                await asyncio.wait_for(self._closing.wait(), delays.popleft())
            except TimeoutError:
                pass

    def _raise_injected_failure(self, kind: str) -> None:
        failures = self._failures.get(kind)
        if failures:
            raise failures.popleft()

    def _record(self, call: GraphCall) -> None:
        self.kind_counts[call.kind] += 1
        if call.status != 200:
            self.failure_counts[call.kind] += 1
        elif _is_message(call):
            self.sent_counts[call.kind] += 1
        if self._record_limit == 0:
            return
        # Delayed calls finish late; keep the list in arrival order.
        bisect.insort(self.calls, call, key=lambda recorded: recorded.at)
        if self._record_limit is not None and len(self.calls) > self._record_limit:
            del self.calls[: len(self.calls) - self._record_limit]

    async def _handle_stats(self, request: web.Request) -> web.Response:
        return _response(self.stats(), 200)

    async def _handle_customer_wrote(self, request: web.Request) -> web.Response:
        return await self._control(request, "wa_id", self.customer_wrote)

    async def _handle_user_wrote(self, request: web.Request) -> web.Response:
        return await self._control(request, "igsid", self.user_wrote)

    async def _control(self, request: web.Request, key: str,
                       record: Callable[[str], None]) -> web.Response:
        """CLI-mode stand-in for inbound messages: {key: id} or a list of them."""
        try:
            body = orjson.loads(await request.read())
            items = body if isinstance(body, list) else [body]
            ids = [str(item[key]) for item in items]
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            return _response({"error": f"expected {{{key!r}: ...}} or a list: {error}"}, 400)
        for one in ids:
            record(one)
        return _response({"recorded": len(ids)}, 200)

    # ----------------------------------------------------------------- WhatsApp

    def _send_whatsapp(self, request: _Request) -> dict[str, Any]:
        body = request.body
        if validate.is_status_update(body):
            validate.validate_status_update(body)
            return {"success": True}
        message_type = validate.whatsapp_message_type(body)
        wa_id = normalize_wa_id(body["to"])
        self._ensure_deliverable(wa_id)
        if message_type != "template":  # templates are how a business writes first
            self._ensure_whatsapp_window(wa_id)
        self._take_whatsapp_slot(request.node, wa_id)
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": wa_id}],
            "messages": [{"id": self._new_wamid(wa_id)}],
        }

    def _ensure_deliverable(self, wa_id: str) -> None:
        if any(normalize_wa_id(number) == wa_id for number in self.undeliverable):
            raise errors.undeliverable()

    def _ensure_whatsapp_window(self, wa_id: str) -> None:
        if self.enforce_window and self._age(self._customers.get(wa_id)) > CUSTOMER_SERVICE_WINDOW:
            raise errors.re_engagement()

    def _take_whatsapp_slot(self, phone_number_id: str, wa_id: str) -> None:
        if not self.enforce_limits:
            return
        now = self._clock()
        pair = (phone_number_id, wa_id)
        if not self.throughput.allows(phone_number_id, now):
            self.too_many_requests += 1
            raise errors.throughput_limit()
        if not self.pair_limiter.allows(pair, now):
            self.too_many_requests += 1
            raise errors.pair_rate_limit()
        self.throughput.record(phone_number_id, now)
        self.pair_limiter.record(pair, now)

    def _new_wamid(self, wa_id: str) -> str:
        # Real ids are base64 of an opaque structure; only uniqueness matters to a client.
        raw = f"{wa_id}:{self._id_salt}:{next(self._ids)}".encode()
        return "wamid." + base64.b64encode(raw).decode()

    # ----------------------------------------------------------------- Instagram

    def _send_instagram(self, request: _Request) -> dict[str, Any]:
        send = validate.instagram_send(
            request.body, text_limit=self.instagram_text_limit,
            count_bytes=self.instagram_text_in_bytes,
            strict_quick_replies=self.strict_quick_replies,
        )
        if send.comment_id is not None:
            return self._private_reply(send.comment_id)
        assert send.recipient_id is not None
        self._ensure_instagram_window(send)
        if send.sender_action is not None:
            return {"recipient_id": send.recipient_id}
        return {"recipient_id": send.recipient_id, "message_id": self._new_mid()}

    def _ensure_instagram_window(self, send: validate.InstagramSend) -> None:
        if not self.enforce_window:
            return
        age = self._age(self._ig_users.get(send.recipient_id or ""))
        if age <= CUSTOMER_SERVICE_WINDOW or (send.human_agent and age <= HUMAN_AGENT_WINDOW):
            return
        raise errors.instagram_outside_window()

    def _private_reply(self, comment_id: str) -> dict[str, Any]:
        if comment_id in self._replied_comments:
            raise errors.already_replied()
        made_at, author = self._comments.get(comment_id) or (None, None)
        if self.enforce_window and made_at is not None and \
                self._age(made_at) > PRIVATE_REPLY_WINDOW:
            raise errors.comment_too_old()
        self._replied_comments.touch(comment_id, self._clock())
        return {"recipient_id": author or comment_id, "message_id": self._new_mid()}

    def _new_mid(self) -> str:
        raw = f"ig_message_item:{self._id_salt}:{next(self._ids)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    # ----------------------------------------------------------------- media

    def _get_media(self, request: _Request) -> dict[str, Any]:
        # GET of any node id lands here; a phone number or account added with add_node
        # answers with its fields, as Graph does for a connection test.
        if request.node in self._nodes:
            return {**self._nodes[request.node], "id": request.node}
        stored = self._media.get(request.node)
        if stored is None:
            raise errors.unsupported_request("GET", request.node)
        return stored.as_graph(self.base_url)

    def _download_media(self, request: _Request) -> StoredMedia:
        stored = self._media.get(request.node)
        if stored is None:
            raise errors.unsupported_request("GET", request.node, status=404)
        return stored

    # ----------------------------------------------------------------- helpers

    def _now(self, at: float | None) -> float:
        return self._clock() if at is None else at

    def _age(self, since: float | None) -> float:
        return math.inf if since is None else self._clock() - since

    @staticmethod
    def _kind(path_kind: str) -> str:
        if path_kind not in KINDS:
            raise ValueError(f"unknown path kind {path_kind!r}; one of {KINDS}")
        return path_kind

    def _recent_calls(self) -> tuple[int, str]:
        return len(self.calls), "\n".join(
            f"  {call.method} {call.path} [{call.kind}] -> {call.status} {_summary(call.body)}"
            for call in self.calls[-15:]
        )


# --------------------------------------------------------------------------- module helpers


def _kind_matches(kind: str, wanted: str) -> bool:
    return kind == wanted or kind.split(".", 1)[0] == wanted


def _is_message(call: GraphCall) -> bool:
    """A message the customer sees: not a read receipt, typing indicator or sender action."""
    body = call.body
    return call.kind in MESSAGE_KINDS and not validate.is_status_update(body) \
        and "sender_action" not in body


def _addressed_to(call: GraphCall, to: str) -> bool:
    body = call.body
    if call.kind == WHATSAPP_MESSAGES:
        target = body.get("to")
        return isinstance(target, str) and normalize_wa_id(target) == normalize_wa_id(to)
    recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
    return to in (recipient.get("id"), recipient.get("comment_id"))


def _list_of(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _webhook_body(payload: dict[str, Any], escape_unicode: bool) -> bytes:
    if escape_unicode:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()
    return orjson.dumps(payload)


def _summary(body: dict[str, Any]) -> str:
    text = repr(body)
    return text if len(text) <= 160 else text[:157] + "..."


def _response(result: Any, status: int) -> web.Response:
    if isinstance(result, StoredMedia):
        return web.Response(body=result.content, content_type=result.mime_type)
    headers = {"WWW-Authenticate": _WWW_AUTHENTICATE} if status == 401 else None
    return web.Response(body=orjson.dumps(result), status=status,
                        content_type="application/json", headers=headers)
