"""Server-sent events: every open panel hears of new messages, changed conversations and
delivery receipts within a moment, from core/bus. The notices carry ids only; the page
fetches what it shows through the same scoped views as always, and a notice of a
conversation the viewer may not open is not sent at all."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from admin_panel.typedefs import BUS, DESK, LIVE_STREAMS, viewer_of
from core.desk import PRESENCE_TOPIC, Viewer
from core.notifications import NOTIFY_TOPIC

TOPICS = ("message.new", "conversation.updated", "message.delivery", PRESENCE_TOPIC,
          NOTIFY_TOPIC)
KEEPALIVE_SECONDS = 15.0  # proxies drop quiet connections; a comment line keeps it open
SESSION_RECHECK_SECONDS = 30.0  # how soon a logout elsewhere ends an open stream


async def events(request: web.Request) -> web.StreamResponse:
    viewer, desk = viewer_of(request), request.app[DESK]

    async def still_logged_in() -> bool:
        """Logging out (anywhere) or being deactivated ends an open stream too."""
        current = await desk.viewer(viewer.user_id)
        return current is not None and current.session_version == viewer.session_version

    return await stream_notices(request, TOPICS, viewer, still_allowed=still_logged_in,
                                recheck_seconds=SESSION_RECHECK_SECONDS)


async def stream_notices(request: web.Request, topics: tuple[str, ...], viewer: Viewer, *,
                         still_allowed: Callable[[], Awaitable[bool]] | None = None,
                         recheck_seconds: float = KEEPALIVE_SECONDS) -> web.StreamResponse:
    """Writes the bus's notices of these topics as server-sent events until the client goes
    away, those the viewer may see only (as the pages are scoped). `still_allowed` is asked
    every `recheck_seconds`; the stream ends when it says no (a revoked token must not keep
    listening)."""
    desk = request.app[DESK]
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
    })
    # Subscribed before the headers go out: the page fetches a fresh copy when its stream
    # opens, so every change after that moment must come through this stream.
    notices = request.app[BUS].subscribe(*topics)
    streams = request.app[LIVE_STREAMS]
    task = asyncio.current_task()
    assert task is not None  # nosec B101 # narrows a type for the checker; not a check of input
    streams.add(task)
    upcoming: asyncio.Future | None = None
    clock = asyncio.get_running_loop().time
    next_check = clock() + recheck_seconds
    try:
        # The client going away, or the server stopping, ends the stream quietly.
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            await response.prepare(request)
            await response.write(b"retry: 2000\n\n")
            while True:
                if still_allowed is not None and clock() >= next_check:
                    if not await still_allowed():
                        break
                    next_check = clock() + recheck_seconds
                upcoming = upcoming or asyncio.ensure_future(anext(notices))
                done, _ = await asyncio.wait({upcoming},
                                             timeout=min(KEEPALIVE_SECONDS, recheck_seconds))
                if not done:
                    await response.write(b": keep-alive\n\n")
                    continue
                notice, upcoming = upcoming.result(), None
                if notice.topic == NOTIFY_TOPIC and notice.data.get("user_id") != viewer.user_id:
                    continue  # a notification is for the one agent it names
                if not await desk.notice_visible(viewer, notice.data):
                    continue
                data = orjson.dumps(notice.data).decode()
                await response.write(f"event: {notice.topic}\ndata: {data}\n\n".encode())
    finally:
        streams.discard(task)
        if upcoming is not None:
            upcoming.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await upcoming
        await notices.aclose()
    return response


async def end_live_streams(app: web.Application) -> None:
    """On shutdown: open streams would otherwise hold the server up to its timeout."""
    for task in list(app[LIVE_STREAMS]):
        task.cancel()
