"""HTTP glue for platform webhooks: verify, parse, store, and only then answer 2xx.

Every platform comes through /webhooks/<platform>, followed by as many path segments as
its adapter says (a secret in the path, an SMS provider's name); the adapter judges the
request, so this file never names a platform.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from adapters import ADAPTERS, Adapter, BadPayload, WebhookRejected, WebhookRequest
from bots.typedefs import RUNTIME
from core.events import Platform

log = logging.getLogger(__name__)


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"ok": False, "error": detail}, status=status)


def _adapter(request: web.Request) -> tuple[Platform, Adapter, tuple[str, ...]] | None:
    """The platform, its adapter and the path after /webhooks/<platform>, when the adapter
    takes webhooks at such a path."""
    tail = request.match_info.get("path")
    path = tuple(tail.split("/")) if tail else ()
    try:
        platform = Platform(request.match_info["platform"])
        adapter = ADAPTERS[platform]
    except (ValueError, KeyError):
        return None
    if adapter.webhook_path != len(path):
        return None
    return platform, adapter, path


def _closing(response: web.Response) -> web.Response:
    """The response, after which the connection is closed: the body it did not read is
    not waited for."""
    response.force_close()
    return response


async def handshake(request: web.Request) -> web.Response:
    """A platform's GET verification (Meta's hub.challenge)."""
    name = request.match_info["platform"]
    found = _adapter(request)
    if found is None:
        return _problem(404, f"no webhook for {name!r}")
    _, adapter, path = found
    try:
        answer = adapter.handshake(
            WebhookRequest(headers=request.headers, query=request.query, path=path),
            request.app[RUNTIME].settings)
    except WebhookRejected as rejection:
        log.warning("webhook %s: handshake refused (%s) from %s", name, rejection,
                    request.remote)
        return _problem(rejection.status, str(rejection))
    return web.Response(text=answer)


async def receive(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    name = request.match_info["platform"]
    found = _adapter(request)
    if found is None:
        return _problem(404, f"no webhook for {name!r}")
    platform, adapter, path = found
    settings = runtime.settings
    known = runtime.channels.of(platform)
    # Everything that can be judged without the body is judged first: a stranger's body,
    # or one larger than any platform sends, is never read.
    declared = request.content_length
    if declared is not None and declared > settings.webhook_max_body_bytes:
        log.warning("webhook %s: declared body of %d bytes refused from %s", name, declared,
                    request.remote)
        return _closing(_problem(413, "the body is too large"))
    try:
        adapter.admit(WebhookRequest(headers=request.headers, query=request.query, path=path),
                      known)
    except WebhookRejected as rejection:
        log.warning("webhook %s: refused (%s) from %s", name, rejection, request.remote)
        return _closing(_problem(rejection.status, str(rejection)))
    try:
        async with asyncio.timeout(settings.body_read_seconds):
            body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        log.warning("webhook %s: body over %d bytes refused", name,
                    settings.webhook_max_body_bytes)
        return _closing(_problem(413, "the body is too large"))
    except asyncio.CancelledError:
        # aiohttp cancels the handler when the sender goes away mid-body.
        log.info("webhook %s: %s left before the body was complete", name, request.remote)
        raise
    except TimeoutError:
        log.warning("webhook %s: body not received within %g s from %s; abandoned", name,
                    settings.body_read_seconds, request.remote)
        return _closing(_problem(408, "the body did not arrive in time"))
    webhook = WebhookRequest(headers=request.headers, query=request.query, path=path,
                             body=body)
    try:
        channels = adapter.verify(webhook, known)
    except WebhookRejected as rejection:
        log.warning("webhook %s: refused (%s) from %s", name, rejection, request.remote)
        return _problem(rejection.status, str(rejection))
    try:
        events = adapter.parse(body, channels)
    except BadPayload as error:
        log.warning("webhook %s: bad payload (%d bytes): %s", name, len(body), error)
        return _problem(400, str(error))
    except Exception:
        # Parsers keep what they cannot translate item by item; a body that still fails is
        # the platform's (it is signed), and a 500 would only bring it back forever.
        log.exception("webhook %s: a signed body of %d bytes did not parse; dropped: %.2000r",
                      name, len(body), body)
        return web.json_response({"ok": True, "stored": 0})
    try:
        await runtime.inbox.ingest(events)
    except Exception:
        log.exception("webhook %s: could not store %d event(s)", name, len(events))
        return _problem(503, "not stored; please deliver again")
    return web.json_response({"ok": True})


# The routes that take a platform's POST: they bound their bodies themselves.
RECEIVING_ROUTES = frozenset({"webhook", "webhook-path"})
# (method, path, handler, route name): a platform's secret may follow in the path.
WEBHOOK_ROUTES = (
    ("GET", "/webhooks/{platform}", handshake, "webhook-handshake"),
    ("POST", "/webhooks/{platform}", receive, "webhook"),
    ("GET", "/webhooks/{platform}/{path:.+}", handshake, "webhook-handshake-path"),
    ("POST", "/webhooks/{platform}/{path:.+}", receive, "webhook-path"),
)
