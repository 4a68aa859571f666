""""Try the bot": the owner writes to their own bot as a customer would and reads its
answers, with no platform connected.

When a site channel (web chat) allows a page on Pasokh's own address, the page shows that
channel's real widget in a frame on the panel's address: what the owner writes there is a
visitor's message like any other (it reaches the inbox). Otherwise, the chat below:

Every message goes through the same `decide` the bot answers customers with, on the live
configuration; what would happen beyond the reply (a person taking over, a ticket, an order
looked up at the shop) is done as far as it changes nothing: the order is really looked up,
the rest is said in a note. Nothing is stored: each owner's chat lives in this process's
memory (the last few dozen owners, the last lines of each) until they start again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

from admin_panel.templating import render
from admin_panel.typedefs import (
    CHANNEL_SETUP,
    FLOW_CONFIGURATION,
    PLATFORMS,
    SETTINGS,
    TRY_CHATS,
    viewer_of,
)
from admin_panel.views.owner_common import not_found, render_owner, text_field
from core.actions import (
    FlowResult,
    Handoff,
    LookupOrder,
    OpenTicket,
    Reply,
    SaveSurvey,
    SystemEvent,
    Turn,
)
from core.channel_setup import Preview, own_address
from core.clock import utcnow
from core.events import Button, ConversationStatus, MessageKind, Platform
from core.i18n import gettext
from core.ids import id_or_none

MAX_CHATS = 64
MAX_LINES = 80
MAX_TEXT = 1000


@dataclass(frozen=True, slots=True)
class Line:
    author: str  # customer | bot | note
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class TryChat:
    state: dict[str, Any] = field(default_factory=dict)
    status: ConversationStatus = ConversationStatus.OPEN
    lines: tuple[Line, ...] = ()

    def said(self, *lines: Line) -> TryChat:
        return replace(self, lines=(*self.lines, *lines)[-MAX_LINES:])


def chats(app: web.Application) -> OrderedDict[int, TryChat]:
    return app[TRY_CHATS]


def _chat_of(request: web.Request) -> TryChat:
    return chats(request.app).get(viewer_of(request).user_id) or TryChat()


def _keep(request: web.Request, chat: TryChat) -> None:
    kept = chats(request.app)
    kept[viewer_of(request).user_id] = chat
    kept.move_to_end(viewer_of(request).user_id)
    while len(kept) > MAX_CHATS:
        kept.popitem(last=False)


def _platform(request: web.Request) -> Platform:
    """The chat is answered as on the first platform Pasokh has (until web chat exists,
    whose widget this page will preview)."""
    return Platform(next(iter(request.app[PLATFORMS])))


# The frame's page runs the widget, which styles its shadow root with a <style> element and
# shows the pictures it read with fetch() as blob: addresses; it is the panel's own page
# otherwise, and only the panel's pages may frame it.
WIDGET_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


def _address(request: web.Request) -> str:
    return own_address(request.app[SETTINGS].public_url, request.scheme, request.host)


def _previews(request: web.Request) -> list[Preview]:
    return list(request.app[CHANNEL_SETUP].previews(_address(request)))


async def page(request: web.Request) -> web.Response:
    return _render(request, _chat_of(request))


def _render(request: web.Request, chat: TryChat) -> web.Response:
    if request.headers.get("HX-Request"):
        return render_owner(request, "owner/_try_chat.html", _chat_context(chat))
    previews = _previews(request)
    return render_owner(request, "owner/try.html", {
        **_chat_context(chat), "preview": previews[0] if previews else None,
        "address": _address(request)})


def _chat_context(chat: TryChat) -> dict[str, Any]:
    return {"section": "try", "chat": chat,
            "handed_over": chat.status != ConversationStatus.OPEN}


async def widget(request: web.Request) -> web.Response:
    """The page in the frame: the channel's widget on Pasokh's own address, opened."""
    wanted = id_or_none(request.query.get("channel", ""))
    preview = next((p for p in _previews(request) if p.channel_id == wanted), None)
    if preview is None:
        raise not_found(request)
    response = render(request, "owner/try_widget.html", {"preview": preview})
    response.headers["Content-Security-Policy"] = WIDGET_PAGE_POLICY
    return response


async def send(request: web.Request) -> web.Response:
    form = await request.post()
    if form.get("restart"):
        chats(request.app).pop(viewer_of(request).user_id, None)
        return _render(request, TryChat())
    chat = _chat_of(request)
    payload = text_field(form, "button", 256) or None
    text = None if payload else text_field(form, "text", MAX_TEXT).strip()
    if not payload and not text:
        return _render(request, chat)
    shown = text_field(form, "title", 256) if payload else text
    chat = chat.said(Line("customer", shown or ""))
    result = _decide(request, chat, text=text, payload=payload)
    chat = await _apply(request, replace(chat, state=result.state), result)
    _keep(request, chat)
    return _render(request, chat)


def _decide(request: web.Request, chat: TryChat, *, text: str | None = None,
            payload: str | None = None, system_event: SystemEvent | None = None,
            event: dict[str, Any] | None = None) -> FlowResult:
    turn = Turn(message_kind=MessageKind.BUTTON if payload else MessageKind.TEXT,
                text=text, button_payload=payload, is_group_chat=False,
                conversation_status=chat.status, now=utcnow(), channel=_platform(request),
                system_event=system_event, event=event or {})
    return request.app[FLOW_CONFIGURATION].decide(chat.state, turn)


async def _apply(request: web.Request, chat: TryChat, result: FlowResult) -> TryChat:
    for action in result.actions:
        match action:
            case Reply():
                chat = chat.said(Line("bot", action.text, action.buttons))
            case Handoff():
                chat = replace(chat, status=ConversationStatus.PENDING).said(Line("note", gettext(
                    "Here a person takes over: the conversation goes to the agents' queue "
                    "and the bot stays quiet.")))
            case OpenTicket():
                chat = chat.said(Line("note", gettext(
                    "Here a ticket is opened (not in this preview).")))
            case SaveSurvey():
                chat = chat.said(Line("note", gettext("Here the score is kept.")))
            case LookupOrder():
                outcome = await request.app[FLOW_CONFIGURATION].look_up_order(action.order_id)
                found = _decide(request, chat, system_event=SystemEvent.ORDER_STATUS,
                                event={**outcome, "order_id": action.order_id})
                chat = await _apply(request, replace(chat, state=found.state), found)
    return chat
