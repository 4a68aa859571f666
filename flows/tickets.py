"""Tickets: "I have a problem" → a description (a photo if the customer wants) → a ticket.

Core allocates the ticket's number and sends it back as the system event "ticket_opened";
when an agent changes the ticket's status, "ticket_status" tells the customer.
"""

from __future__ import annotations

from typing import Any

from core.actions import FlowResult, OpenTicket, Reply, Turn
from core.events import MediaRef, TicketStatus
from flows.talk import IN_MENU, Talk

DESCRIBING = "ticket"
MAX_DESCRIPTION = 4000
MAX_PHOTOS = 5


def ask(state: dict[str, Any], talk: Talk) -> FlowResult:
    _ = talk._
    return FlowResult(state={**state, "step": DESCRIBING, "ticket_media": []}, actions=(Reply(
        text=_("I am sorry you have a problem. Please describe it in one message; if a photo "
               "helps, you can send one too."),
        buttons=(talk.main_menu_button(),)),))


def described(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult:
    _ = talk._
    media = list(state.get("ticket_media", []))
    if turn.media is not None and len(media) < MAX_PHOTOS:
        media.append(_media_json(turn.media))
    description = (turn.text or "").strip()
    if not description:
        text = (_("Thank you, I have the photo. Now please write a few words about the "
                  "problem.") if turn.media is not None
                else _("Please describe the problem in words, so that our team can help."))
        return FlowResult(state={**state, "ticket_media": media}, actions=(Reply(
            text=text, buttons=(talk.main_menu_button(),)),))
    state = {key: value for key, value in state.items() if key != "ticket_media"}
    return FlowResult(state={**state, "step": IN_MENU, "unanswered": 0}, actions=(OpenTicket(
        description=description[:MAX_DESCRIPTION],
        media=tuple(MediaRef(**item) for item in media)),))


def opened(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult:
    _ = talk._
    return FlowResult(state=state, actions=(Reply(
        text=_("Your problem is registered as ticket {number}. Our team will look into it, and "
               "I will tell you here when its status changes.").format(
                   number=talk.identifier(str(turn.event.get("number", "")))),
        buttons=(talk.main_menu_button(),)),))


def status_changed(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult:
    _ = talk._
    names = {
        TicketStatus.OPEN: _("open"),
        TicketStatus.IN_PROGRESS: _("being worked on"),
        TicketStatus.SOLVED: _("solved"),
        TicketStatus.CLOSED: _("closed"),
    }
    status = str(turn.event.get("status", ""))
    return FlowResult(state=state, actions=(Reply(
        text=_("Ticket {number} is now {status}.").format(
            number=talk.identifier(str(turn.event.get("number", ""))),
            status=names.get(status, status)),),))


def _media_json(media: MediaRef) -> dict[str, Any]:
    return {"file_id": media.file_id, "mime_type": media.mime_type,
            "file_name": media.file_name, "size": media.size}
