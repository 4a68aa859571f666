"""What the bot could not answer, and customers who may be one person."""

from __future__ import annotations

from aiohttp import web

from admin_panel.typedefs import FLOW_CONFIGURATION
from admin_panel.views.owner_common import (
    notice_later,
    number_field,
    render_owner,
    see_other,
    take_notice,
)
from core import owner_config, owner_desk, owner_settings
from core.i18n import gettext
from core.owner_desk import OwnerError

# Entries pre-suggested for a wording the owner may teach the FAQ.
CANDIDATES_SUGGESTED = 3


async def unanswered(request: web.Request) -> web.Response:
    """What the bot could not answer, and FAQ answers a person had to take over from; each
    wording can be taught to an entry in one click (owner_settings.add_alternative)."""
    groups = await owner_desk.unanswered_questions()
    corrected = await owner_desk.corrected_answers()
    flows = request.app[FLOW_CONFIGURATION]
    wordings = {group.question for group in groups} | {answer.question for answer in corrected}
    return render_owner(request, "owner/unanswered.html", {
        "section": "unanswered",
        "groups": groups,
        "corrected": corrected,
        "entries": {item.id: item.question for item in (await owner_config.load_stored()).faq},
        "candidates": {wording: flows.faq_candidates(wording, CANDIDATES_SUGGESTED)
                       for wording in wordings},
        # What the bot would answer now, once taught: the list itself is history.
        "answered_now": {wording: answer for wording in wordings
                         if (answer := flows.faq_answer_now(wording)) is not None},
        "version": await owner_settings.version(),
        "notice": await take_notice(request),
    })


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
