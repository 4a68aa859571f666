"""Channels: the list, a Telegram bot added by its token, WhatsApp and Instagram
credentials with a connection test. The platform calls are bots/channel_setup.py's."""

from __future__ import annotations

from aiohttp import web

from admin_panel.views.owner_common import number_field, render_owner, take_notice, text_field
from bots import channel_setup
from bots.channel_setup import SetupRefused
from bots.typedefs import RUNTIME
from core import owner_desk
from core.events import Platform
from core.i18n import gettext
from core.owner_desk import OwnerError

META_PLATFORMS = (Platform.WHATSAPP, Platform.INSTAGRAM)


async def _page(request: web.Request, *, error: str = "", detail: str = "", success: str = "",
                answer: str = "", status: int = 200) -> web.Response:
    settings = request.app[RUNTIME].settings
    return render_owner(request, "owner/channels.html", {
        "section": "channels",
        "channels": await owner_desk.channels(),
        "meta_platforms": [p.value for p in META_PLATFORMS],
        "public_url": settings.public_url,
        "error": error,
        "detail": detail,
        "success": success,
        "answer": answer,
        "notice": await take_notice(request),
    }, status=status)


async def page(request: web.Request) -> web.Response:
    return await _page(request)


async def add_telegram(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        connected = await channel_setup.add_telegram_bot(request.app[RUNTIME],
                                                         text_field(form, "token", 200))
    except SetupRefused as refused:
        return await _page(request, error=gettext(str(refused)), detail=refused.detail,
                           status=400)
    return await _page(request, success=gettext(
        "The bot %(name)s is connected and answers from now on.") % {"name": connected.name},
        answer=connected.answer)


async def add_meta(request: web.Request) -> web.Response:
    form = await request.post()
    platform = text_field(form, "platform", 20)
    if platform not in {p.value for p in META_PLATFORMS}:
        return await _page(request, error=gettext("Choose WhatsApp or Instagram."), status=400)
    try:
        await channel_setup.add_meta_channel(
            request.app[RUNTIME], Platform(platform), key=text_field(form, "key", 64),
            token=text_field(form, "token", 1000), name=text_field(form, "name", 128))
    except SetupRefused as refused:
        return await _page(request, error=gettext(str(refused)), detail=refused.detail,
                           status=400)
    return await _page(request, success=gettext(
        "The channel is saved and answers from now on. Test its connection below."))


async def test_connection(request: web.Request) -> web.Response:
    form = await request.post()
    channel_id = number_field(form, "channel")
    try:
        if channel_id is None:
            raise OwnerError("No such channel.")
        answer = await channel_setup.check_meta_channel(request.app[RUNTIME], channel_id)
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    except SetupRefused as refused:
        return await _page(request, error=gettext(str(refused)), detail=refused.detail,
                           status=502)
    return await _page(request, success=gettext("The connection works."), answer=answer)
