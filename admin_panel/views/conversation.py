"""One conversation: the customer's timeline, the reply box, notes and the actions."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from aiohttp import web

from admin_panel.templating import render
from admin_panel.typedefs import DESK, FLOW_CONFIGURATION, viewer_of
from admin_panel.views.media import INLINE_IMAGES, INLINE_SOUNDS, INLINE_VIDEOS
from core.clock import utcnow
from core.desk import PRESENCE_EXPIRES_SECONDS, ConversationNotFound, DeskError
from core.desk.timeline import ConversationDetail
from core.formats import DEFAULT_TZ, format_jalali_numeric, parse_jalali_date
from core.i18n import gettext, gettext_noop
from core.ids import NotAnId, id_or_none, parse_id
from core.models import ConversationStatus
from core.text import strip_invisible, to_latin_digits

ERROR_HEADER = "X-Pasokh-Error"  # panel.js keeps a form's text when the action was refused
BAD_SNOOZE_TIME = gettext_noop(
    "Write the date as year/month/day in the Persian calendar (e.g. 1405/1/20) and the time"
    " as hours:minutes."
)
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def _conversation_id(request: web.Request) -> int:
    conversation_id = id_or_none(request.match_info["conversation_id"])
    if conversation_id is None:
        raise _not_found(request)
    return conversation_id


def _not_found(request: web.Request) -> web.HTTPNotFound:
    body = render(request, "not_found.html", {}, status=404)
    return web.HTTPNotFound(text=body.text, content_type="text/html")


async def _live_context(request: web.Request, conversation_id: int) -> dict:
    desk = request.app[DESK]
    try:
        detail = await desk.conversation(viewer_of(request), conversation_id)
    except ConversationNotFound:
        raise _not_found(request) from None
    return {"conversation": detail, "error": "", "inline_images": INLINE_IMAGES,
            "inline_sounds": INLINE_SOUNDS, "inline_videos": INLINE_VIDEOS}


def _last_customer_text(detail: ConversationDetail) -> str:
    for entry in reversed(detail.timeline):
        if entry.conversation_id == detail.id and entry.author == "customer":
            return entry.text if entry.kind == "text" else ""
    return ""


async def _page_context(request: web.Request, conversation_id: int) -> dict:
    desk = request.app[DESK]
    context = await _live_context(request, conversation_id)
    agents = await desk.agents()
    detail: ConversationDetail = context["conversation"]
    canned = desk.filled(await desk.canned_replies(), customer=detail.customer_name,
                         agent=viewer_of(request).display_name)
    # Waiting for a person: answers to start from, for the customer's last message.
    waiting = detail.status == ConversationStatus.PENDING
    context.update(teams=await desk.teams(), agents=agents,
                   agent_names={str(agent.id): agent.name for agent in agents},
                   canned_replies=canned,
                   suggestions=request.app[FLOW_CONFIGURATION].suggest(
                       _last_customer_text(detail),
                       [(choice.shortcut, choice.text) for choice in canned],
                   ) if waiting else (),
                   templates=await desk.templates(),
                   text_line=await desk.text_line(viewer_of(request), detail.id),
                   preview=await desk.parts_preview(viewer_of(request), detail.id, ""),
                   presence_expires_seconds=PRESENCE_EXPIRES_SECONDS,
                   # The snooze form's example: tomorrow, never a day gone by.
                   snooze_example=format_jalali_numeric(utcnow() + timedelta(days=1)))
    return context


async def page(request: web.Request) -> web.Response:
    context = await _page_context(request, _conversation_id(request))
    return render(request, "conversation.html", context)


async def live(request: web.Request) -> web.Response:
    """The part of the page that changes by itself (timeline, status), for htmx."""
    context = await _live_context(request, _conversation_id(request))
    return render(request, "_conversation_live.html", context)


async def _after_action(request: web.Request, conversation_id: int,
                        error: str = "") -> web.Response:
    """htmx gets the refreshed live part; a plain form post goes back to the page."""
    if not request.headers.get("HX-Request"):
        if error:
            context = await _page_context(request, conversation_id)
            context["error"] = error
            return render(request, "conversation.html", context, status=422)
        raise web.HTTPSeeOther(
            request.app.router["panel.conversation"].url_for(conversation_id=str(conversation_id))
        )
    context = await _live_context(request, conversation_id)
    context["error"] = error
    response = render(request, "_conversation_live.html", context)
    if error:
        response.headers[ERROR_HEADER] = "1"
    return response


async def _act(request: web.Request, action) -> web.Response:
    conversation_id = _conversation_id(request)
    form = await request.post()
    try:
        await action(conversation_id, form)
    except ConversationNotFound:
        raise _not_found(request) from None
    except DeskError as refused:
        return await _after_action(request, conversation_id, gettext(str(refused)))
    return await _after_action(request, conversation_id)


def _text(form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _optional_id(form, name: str) -> int | None:
    """The id chosen in a form's list; None for "nobody"/"no team", 400 for no id of ours."""
    try:
        return parse_id(_text(form, name))
    except NotAnId:
        raise web.HTTPBadRequest(text=gettext("That person or team does not exist.")) from None


def snooze_until(date_text: str, time_text: str) -> datetime:
    """A Jalali date ("۱۴۰۵/۱/۲۰") and a wall-clock time in Tehran, as an aware datetime."""
    day = parse_jalali_date(date_text)
    match = _TIME.fullmatch(to_latin_digits(strip_invisible(time_text)).strip() or "09:00")
    if match is None:
        raise ValueError(f"expected a time like 09:30, got {time_text!r}")
    return datetime.combine(day, time(int(match[1]), int(match[2])),
                            tzinfo=ZoneInfo(DEFAULT_TZ))


async def reply(request: web.Request) -> web.Response:
    """A reply on the conversation's channel, or by text to the customer's phone when the
    agent ticked that box."""
    desk, viewer = request.app[DESK], viewer_of(request)

    async def send(conversation_id: int, form) -> int:
        if _text(form, "by_text") == "1":
            return await desk.reply_by_text(viewer, conversation_id, _text(form, "text"))
        return await desk.reply(viewer, conversation_id, _text(form, "text"))

    return await _act(request, send)


async def reply_file(request: web.Request) -> web.Response:
    """A picture or a file the agent attached, on a channel that gives files to its
    customers (the desk checks the channel's types and size)."""
    desk, viewer = request.app[DESK], viewer_of(request)

    async def send(conversation_id: int, form) -> int:
        attached = form.get("file")
        if attached is None or isinstance(attached, str) or not attached.filename:
            raise DeskError(gettext_noop("Choose a file first."))
        # Browsers escape a name's quotes as %22, aiohttp's client every non-ASCII byte.
        return await desk.reply_file(viewer, conversation_id, attached.file.read(),
                                     attached.content_type, unquote(attached.filename))

    return await _act(request, send)


async def parts(request: web.Request) -> web.Response:
    """How many text-message parts the reply being written takes, and their cost."""
    conversation_id = _conversation_id(request)
    form = await request.post()
    try:
        preview = await request.app[DESK].parts_preview(viewer_of(request), conversation_id,
                                                        _text(form, "text"))
    except ConversationNotFound:
        raise _not_found(request) from None
    return render(request, "_parts_counter.html", {"preview": preview})


async def note(request: web.Request) -> web.Response:
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, lambda cid, form: desk.add_note(viewer, cid, _text(form, "text")))


async def send_template(request: web.Request) -> web.Response:
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, lambda cid, form: desk.send_template(
        viewer, cid, name=_text(form, "name"), language=_text(form, "language"),
        parameters=[value for value in form.getall("parameter", []) if isinstance(value, str)]))


async def add_label(request: web.Request) -> web.Response:
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, lambda cid, form: desk.add_label(viewer, cid, _text(form, "label")))


async def remove_label(request: web.Request) -> web.Response:
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request,
                      lambda cid, form: desk.remove_label(viewer, cid, _text(form, "label")))


async def presence(request: web.Request) -> web.Response:
    """The page says "I am here" (or "I am typing"); the others hear it over /events."""
    conversation_id = _conversation_id(request)
    form = await request.post()
    try:
        await request.app[DESK].presence(viewer_of(request), conversation_id,
                                         typing=_text(form, "typing") == "1")
    except ConversationNotFound:
        raise _not_found(request) from None
    return web.Response(status=204)


async def assign(request: web.Request) -> web.Response:
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, lambda cid, form: desk.assign(
        viewer, cid, assignee_id=_optional_id(form, "assignee"),
        team_id=_optional_id(form, "team")))


async def resolve(request: web.Request) -> web.Response:
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, lambda cid, form: desk.resolve(viewer, cid))


async def reopen(request: web.Request) -> web.Response:
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, lambda cid, form: desk.reopen(viewer, cid))


async def snooze(request: web.Request) -> web.Response:
    desk, viewer = request.app[DESK], viewer_of(request)

    async def act(conversation_id: int, form) -> None:
        try:
            until = snooze_until(_text(form, "date"), _text(form, "time"))
        except ValueError:
            raise DeskError(BAD_SNOOZE_TIME) from None
        await desk.snooze(viewer, conversation_id, until)

    return await _act(request, act)

