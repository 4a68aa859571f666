"""The agent's own notification choices: what to be told, and whether on this device's
home-screen app too (Web Push, subscribed by the browser and kept in core/notifications/)."""

from __future__ import annotations

import orjson
from aiohttp import web

from admin_panel.templating import render
from admin_panel.typedefs import viewer_of
from core.clock import utcnow
from core.i18n import gettext
from core.notifications import Choices, choices_of, save_choices
from core.notifications.messenger import LINK_CODE_MINUTES, link_state, new_link_code, unlink
from core.notifications.webpush import (
    BadSubscription,
    checked_subscription,
    subscribe,
    subscriptions_of,
    unsubscribe,
    vapid_keys,
)

MAX_SUBSCRIPTION_BYTES = 4096


async def _page(request: web.Request, *, notice: str = "", link_code: str = "",
                status: int = 200) -> web.Response:
    viewer = viewer_of(request)
    _, public_key = await vapid_keys()
    return render(request, "notifications.html", {
        "choices": await choices_of(viewer.user_id),
        "devices": len(await subscriptions_of(viewer.user_id)),
        "vapid_public_key": public_key,
        "notice": notice,
        "messenger": await link_state(viewer.user_id),
        "link_code": link_code,
        "link_minutes": LINK_CODE_MINUTES,
    }, status=status)


async def messenger_code(request: web.Request) -> web.Response:
    """A one-time code to send the shop's bot; shown in this answer only."""
    code = await new_link_code(viewer_of(request).user_id, utcnow())
    response = await _page(request, link_code=code)
    response.headers["Cache-Control"] = "no-store"
    return response


async def messenger_unlink(request: web.Request) -> web.Response:
    await unlink(viewer_of(request).user_id)
    return await _page(request, notice=gettext("Your messenger account is unlinked."))


async def page(request: web.Request) -> web.Response:
    return await _page(request)


async def save(request: web.Request) -> web.Response:
    form = await request.post()
    chosen = {name: form.get(name) == "1" for name in Choices.__struct_fields__}
    await save_choices(viewer_of(request).user_id, Choices(**chosen))
    return await _page(request, notice=gettext("Your choices are saved."))


async def _subscription_body(request: web.Request) -> object:
    declared = request.content_length
    if declared is not None and declared > MAX_SUBSCRIPTION_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_SUBSCRIPTION_BYTES,
                                            actual_size=declared)
    body = await request.read()  # (an undeclared length is bounded by client_max_size)
    if len(body) > MAX_SUBSCRIPTION_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_SUBSCRIPTION_BYTES,
                                            actual_size=len(body))
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise web.HTTPBadRequest(text=gettext("This device could not be registered.")) from None


async def add_device(request: web.Request) -> web.Response:
    """The browser's PushSubscription as JSON (notifications.html's script sends it)."""
    try:
        subscription = checked_subscription(await _subscription_body(request))
    except BadSubscription:
        raise web.HTTPBadRequest(text=gettext("This device could not be registered.")) from None
    await subscribe(viewer_of(request).user_id, subscription, utcnow())
    return web.json_response({"ok": True}, status=201)


async def remove_device(request: web.Request) -> web.Response:
    data = await _subscription_body(request)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        raise web.HTTPBadRequest(text=gettext("This device could not be registered."))
    await unsubscribe(viewer_of(request).user_id, endpoint)
    return web.json_response({"ok": True})
