"""The welcome flow as a pure function: no database, no network, no clock."""

from __future__ import annotations

from core.actions import Handoff, Reply, Turn
from flows import FlowConfig, decide
from flows.config import HANDOFF

CONFIG = FlowConfig()


def turn(text=None, *, button=None, kind="text", status="open", group=False):
    return Turn(message_kind=kind, text=text, button_payload=button, is_group_chat=group,
                conversation_status=status)


def test_first_message_gets_a_persian_welcome_with_the_menu():
    result = decide({}, turn("سلام"), CONFIG)
    (reply,) = result.actions
    assert isinstance(reply, Reply)
    assert "خوش آمدید" in reply.text
    assert [b.payload for b in reply.buttons] == [HANDOFF]
    assert reply.buttons[0].title == "گفتگو با پشتیبان"
    assert result.state == {"step": "menu", "lang": "fa"}


def test_a_conversation_in_english_is_answered_in_english():
    (reply,) = decide({"lang": "en"}, turn("/start"), CONFIG).actions
    assert reply.text.startswith("Hello!")
    assert reply.buttons[0].title == "Talk to a person"


def test_an_unsupported_language_falls_back_to_persian():
    (reply,) = decide({"lang": "it"}, turn("ciao"), CONFIG).actions
    assert "خوش آمدید" in reply.text


def test_menu_button_hands_over_to_a_person():
    result = decide({"step": "menu", "lang": "fa"}, turn(button=HANDOFF, kind="button"), CONFIG)
    reply, handoff = result.actions
    assert isinstance(reply, Reply) and "همکاران" in reply.text
    assert isinstance(handoff, Handoff)
    assert result.state["step"] == "with_agent"


def test_asking_for_an_operator_in_words_hands_over_however_it_is_spelled():
    for text in ("اپراتور", "اپراتور لطفا", "مي‌خواهم با يک انسان صحبت کنم", "OPERATOR"):
        result = decide({"step": "menu", "lang": "fa"}, turn(text), CONFIG)
        assert any(isinstance(a, Handoff) for a in result.actions), text


def test_the_bot_stays_quiet_while_a_person_has_the_conversation():
    state = {"step": "with_agent", "lang": "fa"}
    result = decide(state, turn("کسی هست؟", status="pending"), CONFIG)
    assert result.actions == ()
    assert result.state == state


def test_unclear_text_gets_the_menu_again():
    (reply,) = decide({"step": "menu", "lang": "fa"}, turn("قیمت چنده"), CONFIG).actions
    assert "متوجه نشدم" in reply.text
    assert reply.buttons


def test_a_photo_after_the_welcome_is_kept_without_chatter():
    result = decide({"step": "menu", "lang": "fa"}, turn(None, kind="photo"), CONFIG)
    assert result.actions == ()


def test_a_button_from_an_old_menu_shows_the_current_one():
    (reply,) = decide({"step": "menu", "lang": "fa"}, turn(button="gone", kind="button"),
                      CONFIG).actions
    assert "تغییر کرده" in reply.text


def test_start_command_shows_the_menu_again():
    (reply,) = decide({"step": "menu", "lang": "fa"}, turn("/start"), CONFIG).actions
    assert "خوش آمدید" in reply.text


def test_groups_are_recorded_not_chatted_at():
    assert decide({}, turn("سلام", group=True), CONFIG).actions == ()


def test_customer_text_is_never_formatted_into_a_reply():
    hostile = "{name} %s <b>x</b> {0}"
    for action in decide({"step": "menu", "lang": "fa"}, turn(hostile), CONFIG).actions:
        assert hostile not in action.text


def test_the_flow_does_not_change_the_state_it_was_given():
    state = {"step": "menu", "lang": "fa"}
    decide(state, turn(button=HANDOFF, kind="button"), CONFIG)
    assert state == {"step": "menu", "lang": "fa"}
