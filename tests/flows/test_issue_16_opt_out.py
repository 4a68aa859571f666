"""Issue 16: «لغو», "stop", "unsubscribe" opt out on any channel, with a confirmation;
«11»/«12» only where the channel's adapter takes them (SMS), so that a menu's "11" on
Telegram stays a menu choice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.actions import Reply, SetOptOut, Turn
from core.events import ConversationStatus, MessageKind, Platform
from flows import FlowConfig, decide
from flows.opt_out import opt_out_choice

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def turn(text: str, *, numeric: bool = False, status: str = "open") -> Turn:
    return Turn(message_kind=MessageKind.TEXT, text=text, button_payload=None,
                is_group_chat=False, conversation_status=ConversationStatus(status), now=NOW,
                channel=Platform.BALE, numeric_opt_out=numeric)


@pytest.mark.parametrize("text", ["لغو", " STOP ", "Unsubscribe", "لغـــو", "لَغو"])
def test_the_words_opt_out_on_every_channel(text):
    assert opt_out_choice(text, numeric=False) is True
    assert opt_out_choice(text, numeric=True) is True


@pytest.mark.parametrize("text", ["لغو سفارش", "stop it please", "start", "/start", "", None])
def test_other_messages_are_not_an_opt_out(text):
    assert opt_out_choice(text, numeric=True) is None


def test_eleven_and_twelve_only_where_the_channel_takes_them():
    for eleven in ("11", "۱۱", "١١"):
        assert opt_out_choice(eleven, numeric=True) is True
        assert opt_out_choice(eleven, numeric=False) is None
    assert opt_out_choice("۱۲", numeric=True) is False
    assert opt_out_choice("12", numeric=False) is None


@pytest.mark.parametrize("status", ["open", "pending"])
def test_the_flow_records_it_and_confirms_even_with_an_agent(status):
    result = decide({}, turn("لغو", status=status), FlowConfig())
    assert SetOptOut(opted_out=True) in result.actions
    [reply] = [a for a in result.actions if isinstance(a, Reply)]
    assert "پاسخ" in reply.text and "۱۲" not in reply.text


def test_by_sms_the_confirmation_says_how_to_come_back():
    result = decide({}, turn("11", numeric=True), FlowConfig())
    assert SetOptOut(opted_out=True) in result.actions
    assert "۱۲" in next(a.text for a in result.actions if isinstance(a, Reply))
    back = decide({}, turn("12", numeric=True), FlowConfig())
    assert SetOptOut(opted_out=False) in back.actions
