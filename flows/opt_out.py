"""Leaving proactive messages and coming back: the customer pressed the channel's own
"leave" or "come back" (by text, Iran's «۱۱» and «۱۲», which the adapter turns into these
buttons). The choice is kept per channel and confirmed at once, in any conversation state:
a person handling the conversation does not hold the confirmation back."""

from __future__ import annotations

from typing import Any

from core.actions import OPT_IN_PAYLOAD, OPT_OUT_PAYLOAD, FlowResult, Reply, SetOptOut, Turn
from flows.talk import Talk

LEAVE, COME_BACK = "11", "12"  # what the confirmation tells the customer to send


def answer(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult | None:
    """The confirmation and the choice to keep, when the customer pressed one of them."""
    _ = talk._
    if turn.button_payload == OPT_OUT_PAYLOAD:
        text = _("You will get no more news from us here. We still answer whenever you "
                 "write. To get our news again, send %(code)s.")
        return FlowResult(state=state, actions=(
            SetOptOut(opted_out=True),
            Reply(text=text % {"code": talk.identifier(COME_BACK)})))
    if turn.button_payload == OPT_IN_PAYLOAD:
        text = _("You will get our news here again. To stop them, send %(code)s.")
        return FlowResult(state=state, actions=(
            SetOptOut(opted_out=False),
            Reply(text=text % {"code": talk.identifier(LEAVE)})))
    return None
