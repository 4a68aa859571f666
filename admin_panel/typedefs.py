"""Typed keys for what the panel keeps on the application and the request."""

from __future__ import annotations

import asyncio

from aiohttp import web

from core.desk import Desk, Viewer

DESK: web.AppKey[Desk] = web.AppKey("desk", Desk)
# The live streams open now, so that shutdown can end them instead of waiting for them.
LIVE_STREAMS: web.AppKey[set[asyncio.Task[object]]] = web.AppKey("live_streams", set)
VIEWER_KEY: web.RequestKey[Viewer | None] = web.RequestKey("viewer", object)
CSRF_KEY: web.RequestKey[str] = web.RequestKey("csrf", str)
LANGUAGE_KEY: web.RequestKey[str] = web.RequestKey("language", str)


def viewer_of(request: web.Request) -> Viewer:
    """The logged-in viewer; security.py lets only logged-in requests reach the views
    that call this."""
    viewer = request[VIEWER_KEY]
    assert viewer is not None
    return viewer
