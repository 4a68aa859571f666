"""What a flow may ask for, and what it is given. `core.conversations` carries actions out.

Flows have no clock and do no I/O, so everything they need arrives in the `Turn` (the time,
the queue length, a lookup's outcome), and everything that touches the world leaves as an
action. Work that takes time (an order lookup) or produces a value only the database knows (a
ticket number) comes back to the flow later as a system event of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.events import Button, ConversationStatus, MediaRef, MessageKind, Platform


class ReplyOutcome(StrEnum):
    """What a reply was, kept on the bot's message for the owners' pages."""

    COULD_NOT_ANSWER = "could_not_answer"  # the bot did not know: "what it could not answer"


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqMatchFact:
    """Why the bot gave an FAQ answer, as it was when it decided: agents and owners read it
    later, when the FAQ may have changed, so it is kept on the bot's message, not recomputed.

    `confidence` (0..1) is how likely answering was right; `phrase` is the owner's phrasing
    the customer's message came closest to; `words` are the customer's words found in the
    entry; `question` is the entry's question at that time.
    """

    entry_id: str
    question: str = ""
    confidence: float = 0.0
    phrase: str = ""
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    outcome: ReplyOutcome | None = None
    faq_match: FaqMatchFact | None = None  # set when the text is an FAQ entry's answer


@dataclass(frozen=True, slots=True, kw_only=True)
class Handoff:
    """Move the conversation to the agents' queue; the bot stays quiet until resolved."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupOrder:
    """Ask the shop about an order; the outcome arrives as the system event "order_status"."""

    order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenTicket:
    """Open a ticket; its number arrives as the system event "ticket_opened"."""

    description: str
    media: tuple[MediaRef, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveSurvey:
    """Record the satisfaction answer: the score first, the comment when it comes."""

    score: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetLanguage:
    """The customer chose a language; it is kept for all their conversations."""

    language: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetOptOut:
    """The customer opted out of proactive messages on this channel (or back in)."""

    opted_out: bool


Action = Reply | Handoff | LookupOrder | OpenTicket | SaveSurvey | SetLanguage | SetOptOut


class SystemEvent(StrEnum):
    """Kinds of `Turn.system_event`: things that happened, not messages the customer wrote."""

    RESOLVED = "resolved"  # an agent resolved the conversation: {"by": user id}
    TICKET_STATUS = "ticket_status"  # {"number": n, "status": s}
    TICKET_OPENED = "ticket_opened"  # {"number": n}
    ORDER_STATUS = "order_status"  # {"order_id", "outcome", "status", "updated_at", …}


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """One thing that happened in a conversation, as a flow sees it: no ids, no platform objects.

    `now` is the engine's clock (timezone-aware). `waiting_ahead` is the number of
    conversations already in the agents' queue, for the "a person will answer in about …"
    estimate. `customer_language` is the language the customer chose earlier, if any.
    """

    message_kind: MessageKind
    text: str | None
    button_payload: str | None
    is_group_chat: bool
    conversation_status: ConversationStatus
    now: datetime
    channel: Platform
    media: MediaRef | None = None
    system_event: SystemEvent | None = None
    event: Mapping[str, Any] = field(default_factory=dict)
    customer_language: str | None = None
    team: str | None = None
    waiting_ahead: int = 0
    numeric_opt_out: bool = False  # the channel takes «11»/«12» as opting out and back in


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowResult:
    state: dict[str, Any]
    actions: tuple[Action, ...] = ()
