"""Opting out of proactive messages: «لغو», "stop", "unsubscribe" (and «11»/«12» where the
channel takes them) change the customer's record for this channel and get a confirmation.
Answers to what the customer writes go on either way."""

from __future__ import annotations

from typing import Any

from core.actions import FlowResult, Reply, SetOptOut, Turn
from core.text import normalize, to_latin_digits, to_persian_digits
from flows.talk import Talk

OPT_OUT_WORDS = frozenset(normalize(word) for word in ("لغو", "stop", "unsubscribe"))
NUMERIC_OPT_OUT, NUMERIC_OPT_IN = "11", "12"


def opt_out_choice(text: str | None, *, numeric: bool) -> bool | None:
    """True when the message opts out of proactive messages, False when it opts back in,
    None when it is neither. Only the whole message counts («لغو سفارش» is not an opt-out);
    «11» and «12» only on channels whose adapter says so. (Elsewhere a customer comes back
    through an agent or the API: a word like "start" is Telegram's /start.)"""
    if not text:
        return None
    word = normalize(to_latin_digits(text)).strip()
    if word in OPT_OUT_WORDS:
        return True
    if numeric and word == NUMERIC_OPT_OUT:
        return True
    if numeric and word == NUMERIC_OPT_IN:
        return False
    return None


def handle(state: dict[str, Any], turn: Turn, talk: Talk) -> FlowResult | None:
    """The opt-out (or back in) with its confirmation; None when the message is neither."""
    choice = opt_out_choice(turn.text, numeric=turn.numeric_opt_out)
    if choice is None:
        return None
    _ = talk._
    if choice:
        text = _("You will get no more messages from us that you did not ask for on this "
                 "channel. Our answers when you write to us go on.")
        if turn.numeric_opt_out:
            text += " " + _("To receive them again, send %(code)s.") % {
                "code": to_persian_digits(NUMERIC_OPT_IN) if talk.language == "fa"
                else NUMERIC_OPT_IN}
    else:
        text = _("You will receive our news and follow-ups on this channel again.")
    return FlowResult(state=state, actions=(SetOptOut(opted_out=choice), Reply(text=text)))
