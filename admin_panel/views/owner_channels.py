"""Channels: the list, a form for each way of adding one (as each platform's adapter
describes it), and a connection test. The platform calls are the runtime's, reached
through CHANNEL_SETUP."""

from __future__ import annotations

from aiohttp import web

from admin_panel.typedefs import CHANNEL_SETUP, SETTINGS
from admin_panel.views.owner_common import (
    not_found,
    number_field,
    render_owner,
    take_notice,
    text_field,
)
from core import owner_desk
from core.channel_setup import OfferedForm, SetupRefused, own_address
from core.i18n import gettext
from core.owner_desk import OwnerError


def _intro(offered: OfferedForm) -> str:
    if offered.form.intro is None:
        return ""
    return str(offered.form.intro) % {"url": offered.webhook_url or "PASOKH_PUBLIC_URL"}


async def _page(request: web.Request, *, error: str = "", detail: str = "", success: str = "",
                answer: str = "", status: int = 200) -> web.Response:
    setup = request.app[CHANNEL_SETUP]
    return render_owner(request, "owner/channels.html", {
        "section": "channels",
        "channels": await owner_desk.channels(),
        "forms": [(offered, _intro(offered)) for offered in setup.forms()],
        "testable": setup.testable(),
        "snippets": setup.snippets(),
        "secrets": setup.secrets(),
        "previewed": {preview.channel_id for preview in setup.previews(own_address(
            request.app[SETTINGS].public_url, request.scheme, request.host))},
        "error": error,
        "detail": detail,
        "success": success,
        "answer": answer,
        "notice": await take_notice(request),
    }, status=status)


async def page(request: web.Request) -> web.Response:
    return await _page(request)


async def add(request: web.Request) -> web.Response:
    setup = request.app[CHANNEL_SETUP]
    slug = request.match_info["form"]
    offered = next((item for item in setup.forms() if item.form.slug == slug), None)
    if offered is None:
        raise not_found(request)
    form = await request.post()
    values = {field.name: text_field(form, field.name, field.max_chars)
              for field in offered.form.fields}
    try:
        connected = await setup.add(slug, text_field(form, "platform", 20), values)
    except SetupRefused as refused:
        return await _page(request, error=gettext(str(refused)), detail=refused.detail,
                           status=400)
    return await _page(request, success=gettext(connected.notice) % {"name": connected.name},
                       answer=connected.answer)


async def rotate_secret(request: web.Request) -> web.Response:
    """A new secret for a site channel; the old one stops working."""
    form = await request.post()
    channel_id = number_field(form, "channel")
    try:
        if channel_id is None:
            raise OwnerError("No such channel.")
        await request.app[CHANNEL_SETUP].rotate_secret(channel_id)
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    return await _page(request, success=gettext(
        "The channel has a new secret: give it to your site's server. The old one no longer "
        "works; visitors start a new conversation in the widget (the earlier ones stay in the "
        "inbox)."))


async def test_connection(request: web.Request) -> web.Response:
    form = await request.post()
    channel_id = number_field(form, "channel")
    try:
        if channel_id is None:
            raise OwnerError("No such channel.")
        answer = await request.app[CHANNEL_SETUP].check(channel_id)
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    except SetupRefused as refused:
        return await _page(request, error=gettext(str(refused)), detail=refused.detail,
                           status=502)
    return await _page(request, success=gettext("The connection works."), answer=answer)
