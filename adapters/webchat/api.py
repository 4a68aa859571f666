"""The widget's endpoints under /webchat/: its assets, and for a visitor a session (the
token), the history, sending, and a live stream (server-sent events).

Why server-sent events and POST rather than a WebSocket: the stream only says "something
new"; what is new is read over plain HTTP from the last message the widget has, so a
dropped connection, a sleeping phone or a hidden tab lose nothing, EventSource reconnects
by itself, and every request is an ordinary one that proxies and the Origin check handle
alike. A POST is sent as text/plain so that the browser sends it without a preflight.

Every visitor request is judged in this order: the channel exists (404), the `Origin` is
on its allow-list (403), the limits per IP and per token (429 with Retry-After, and words
the widget shows), the size (413), the token (401); only then is the body used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiohttp import web

from adapters.base import SERVICES, AdapterServices
from adapters.webchat import identity, tokens
from adapters.webchat.guard import Gate, WindowCounter, origin_allowed, request_allowed
from adapters.webchat.hub import hub
from adapters.webchat.static import static_routes
from adapters.webchat.words import (
    BAD_FILE,
    BAD_PROFILE,
    FILE_TOO_LARGE,
    STRINGS,
    TOO_LONG,
    TOO_MANY,
    TOO_MANY_READS,
)
from core import continuity
from core.channel_setup import own_address
from core.events import ChannelCredentials, EventKind, InboundEvent, MessageKind, Platform, Sender
from core.i18n import translation
from core.media import MediaRefused, media_path, normalize_type, store_upload
from core.visitors import (
    VisitorProfile,
    active_visitor,
    issue_visitor,
    seen_up_to,
    set_attributes,
    set_profile,
    visitor_file,
    visitor_messages,
    vouched_visitor,
)

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
CLIENT_ID_CHARS = 64
FILE_NAME_CHARS = 128
TOKEN_LIFETIME = timedelta(days=365)

PHONE = re.compile(r"\+?[0-9۰-۹٠-٩ ()-]{5,31}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,63}")


class _Serving:
    """The gate of this process, set while the channel serves (WebchatAdapter.start)."""

    gate: Gate | None = None


serving = _Serving()


def _gate() -> Gate:
    if serving.gate is None:
        raise web.HTTPServiceUnavailable(reason="web chat is starting")
    return serving.gate


def language_of(channel: ChannelCredentials) -> str:
    chosen = channel.option_values("language")
    return chosen[0] if chosen else "fa"


def _said(channel: ChannelCredentials, message: str) -> str:
    return translation(language_of(channel)).gettext(message)


def _refused(request: web.Request, channel: ChannelCredentials | None, status: int,
             reason: str, text: str = "", retry_after: int = 0) -> web.Response:
    if channel is not None:
        _gate().refusals.count(channel.channel_id, reason)
    body: dict[str, Any] = {"ok": False, "error": reason}
    if text and channel is not None:
        body["message"] = _said(channel, text)
    headers = {}
    if retry_after:
        body["retry_after"] = retry_after
        headers["Retry-After"] = str(retry_after)
    response = web.json_response(body, status=status, headers=headers)
    _allow(request, response, channel)
    return response


def _over(request: web.Request, channel: ChannelCredentials, counter: WindowCounter,
          key: str, text: str = TOO_MANY) -> web.Response | None:
    """None while `key` is within the counter's limit, else its 429 with Retry-After."""
    if counter.take(key):
        return None
    return _refused(request, channel, 429, counter.limit.name, text, counter.retry_after())


def _allow(request: web.Request, response: web.StreamResponse,
           channel: ChannelCredentials | None) -> None:
    """CORS for the channel's own origins only: a foreign page reads nothing."""
    origin = request.headers.get("Origin")
    if channel is not None and origin_allowed(channel, origin):
        response.headers["Access-Control-Allow-Origin"] = origin or ""
    response.headers["Vary"] = "Origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"


def _channel(request: web.Request) -> ChannelCredentials | None:
    key = request.match_info["key"]
    services = request.app[SERVICES]
    return next((c for c in services.channels.of(Platform.WEBCHAT) if c.key == key), None)


def _ip(request: web.Request) -> str:
    return request.remote or "?"


def _now() -> datetime:
    return datetime.now(UTC)


async def _visitor(channel: ChannelCredentials, token: str) -> VisitorProfile | None:
    """The visitor this token names, when it is signed, fresh and not revoked."""
    try:
        checked = tokens.check(channel, token, _now(), TOKEN_LIFETIME)
    except tokens.BadToken as bad:
        log.info("webchat: channel %d refused a token (%s)", channel.channel_id, bad)
        return None
    visitor = await active_visitor(channel.channel_id, checked.visitor)
    if visitor is None:
        log.info("webchat: channel %d refused a revoked token", channel.channel_id)
    return visitor


async def _body(request: web.Request, channel: ChannelCredentials) -> dict[str, Any] | None:
    limit = _gate().limits.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return None
    try:
        raw = await request.read()  # read already, within its time, by bots/bodies.py
    except web.HTTPRequestEntityTooLarge:
        return None
    if len(raw) > limit:
        return None
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def _judged(request: web.Request) -> tuple[ChannelCredentials | None, web.Response | None]:
    channel = _channel(request)
    if channel is None:
        return None, _refused(request, None, 404, "no_channel")
    settings = request.app[SERVICES].settings
    if not request_allowed(channel, origin=request.headers.get("Origin"),
                           fetch_site=request.headers.get("Sec-Fetch-Site"),
                           referer=request.headers.get("Referer"),
                           own=own_address(settings.public_url, request.scheme, request.host)):
        log.warning("webchat: channel %d refused origin %.100r from %s", channel.channel_id,
                    request.headers.get("Origin"), _ip(request))
        return channel, _refused(request, channel, 403, "origin")
    return channel, None


async def session(request: web.Request) -> web.Response:
    """The visitor's token: the one it has when that is still good, else a new visitor."""
    channel, refusal = _judged(request)
    if refusal is not None or channel is None:
        return refusal  # type: ignore[return-value]
    body = await _body(request, channel)
    if body is None:
        return _refused(request, channel, 413, "too_large", TOO_LONG)
    token = str(body.get("token") or "")
    visitor = await _visitor(channel, token) if token else None
    if visitor is None:
        if over := _over(request, channel, _gate().visitors, _ip(request)):
            return over
        token = tokens.sign(channel, await issue_visitor(channel.channel_id), _now())
    return _session_answer(request, channel, token)


def _session_answer(request: web.Request, channel: ChannelCredentials,
                    token: str) -> web.Response:
    language = language_of(channel)
    response = web.json_response({
        "ok": True, "token": token, "language": language,
        "continues": bool(channel.option_values("continue")),
        "ask": list(channel.option_values("ask")),
        "sound": channel.option_values("sound") == ("on",),
        "files": {"types": list(_gate().limits.file_types),
                  "max_bytes": _gate().limits.max_file_bytes},
        "strings": {name: _said(channel, text) for name, text in STRINGS.items()},
    })
    _allow(request, response, channel)
    return response


async def _reader(request: web.Request) -> tuple[ChannelCredentials | None,
                                                  VisitorProfile | None, web.Response | None]:
    """The channel and the visitor of a read (the history, the stream), or a refusal: the
    reads per IP are counted before the token is looked up, the visitor's after."""
    channel, refusal = _judged(request)
    if refusal is not None or channel is None:
        return None, None, refusal
    gate = _gate()
    if over := _over(request, channel, gate.reads_ip, _ip(request), TOO_MANY_READS):
        return None, None, over
    visitor = await _visitor(channel, request.query.get("token", ""))
    if visitor is None:
        return None, None, _refused(request, channel, 401, "token")
    if over := _over(request, channel, gate.reads, visitor.public_id, TOO_MANY_READS):
        return None, None, over
    return channel, visitor, None


async def history(request: web.Request) -> web.Response:
    channel, visitor, refusal = await _reader(request)
    if refusal is not None or channel is None or visitor is None:
        return refusal  # type: ignore[return-value]
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        after = 0
    messages = await visitor_messages(channel.channel_id, visitor.public_id, after=after)
    seen = await seen_up_to(channel.channel_id, visitor.public_id)
    response = web.json_response({"ok": True, "seen": seen, "messages": [
        {"id": m.message_id, "from": "visitor" if m.author == "customer" else m.author,
         "kind": m.kind, "text": m.text, "buttons": [list(b) for b in m.buttons],
         "at": m.created_at.isoformat(),
         **({"file": {"type": m.file.mime_type, "name": m.file.name, "size": m.file.size}}
            if m.file else {})}
        for m in messages]})
    _allow(request, response, channel)
    return response


async def send(request: web.Request) -> web.Response:
    """One message or button press of the visitor, stored through the inbox like any
    channel's (the same flows answer it). The widget's own id makes a resend a no-op."""
    channel, refusal = _judged(request)
    if refusal is not None or channel is None:
        return refusal  # type: ignore[return-value]
    gate = _gate()
    if over := _over(request, channel, gate.per_ip, _ip(request)):
        return over
    body = await _body(request, channel)
    if body is None:
        return _refused(request, channel, 413, "too_large", TOO_LONG)
    visitor = await _visitor(channel, str(body.get("token") or ""))
    if visitor is None:
        return _refused(request, channel, 401, "token")
    if over := _over(request, channel, gate.per_token, visitor.public_id):
        return over
    client_id = str(body.get("id") or "")[:CLIENT_ID_CHARS] or secrets.token_urlsafe(12)
    text = str(body.get("text") or "").strip()
    payload = str(body.get("button") or "")
    if len(text) > gate.limits.max_text_chars:
        return _refused(request, channel, 413, "too_long", TOO_LONG)
    if not text and not payload:
        return _refused(request, channel, 400, "empty")
    event = InboundEvent(
        platform=Platform.WEBCHAT, channel_id=channel.channel_id,
        kind=EventKind.BUTTON if payload else EventKind.MESSAGE,
        external_id=f"{visitor.public_id}:{client_id}",
        sender=Sender(external_id=visitor.public_id, display_name=visitor.name,
                      phone=visitor.phone, language=language_of(channel)),
        chat_id=visitor.public_id,
        message_kind=MessageKind.BUTTON if payload else MessageKind.TEXT,
        text=text or None, button_payload=payload or None, occurred_at=_now(),
    )
    services: AdapterServices = request.app[SERVICES]
    try:
        await services.inbox.ingest([event])
    except Exception:
        log.exception("webchat: could not store a visitor's message")
        return _refused(request, channel, 503, "not_stored")
    await hub.notify(channel.channel_id, visitor.public_id)  # the visitor's other tabs
    response = web.json_response({"ok": True}, status=202)
    _allow(request, response, channel)
    return response


async def upload(request: web.Request) -> web.Response:
    """A file from the visitor: the body is the file (sent as text/plain, so without a
    preflight), `?type=` its type, `?name=` its name, `?id=` the widget's id for the
    message. Checked (type on the channel's list and matching its first bytes, size) and
    stored by its hash like a platform's download; then a message like any other."""
    channel, refusal = _judged(request)
    if refusal is not None or channel is None:
        return refusal  # type: ignore[return-value]
    gate = _gate()
    if over := _over(request, channel, gate.per_ip, _ip(request)):
        return over
    visitor = await _visitor(channel, request.query.get("token", ""))
    if visitor is None:
        return _refused(request, channel, 401, "token")
    if over := _over(request, channel, gate.per_token, visitor.public_id):
        return over
    declared = normalize_type(request.query.get("type"))
    if declared not in gate.limits.file_types:
        return _refused(request, channel, 415, "file_type", BAD_FILE)
    limit = gate.limits.max_file_bytes
    if request.content_length is not None and request.content_length > limit:
        return _refused(request, channel, 413, "file_size", FILE_TOO_LARGE)
    try:
        data = await request.read()
    except web.HTTPRequestEntityTooLarge:
        data = b""
    if not data or len(data) > limit:
        return _refused(request, channel, 413 if data else 400, "file_size", FILE_TOO_LARGE)
    services: AdapterServices = request.app[SERVICES]
    name = request.query.get("name", "").strip()[:FILE_NAME_CHARS] or None
    try:
        ref = await asyncio.to_thread(store_upload, services.settings, data, declared, name)
    except MediaRefused as refused:
        log.info("webchat: channel %d refused a file: %s", channel.channel_id, refused)
        return _refused(request, channel, 415, "file_type", BAD_FILE)
    client_id = request.query.get("id", "")[:CLIENT_ID_CHARS] or secrets.token_urlsafe(12)
    event = InboundEvent(
        platform=Platform.WEBCHAT, channel_id=channel.channel_id, kind=EventKind.MESSAGE,
        external_id=f"{visitor.public_id}:{client_id}",
        sender=Sender(external_id=visitor.public_id, display_name=visitor.name,
                      phone=visitor.phone, language=language_of(channel)),
        chat_id=visitor.public_id,
        message_kind=MessageKind.PHOTO if declared.startswith("image/")
        else MessageKind.DOCUMENT,
        media=ref, occurred_at=_now(),
    )
    try:
        await services.inbox.ingest([event])
    except Exception:
        log.exception("webchat: could not store a visitor's file")
        return _refused(request, channel, 503, "not_stored")
    await hub.notify(channel.channel_id, visitor.public_id)
    response = web.json_response({"ok": True}, status=202)
    _allow(request, response, channel)
    return response


async def file(request: web.Request) -> web.StreamResponse:
    """The stored file of one of the visitor's messages, read by the widget with fetch()
    (so with its Origin checked, never as a bare <img> another site could embed)."""
    channel, visitor, refusal = await _reader(request)
    if refusal is not None or channel is None or visitor is None:
        return refusal  # type: ignore[return-value]
    try:
        message_id = int(request.match_info["message_id"])
    except ValueError:
        return _refused(request, channel, 404, "no_file")
    found = await visitor_file(channel.channel_id, visitor.public_id, message_id)
    services: AdapterServices = request.app[SERVICES]
    path = media_path(services.settings, found.digest) if found else None
    if found is None or path is None:
        return _refused(request, channel, 404, "no_file")
    response = web.FileResponse(path, headers={
        "Content-Type": found.mime_type or "application/octet-stream",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": "inline" if found.mime_type.startswith("image/")
        else "attachment"})
    _allow(request, response, channel)
    return response


async def stream(request: web.Request) -> web.StreamResponse:
    """"sync" whenever the visitor has something new (the widget then reads the history),
    "typing" while an agent types to it, "seen" when an agent has its conversation open
    (the history then says how far it was read)."""
    channel, visitor, refusal = await _reader(request)
    if refusal is not None or channel is None or visitor is None:
        return refusal  # type: ignore[return-value]
    gate = _gate()
    if gate.streams_ended:  # the process is stopping; the widget reconnects to another
        raise web.HTTPServiceUnavailable(reason="stopping")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "X-Accel-Buffering": "no"})
    _allow(request, response, channel)
    waker = hub.open(channel.channel_id, visitor.public_id)
    streams = gate.streams
    task = asyncio.current_task()
    assert task is not None  # nosec B101 # narrows a type for the checker; not a check of input
    streams.add(task)
    try:
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            await response.prepare(request)
            await response.write(b"retry: 2000\nevent: sync\ndata: {}\n\n")
            while True:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(KEEPALIVE_SECONDS):
                        await waker.rung.wait()
                news = waker.take()
                if not news:
                    await response.write(b": keep-alive\n\n")
                    continue
                await response.write(b"".join(f"event: {kind}\ndata: {{}}\n\n".encode()
                                              for kind in sorted(news)))
    finally:
        hub.close(channel.channel_id, visitor.public_id, waker)
        streams.discard(task)
    return response


async def identify(request: web.Request) -> web.Response:
    """The site's signed identity of the visitor: a token for the visitor that identity
    names (the same on every device), or 401 and the visitor stays as it was."""
    channel, refusal = _judged(request)
    if refusal is not None or channel is None:
        return refusal  # type: ignore[return-value]
    body = await _body(request, channel)
    if body is None:
        return _refused(request, channel, 413, "too_large", TOO_LONG)
    if await _visitor(channel, str(body.get("token") or "")) is None:
        return _refused(request, channel, 401, "token")
    try:
        vouched = identity.verified(channel, str(body.get("identity") or ""))
    except identity.BadIdentity as bad:
        log.warning("webchat: channel %d ignored an identity (%s) from %s; the visitor stays"
                    " anonymous", channel.channel_id, bad, _ip(request))
        return _refused(request, channel, 401, "identity")
    if not await vouched_visitor(channel.channel_id, vouched):
        return _refused(request, channel, 403, "revoked")
    return _session_answer(request, channel, tokens.sign(channel, vouched.public_id, _now()))


async def continue_elsewhere(request: web.Request) -> web.Response:
    """A one-time link to the shop's Telegram bot that joins the visitor's account there to
    the same customer (core/continuity.py)."""
    channel, refusal = _judged(request)
    if refusal is not None or channel is None:
        return refusal  # type: ignore[return-value]
    body = await _body(request, channel)
    if body is None:
        return _refused(request, channel, 413, "too_large", TOO_LONG)
    visitor = await _visitor(channel, str(body.get("token") or ""))
    if visitor is None:
        return _refused(request, channel, 401, "token")
    bots = channel.option_values("continue")
    if not bots:
        return _refused(request, channel, 404, "no_continuation")
    if over := _over(request, channel, _gate().per_token, visitor.public_id):
        return over
    token = await continuity.issue(channel.channel_id, visitor.public_id)
    response = web.json_response({"ok": True, "url": f"{bots[0]}?start={token}"})
    _allow(request, response, channel)
    return response


async def profile(request: web.Request) -> web.Response:
    """The pre-chat fields the visitor chose to fill in (each optional)."""
    channel, visitor, body, refusal = await _visitor_request(request)
    if refusal is not None:
        return refusal
    assert channel is not None and visitor is not None and body is not None  # nosec B101 # narrows a type for the checker; not a check of input
    asked = set(channel.option_values("ask"))
    name = str(body.get("name") or "").strip()[:128] if "name" in asked else ""
    phone = str(body.get("phone") or "").strip() if "phone" in asked else ""
    email = str(body.get("email") or "").strip() if "email" in asked else ""
    if (phone and not PHONE.fullmatch(phone)) or (email and not EMAIL.fullmatch(email)):
        return _refused(request, channel, 400, "profile", BAD_PROFILE)
    await set_profile(channel.channel_id, visitor.public_id, name=name or visitor.name,
                      phone=phone or visitor.phone, email=email or visitor.email)
    response = web.json_response({"ok": True})
    _allow(request, response, channel)
    return response


async def attributes(request: web.Request) -> web.Response:
    """`Pasokh.setAttributes({...})`: name-value pairs for the panel's customer card.
    `applied` is false while the visitor has not written (the widget sends them again)."""
    channel, visitor, body, refusal = await _visitor_request(request)
    if refusal is not None:
        return refusal
    assert channel is not None and visitor is not None and body is not None  # nosec B101 # narrows a type for the checker; not a check of input
    given = body.get("attributes")
    if not isinstance(given, dict):
        return _refused(request, channel, 400, "attributes")
    pairs = {str(name): str(value) for name, value in list(given.items())[:30]
             if isinstance(value, str | int | float)}
    applied = await set_attributes(channel.channel_id, visitor.public_id, pairs)
    response = web.json_response({"ok": True, "applied": applied})
    _allow(request, response, channel)
    return response


async def _visitor_request(request: web.Request) -> tuple[
        ChannelCredentials | None, VisitorProfile | None, dict[str, Any] | None,
        web.Response | None]:
    """The channel, the visitor and the body of a POST that needs a token, or a refusal."""
    channel, refusal = _judged(request)
    if refusal is not None or channel is None:
        return None, None, None, refusal
    body = await _body(request, channel)
    if body is None:
        return None, None, None, _refused(request, channel, 413, "too_large", TOO_LONG)
    visitor = await _visitor(channel, str(body.get("token") or ""))
    if visitor is None:
        return None, None, None, _refused(request, channel, 401, "token")
    if over := _over(request, channel, _gate().per_token, visitor.public_id):
        return None, None, None, over
    return channel, visitor, body, None


async def preflight(request: web.Request) -> web.Response:
    channel = _channel(request)
    if channel is None or not origin_allowed(channel, request.headers.get("Origin")):
        return _refused(request, channel, 403, "origin")
    response = web.Response(status=204, headers={
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
    })
    _allow(request, response, channel)
    return response


def routes() -> list[web.AbstractRouteDef]:
    return [
        *static_routes(),
        web.post("/webchat/api/{key}/session", session, name="webchat-session"),
        web.get("/webchat/api/{key}/messages", history, name="webchat-history"),
        web.post("/webchat/api/{key}/messages", send, name="webchat-send"),
        web.get("/webchat/api/{key}/stream", stream, name="webchat-stream"),
        web.post("/webchat/api/{key}/files", upload, name="webchat-upload"),
        web.get("/webchat/api/{key}/files/{message_id}", file, name="webchat-file"),
        web.post("/webchat/api/{key}/identify", identify, name="webchat-identify"),
        web.post("/webchat/api/{key}/continue", continue_elsewhere, name="webchat-continuation"),
        web.post("/webchat/api/{key}/profile", profile, name="webchat-profile"),
        web.post("/webchat/api/{key}/attributes", attributes, name="webchat-attributes"),
        web.options("/webchat/api/{key}/{what}", preflight, name="webchat-preflight"),
    ]
