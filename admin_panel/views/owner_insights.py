"""What the bot could not answer, and customers who may be one person."""

from __future__ import annotations

from aiohttp import web

from admin_panel.views.owner_common import (
    notice_later,
    number_field,
    render_owner,
    see_other,
    take_notice,
)
from core import owner_desk
from core.i18n import gettext
from core.owner_desk import OwnerError


async def unanswered(request: web.Request) -> web.Response:
    groups = await owner_desk.unanswered_questions()
    return render_owner(request, "owner/unanswered.html",
                        {"section": "unanswered", "groups": groups})


async def _merge_page(request: web.Request, *, error: str = "",
                      status: int = 200) -> web.Response:
    return render_owner(request, "owner/merge.html", {
        "section": "merge",
        "candidates": await owner_desk.merge_candidates(),
        "error": error,
        "notice": await take_notice(request),
    }, status=status)


async def merge_page(request: web.Request) -> web.Response:
    return await _merge_page(request)


async def merge(request: web.Request) -> web.Response:
    form = await request.post()
    keep, gone = number_field(form, "keep"), number_field(form, "merge")
    try:
        if keep is None or gone is None:
            raise OwnerError("Those two customers cannot be merged.")
        await owner_desk.merge(keep, gone)
    except OwnerError as refused:
        return await _merge_page(request, error=gettext(str(refused)), status=400)
    await notice_later(request, gettext("The customers are merged."))
    raise see_other(request, "panel.owner.merge")
