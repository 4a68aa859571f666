"""Order tracking: ask for the number, ask core to look it up, tell the customer what it found.

The lookup itself (HTTP or CSV) runs in core/order_lookup.py; its outcome comes back as the
system event "order_status" with {"order_id", "outcome": found | unknown | failed, "status",
"updated_at" (ISO 8601), "tracking_code"}.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.actions import FlowResult, LookupOrder, Reply, Turn
from core.events import Button
from flows.config import ORDER
from flows.intents import order_number, order_number_in
from flows.routing import ANSWER, Route
from flows.talk import IN_MENU, Talk

ASKING = "order_number"
LOOKING = "order_lookup"
TRIES_BEFORE_OFFERING_A_PERSON = 2


def ask(state: dict[str, Any], talk: Talk) -> FlowResult:
    _ = talk._
    return FlowResult(state={**state, "step": ASKING, "order_tries": 0}, actions=(Reply(
        text=_("Please send your order number (for example #12345). You can find it in the "
               "confirmation message of your purchase."),
        buttons=(talk.main_menu_button(), talk.person_button())),))


def look_up(state: dict[str, Any], order_id: str, talk: Talk) -> FlowResult:
    _ = talk._
    state = {key: value for key, value in state.items() if key != "order_tries"}
    return FlowResult(state={**state, "step": LOOKING}, actions=(
        Reply(text=_("One moment, I am checking order {order}…").format(
            order=talk.identifier(order_id))),
        LookupOrder(order_id=order_id),
    ))


def number_given(state: dict[str, Any], turn: Turn, talk: Talk,
                 route: Route | None) -> FlowResult | None:
    """The customer's answer to "which order?" (the number alone or in a sentence: "اینه
    ۴۵۶۷۸"); None when it was a question the FAQ answers."""
    order_id = order_number(turn.text) or order_number_in(turn.text)
    if order_id is not None:
        return look_up(state, order_id, talk)
    if route is not None and route.kind == ANSWER:
        return None  # "free text is tried against the FAQ first, at any point"
    _ = talk._
    tries = state.get("order_tries", 0) + 1
    text = _("That does not look like an order number. Please send only the number, for "
             "example #12345.")
    if tries >= TRIES_BEFORE_OFFERING_A_PERSON:
        text += "\n" + _("If you cannot find it, a person from our team can help you.")
    return FlowResult(state={**state, "order_tries": tries}, actions=(Reply(
        text=text, buttons=(talk.person_button(), talk.main_menu_button())),))


def found(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult:
    _ = talk._
    event = turn.event
    order_id = str(event.get("order_id", ""))
    state = {**state, "step": IN_MENU} if state.get("step") == LOOKING else state
    outcome = event.get("outcome")
    if outcome == "found":
        status = str(event.get("status") or "")
        lines = [_("Order {order}: {status}").format(
            order=talk.identifier(order_id),
            status=talk.config.order_status_names.get(status, status) or _("no status yet"))]
        updated = _moment(event.get("updated_at"))
        if updated is not None:
            lines.append(_("Last update: {moment}").format(moment=talk.moment(updated)))
        if event.get("tracking_code"):
            lines.append(_("Tracking code: {code}").format(code=event["tracking_code"]))
        return FlowResult(state=state, actions=(Reply(
            text="\n".join(lines), buttons=(talk.main_menu_button(), talk.person_button())),))
    if outcome == "unknown":
        text = _("I could not find an order with the number {order}. Please check the number "
                 "and send it again, or talk to a person from our team.").format(
                     order=talk.identifier(order_id))
        buttons = (Button(title=_("Try another number"), payload=ORDER), talk.person_button(),
                   talk.main_menu_button())
    else:
        text = _("I cannot reach our order system right now. Please try again in a few "
                 "minutes, or talk to a person from our team.")
        buttons = (talk.person_button(), talk.main_menu_button())
    return FlowResult(state=state, actions=(Reply(text=text, buttons=buttons),))


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None
