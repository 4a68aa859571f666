"""Where a customer's free text goes: to a person, the order lookup, a ticket, small talk, or
the FAQ — decided once, by one pure function, for the bot and for `make eval` alike.

Intents come before the FAQ, so that a request for a person, an order number or a "thank you"
never gets FAQ choices; an order or ticket asked for in words only (no number) is taken when
the FAQ has no confident answer, since "سفارشم کی میرسه؟" is usually the owner's question.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.config import FlowConfig
from flows.faq import FaqDecision
from flows.intents import (
    asks_about_an_order,
    asks_for_a_person,
    says_phrase_or_command,
    small_talk,
    sounds_angry,
    tracked_order_number,
)

ANSWER = "answer"  # a confident FAQ answer
CHOICES = "choices"  # FAQ entries offered as buttons
NONE = "none"  # nothing to say to it
ORDER = "order"  # the order lookup (with the number when the message gave one)
HANDOFF = "handoff"  # a person
TICKET = "ticket"  # a problem to report
SMALLTALK = "smalltalk"  # greeting, thanks, bye…: answered briefly
INTENTS = frozenset({ORDER, HANDOFF, TICKET, SMALLTALK})


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    kind: str
    faq: FaqDecision | None = None  # set when the FAQ was asked (answer, choices, none…)
    order_id: str | None = None  # ORDER: the number the message gave
    small_talk: str | None = None  # SMALLTALK: which (flows.intents GREETING, THANKS, …)
    upset: bool = False  # HANDOFF: because the customer is angry


def route(text: str, config: FlowConfig) -> Route:
    """The route of a customer's typed message under the owner's configuration."""
    chatting = small_talk(text)  # first: "ربات هستی یا آدم واقعی؟" asks, it does not request
    if chatting is not None:
        return Route(kind=SMALLTALK, small_talk=chatting)
    if asks_for_a_person(text, config.handoff_phrases):
        return Route(kind=HANDOFF)
    if sounds_angry(text):
        return Route(kind=HANDOFF, upset=True)
    order_id = tracked_order_number(text) if config.order_tracking else None
    if order_id is not None:
        return Route(kind=ORDER, order_id=order_id)
    decision = config.faq_index.decide(text)
    if decision.answer is not None:
        return Route(kind=ANSWER, faq=decision)
    if config.order_tracking and asks_about_an_order(text, config.order_phrases):
        return Route(kind=ORDER, faq=decision)
    if says_phrase_or_command(text, config.ticket_phrases):
        return Route(kind=TICKET, faq=decision)
    if decision.choices:
        return Route(kind=CHOICES, faq=decision)
    return Route(kind=NONE, faq=decision)
