"""Issue 16: leaving a line's news and coming back, as pure functions: the choice is kept
and confirmed at once, in any state, and the customer is told how to undo it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.actions import OPT_IN_PAYLOAD, OPT_OUT_PAYLOAD, Reply, SetOptOut, Turn
from core.events import ConversationStatus, MessageKind, Platform
from flows import FlowConfig, decide
from flows.opt_out import is_opt_out_word

NOW = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)


def pressed(payload: str, status: str = "open") -> Turn:
    return Turn(message_kind=MessageKind.BUTTON, text="11", button_payload=payload,
                is_group_chat=False, conversation_status=ConversationStatus(status), now=NOW,
                channel=Platform.SMS)


@pytest.mark.parametrize("status", ["open", "pending", "resolved"])
def test_issue_16_leaving_is_kept_and_confirmed_with_how_to_come_back(status):
    result = decide({"step": "menu"}, pressed(OPT_OUT_PAYLOAD, status), FlowConfig())
    choice, reply = result.actions
    assert choice == SetOptOut(opted_out=True)
    assert isinstance(reply, Reply) and "۱۲" in reply.text


def test_issue_16_coming_back_is_kept_and_confirmed_in_the_customers_language():
    result = decide({"lang": "en"}, pressed(OPT_IN_PAYLOAD), FlowConfig())
    choice, reply = result.actions
    assert choice == SetOptOut(opted_out=False)
    assert "send 11" in reply.text


def test_issue_16_in_a_survey_leaving_is_still_leaving():
    result = decide({"survey": {"step": "score"}}, pressed(OPT_OUT_PAYLOAD), FlowConfig())
    assert result.actions[0] == SetOptOut(opted_out=True)


def written(text: str, *, status: str = "open", channel: Platform = Platform.BALE) -> Turn:
    return Turn(message_kind=MessageKind.TEXT, text=text, button_payload=None,
                is_group_chat=False, conversation_status=ConversationStatus(status), now=NOW,
                channel=channel)


@pytest.mark.parametrize("text", ["لغو", " STOP ", "Unsubscribe", "لغـــو", "لَغو"])
@pytest.mark.parametrize("channel", list(Platform))
def test_issue_16_the_words_opt_out_on_every_channel(text, channel):
    assert is_opt_out_word(text)
    result = decide({}, written(text, channel=channel), FlowConfig())
    assert SetOptOut(opted_out=True) in result.actions


@pytest.mark.parametrize("text", ["لغو سفارش", "stop it please", "start", "/start", "11", ""])
def test_issue_16_other_messages_are_not_an_opt_out(text):
    assert not is_opt_out_word(text)
    result = decide({}, written(text), FlowConfig())
    assert not any(isinstance(action, SetOptOut) for action in result.actions)


@pytest.mark.parametrize("status", ["open", "pending"])
def test_issue_16_a_word_is_recorded_and_confirmed_even_with_an_agent(status):
    result = decide({}, written("لغو", status=status), FlowConfig())
    assert SetOptOut(opted_out=True) in result.actions
    [reply] = [a for a in result.actions if isinstance(a, Reply)]
    assert "پاسخ" in reply.text and "۱۲" not in reply.text
