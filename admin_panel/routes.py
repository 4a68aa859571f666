"""The panel's named routes; every name starts with "panel." (see security.py)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from admin_panel.views import (
    auth,
    badges,
    conversation,
    customer,
    inbox,
    live,
    media,
    notifications,
    presence,
    profile,
    pwa,
)

STATIC = Path(__file__).resolve().parent / "static"


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/", inbox.inbox, name="panel.inbox")
    router.add_get("/inbox/rows", inbox.inbox_rows, name="panel.inbox_rows")
    router.add_post("/login", auth.login, name="panel.login")
    router.add_post("/logout", auth.logout, name="panel.logout")
    router.add_post("/language", auth.language, name="panel.language")
    router.add_get("/events", live.events, name="panel.events")
    router.add_get("/profile", profile.show, name="panel.profile")
    router.add_post("/profile", profile.save, name="panel.profile_save")
    router.add_post("/me/status", presence.choose, name="panel.my_status")
    router.add_post("/me/heartbeat", presence.heartbeat, name="panel.my_heartbeat")
    router.add_get("/presence", presence.colleagues, name="panel.colleagues")
    router.add_get("/me/notifications", notifications.page, name="panel.my_notifications")
    router.add_post("/me/notifications", notifications.save, name="panel.my_notifications_save")
    router.add_post("/me/messenger/code", notifications.messenger_code,
                    name="panel.my_messenger_code")
    router.add_post("/me/messenger/unlink", notifications.messenger_unlink,
                    name="panel.my_messenger_unlink")
    router.add_post("/me/devices", notifications.add_device, name="panel.my_device_add")
    router.add_post("/me/devices/remove", notifications.remove_device,
                    name="panel.my_device_remove")
    # Not "panel.": public like the stylesheets, and the worker must be at the root.
    router.add_get("/manifest.webmanifest", pwa.manifest, name="pwa.manifest")
    router.add_get("/sw.js", pwa.service_worker, name="pwa.service_worker")
    conversation_path = "/conversations/{conversation_id}"
    router.add_get(conversation_path, conversation.page, name="panel.conversation")
    router.add_get(f"{conversation_path}/live", conversation.live, name="panel.conversation_live")
    for action in ("reply", "note", "assign", "resolve", "reopen", "snooze", "add_label",
                   "remove_label", "presence", "send_template", "parts", "reply_file"):
        router.add_post(f"{conversation_path}/{action}", getattr(conversation, action),
                        name=f"panel.{action}")
    router.add_get("/media/{message_id}", media.media, name="panel.media")
    customer_path = "/customers/{customer_id}"
    router.add_get(customer_path, customer.page, name="panel.customer")
    router.add_post(f"{customer_path}/merge", customer.merge, name="panel.merge")
    router.add_post(f"{customer_path}/attributes", customer.attribute,
                    name="panel.customer_attribute")
    router.add_post(f"{customer_path}/tickets/{{number}}", customer.ticket_status,
                    name="panel.ticket_status")
    router.add_static("/static/", STATIC, name="panel.static", append_version=True)
    router.add_get("/platforms.css", badges.stylesheet, name="panel.badges")
    router.add_get("/favicon.ico", favicon, name="panel.favicon")


async def favicon(request: web.Request) -> web.FileResponse:
    """For what asks /favicon.ico without reading the page's <link rel="icon">."""
    return web.FileResponse(STATIC / "favicon.svg", headers={
        "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"})
