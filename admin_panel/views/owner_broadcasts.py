"""Broadcasts on the owners' pages: write a text, choose the audience (labels, channels,
last contact), preview it per channel with the count each carries, who is left out and
why and what the texts cost; send it, and watch its progress and results live.
core/broadcasts.py does the work; this page shows and forwards."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin_panel.labels import label
from admin_panel.owner_labels import BROADCAST_SKIPS
from admin_panel.typedefs import DESK, FOLLOWUPS, viewer_of
from admin_panel.views.owner_common import (
    not_found,
    notice_later,
    render_owner,
    see_other,
    take_notice,
    text_field,
)
from core import broadcasts
from core.broadcasts import Audience, BroadcastRefused, BroadcastTemplate
from core.clock import utcnow
from core.i18n import gettext, gettext_noop
from core.ids import id_or_none
from core.text import to_latin_digits

MAX_DAYS = 3650


def _audience(form: Any) -> Audience:
    """The audience the form chose; BroadcastRefused when it is not one."""
    labels = tuple(dict.fromkeys(
        part.strip() for part in text_field(form, "labels", 2000).replace("،", ",").split(",")
        if part.strip()))
    if len(labels) > broadcasts.MAX_LABELS or any(len(name) > 64 for name in labels):
        raise BroadcastRefused(gettext_noop("Name at most 20 labels, each up to 64 "
                                            "characters."))
    chosen = [id_or_none(value) for value in form.getall("channel", []) if isinstance(value, str)]
    days_text = to_latin_digits(text_field(form, "days", 10)).strip()
    days = None
    if days_text:
        if not days_text.isdigit() or not 0 < int(days_text) <= MAX_DAYS:
            raise BroadcastRefused(gettext_noop("The days since the last contact are a number "
                                                "from 1 to 3650, or empty for any time."))
        days = int(days_text)
    return Audience(labels=labels, channel_ids=tuple(c for c in chosen[:50] if c is not None),
                    contacted_within_days=days)


def _template(form: Any) -> BroadcastTemplate | None:
    """The template the form chose for customers past a platform's window (the value is
    "name|language" of one the settings list; empty for none); core checks the rest."""
    chosen = text_field(form, "template", 600)
    if not chosen:
        return None
    name, _, language = chosen.partition("|")
    parameters = tuple(line.strip() for line in
                       text_field(form, "template_parameters", 20_000).splitlines()
                       if line.strip())
    return BroadcastTemplate(name=name, language=language,
                             category=text_field(form, "category", 16),
                             parameters=parameters)


async def _page(request: web.Request, *, form: dict[str, Any] | None = None,
                planned: broadcasts.Plan | None = None, error: str = "",
                status: int = 200) -> web.Response:
    return render_owner(request, "owner/broadcasts.html", {
        "section": "broadcasts",
        "channels": await broadcasts.channels(),
        "form": form or {"text": "", "labels": "", "channels": [], "days": "",
                         "template": "", "category": "utility", "template_parameters": ""},
        "templates": await broadcasts.templates(),
        "planned": planned,
        "skip_names": {code: label(BROADCAST_SKIPS, code) for code in BROADCAST_SKIPS},
        "recent": await broadcasts.recent(),
        "error": error,
        "notice": await take_notice(request),
    }, status=status)


async def page(request: web.Request) -> web.Response:
    return await _page(request)


async def _posted(request: web.Request
                  ) -> tuple[dict[str, Any], Audience, str, BroadcastTemplate | None]:
    posted = await request.post()
    form = {"text": text_field(posted, "text", broadcasts.MAX_TEXT + 1),
            "labels": text_field(posted, "labels", 2000),
            "channels": [v for v in posted.getall("channel", []) if isinstance(v, str)],
            "days": text_field(posted, "days", 10),
            "template": text_field(posted, "template", 600),
            "category": text_field(posted, "category", 16) or "utility",
            "template_parameters": text_field(posted, "template_parameters", 20_000)}
    return form, _audience(posted), form["text"], _template(posted)


async def preview(request: web.Request) -> web.Response:
    form: dict[str, Any] = {}
    try:
        form, audience, text, template = await _posted(request)
        planned = await broadcasts.preview(audience, text, utcnow(),
                                           request.app[FOLLOWUPS].rules_of,
                                           request.app[DESK].part_billing, template)
    except BroadcastRefused as refused:
        return await _page(request, form=form or None, error=gettext(str(refused)), status=400)
    return await _page(request, form=form, planned=planned)


async def send(request: web.Request) -> web.Response:
    form: dict[str, Any] = {}
    try:
        form, audience, text, template = await _posted(request)
        broadcast_id = await broadcasts.start(
            audience, text, utcnow(), request.app[FOLLOWUPS].rules_of,
            request.app[DESK].part_billing, user_id=viewer_of(request).user_id,
            template=template)
    except BroadcastRefused as refused:
        return await _page(request, form=form or None, error=gettext(str(refused)), status=400)
    request.app[FOLLOWUPS].wake()  # the worker writes it to the outbox at once
    await notice_later(request, gettext("The broadcast is on its way; replies still go first."))
    raise see_other(request, "panel.owner.broadcast", broadcast_id=str(broadcast_id))


async def detail(request: web.Request) -> web.Response:
    broadcast_id = id_or_none(request.match_info["broadcast_id"])
    progress = await broadcasts.progress(broadcast_id) if broadcast_id is not None else None
    if progress is None:
        raise not_found(request)
    names = {channel_id: name for channel_id, name, _ in await broadcasts.channels()}
    return render_owner(request, "owner/broadcast.html", {
        "section": "broadcasts",
        "progress": progress,
        "channel_names": [names.get(c, str(c)) for c in progress.audience.channel_ids],
        "skip_names": {code: label(BROADCAST_SKIPS, code) for code in BROADCAST_SKIPS},
        "notice": await take_notice(request),
    })
