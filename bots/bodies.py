"""Every request body is bounded before a handler sees it: a declared length over the
limit is refused unread (413), and a body that does not arrive within the read time is
abandoned (408) with one log line, so slow or stalled senders cannot hold connections.

Webhooks are left to bots/webhooks.py, which first judges the sender's secret or
signature from the headers and only then reads the body under the same bounds.
Multipart uploads are read by their handlers as streams and are bounded there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from admin_panel.api.problems import problem_response
from bots.webhooks import RECEIVING_ROUTES

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def bounded_bodies(read_seconds: float) -> Callable[[web.Request, Handler],
                                                     Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.match_info.route.name in RECEIVING_ROUTES or not request.body_exists:
            return await handler(request)
        declared = request.content_length
        if declared is not None and declared > request.client_max_size:
            log.warning("%s %s: declared body of %d bytes refused from %s", request.method,
                        request.path, declared, request.remote)
            return _refusal(request, 413, "The body is too large.")
        if request.content_type.startswith("multipart/"):
            return await handler(request)
        try:
            async with asyncio.timeout(read_seconds):
                await request.read()  # kept by aiohttp for the handler's post()/json()
        except TimeoutError:
            log.warning("%s %s: body not received within %g s from %s; abandoned",
                        request.method, request.path, read_seconds, request.remote)
            return _refusal(request, 408, "The body did not arrive in time.")
        return await handler(request)

    return middleware


def _refusal(request: web.Request, status: int, detail: str) -> web.Response:
    """The refusal in the route's own format (the API's problem details), after which the
    connection is closed: the body left unread is not waited for."""
    if (request.match_info.route.name or "").startswith("api."):
        response = problem_response(status, detail)
    else:
        response = web.Response(status=status, text=detail)
    response.force_close()
    return response
