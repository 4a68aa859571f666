"""HTTP glue for platform webhooks: verify, parse, store, and only then answer 2xx."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters import ADAPTERS, Adapter, BadPayload, WebhookRejected
from bots.typedefs import RUNTIME
from core.events import Platform

log = logging.getLogger(__name__)


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"ok": False, "error": detail}, status=status)


def _adapter(name: str) -> tuple[Platform, Adapter] | None:
    try:
        platform = Platform(name)
        return platform, ADAPTERS[platform]
    except (ValueError, KeyError):
        return None


async def handshake(request: web.Request) -> web.Response:
    """A platform's GET verification (Meta's hub.challenge)."""
    name = request.match_info["platform"]
    found = _adapter(name)
    if found is None:
        return _problem(404, f"no webhook for {name!r}")
    _, adapter = found
    try:
        answer = adapter.handshake(request.query, request.app[RUNTIME].settings)
    except WebhookRejected as rejection:
        log.warning("webhook %s: handshake refused (%s) from %s", name, rejection,
                    request.remote)
        return _problem(rejection.status, str(rejection))
    return web.Response(text=answer)


async def receive(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    name = request.match_info["platform"]
    found = _adapter(name)
    if found is None:
        return _problem(404, f"no webhook for {name!r}")
    platform, adapter = found
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        log.warning("webhook %s: body over %d bytes refused", name,
                    runtime.settings.webhook_max_body_bytes)
        return _problem(413, "the body is too large")
    try:
        channels = adapter.verify(request.headers, body, runtime.channels.of(platform))
    except WebhookRejected as rejection:
        log.warning("webhook %s: refused (%s) from %s", name, rejection, request.remote)
        return _problem(rejection.status, str(rejection))
    try:
        events = adapter.parse(body, channels)
    except BadPayload as error:
        log.warning("webhook %s: bad payload (%d bytes): %s", name, len(body), error)
        return _problem(400, str(error))
    try:
        await runtime.inbox.ingest(events)
    except Exception:
        log.exception("webhook %s: could not store %d event(s)", name, len(events))
        return _problem(503, "not stored; please deliver again")
    return web.json_response({"ok": True})
