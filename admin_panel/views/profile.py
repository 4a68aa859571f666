"""The agent's own profile: the display name colleagues see (and customers, when the owner
wishes), with the avatar it makes (initials by default)."""

from __future__ import annotations

from aiohttp import web

from admin_panel.templating import render
from admin_panel.typedefs import viewer_of
from admin_panel.views.owner_common import text_field
from core import owner_desk
from core.i18n import gettext
from core.owner_desk import MAX_DISPLAY_NAME, OwnerError


async def _page(request: web.Request, *, error: str = "", saved: bool = False,
               status: int = 200) -> web.Response:
    return render(request, "profile.html", {
        "error": error, "saved": saved, "max_name_chars": MAX_DISPLAY_NAME,
    }, status=status)


async def save(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        await owner_desk.rename(viewer_of(request).user_id,
                                text_field(form, "display_name", MAX_DISPLAY_NAME * 4))
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    raise web.HTTPSeeOther(request.app.router["panel.profile"].url_for()
                           .with_query({"saved": "1"}))


async def show(request: web.Request) -> web.Response:
    return await _page(request, saved=request.query.get("saved") == "1")
