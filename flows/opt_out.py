"""Leaving proactive messages and coming back, on every channel: the whole message «لغو»,
"stop" or "unsubscribe" opts out; where the channel has its own way to leave and come back
(by text, Iran's «۱۱» and «۱۲», which the adapter turns into the buttons OPT_OUT_PAYLOAD and
OPT_IN_PAYLOAD) those buttons do. The choice is kept per channel and confirmed at once, in
any conversation state: a person handling the conversation does not hold it back. Answers
to what the customer writes go on either way."""

from __future__ import annotations

from typing import Any

from core.actions import OPT_IN_PAYLOAD, OPT_OUT_PAYLOAD, FlowResult, Reply, SetOptOut, Turn
from core.text import normalize
from flows.talk import Talk

LEAVE, COME_BACK = "11", "12"  # what the confirmation tells the customer to send
OPT_OUT_WORDS = frozenset(normalize(word) for word in ("لغو", "stop", "unsubscribe"))


def is_opt_out_word(text: str | None) -> bool:
    """Whether the whole message is an opt-out word («لغو سفارش» is not; nor is "start",
    which is Telegram's /start: elsewhere a customer comes back through an agent or the
    API)."""
    return bool(text) and normalize(text or "").strip() in OPT_OUT_WORDS


def answer(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult | None:
    """The choice to keep and its confirmation; None when the message is neither."""
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
    if turn.button_payload is None and is_opt_out_word(turn.text):
        return FlowResult(state=state, actions=(
            SetOptOut(opted_out=True),
            Reply(text=_("You will get no more messages from us that you did not ask for on "
                         "this channel. Our answers when you write to us go on."))))
    return None
