"""The viewer's own status in the top bar: one click sets it, and every open panel says
"still here" every minute (the heartbeat), which keeps it from going offline by itself
(core/routing/presence.py). Both answer with the switch, so it always shows the truth."""

from __future__ import annotations

from aiohttp import web

from admin_panel.templating import render
from admin_panel.typedefs import BUS, viewer_of
from core.clock import utcnow
from core.i18n import gettext
from core.routing import PRESENCE_STATUS_TOPIC, Presence, roster, seen, set_status, status_of

CHOICES = tuple(Presence)


async def _switch(request: web.Request, *, status: int = 200) -> web.Response:
    viewer = viewer_of(request)
    current = await status_of(viewer.user_id, utcnow())
    shown = current.status if current is not None else Presence.OFFLINE
    return render(request, "_presence_switch.html", {
        "shown": shown.value, "choices": [choice.value for choice in CHOICES],
    }, status=status)


async def heartbeat(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    before = await seen(viewer.user_id, utcnow())
    if before == Presence.OFFLINE:  # back: routing may have something for them
        await request.app[BUS].publish(PRESENCE_STATUS_TOPIC, {"user_id": viewer.user_id})
    return await _switch(request)


async def choose(request: web.Request) -> web.Response:
    form = await request.post()
    chosen = form.get("status")
    if chosen not in {choice.value for choice in CHOICES}:
        return web.Response(status=400, text=gettext("There is no such status."))
    viewer = viewer_of(request)
    await set_status(viewer.user_id, Presence(str(chosen)), utcnow())
    await request.app[BUS].publish(PRESENCE_STATUS_TOPIC, {"user_id": viewer.user_id})
    return await _switch(request)


async def colleagues(request: web.Request) -> web.Response:
    """Who is available, away or offline now (the owners' people page shows it)."""
    return render(request, "_presence_roster.html", {"roster": await roster(utcnow())})
