"""The support flow as a pure function: no database, no network, no clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.actions import Handoff, Reply, ReplyOutcome, Turn
from core.events import ConversationStatus, MessageKind, Platform
from flows import FlowConfig, decide
from flows.config import HANDOFF, MAIN_MENU, MenuEntry
from flows.faq import FaqEntry

FAQ = (
    FaqEntry(id="return", question="چطور کالا را مرجوع کنم؟",
             alternatives=("شرایط مرجوعی چیست؟",), answer="تا ۷ روز پس از تحویل."),
    FaqEntry(id="hours", question="ساعت کاری فروشگاه چیست؟", answer="هر روز از ۹ تا ۱۸."),
)
MENU = (
    MenuEntry(title="سفارش‌ها", submenu=(
        MenuEntry(title="مرجوعی", faq="return"),
        MenuEntry(title="آدرس", reply="تهران، خیابان آزادی"),
    )),
    MenuEntry(title="گفتگو با پشتیبان", action=HANDOFF),
)
SHOP = FlowConfig(menu=MENU, faq=FAQ)
DEFAULT = FlowConfig()
IN_MENU = {"step": "menu", "lang": "fa", "unanswered": 0}


NOW = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # a Monday, 11:30 in Tehran


def turn(text=None, *, button=None, kind="text", status="open", group=False, **extra):
    return Turn(message_kind=MessageKind(kind), text=text, button_payload=button,
                is_group_chat=group, conversation_status=ConversationStatus(status),
                now=extra.pop("now", NOW), channel=Platform.TELEGRAM, **extra)


def only_reply(result) -> Reply:
    (reply,) = result.actions
    assert isinstance(reply, Reply)
    return reply


def test_first_message_gets_a_persian_welcome_with_the_menu():
    result = decide({}, turn("سلام"), DEFAULT)
    reply = only_reply(result)
    assert "خوش آمدید" in reply.text
    assert [(b.title, b.payload) for b in reply.buttons] == [
        ("گفتگو با پشتیبان", "m:0"), ("English", "lang:en")]
    assert result.state == {**IN_MENU, "offered": ["m:0", "lang:en"]}


def test_a_conversation_in_english_is_answered_in_english():
    reply = only_reply(decide({"lang": "en"}, turn("/start"), DEFAULT))
    assert reply.text.startswith("Hello!")
    assert reply.buttons[0].title == "Talk to a person"


def test_an_unsupported_language_falls_back_to_persian():
    assert "خوش آمدید" in only_reply(decide({"lang": "it"}, turn("ciao"), DEFAULT)).text


@pytest.mark.parametrize("payload", ["m:0", HANDOFF])
def test_the_person_button_hands_over(payload):
    result = decide(IN_MENU, turn(button=payload, kind="button"), DEFAULT)
    reply, handoff = result.actions
    assert "همکاران" in reply.text and isinstance(handoff, Handoff)
    assert result.state["step"] == "with_agent"


def test_asking_for_an_operator_in_words_hands_over_however_it_is_spelled():
    for text in ("اپراتور", "اپراتور لطفا", "مي‌خواهم با يک انسان صحبت کنم", "OPERATOR"):
        result = decide(IN_MENU, turn(text), DEFAULT)
        assert any(isinstance(a, Handoff) for a in result.actions), text


def test_the_bot_stays_quiet_while_a_person_has_the_conversation():
    state = {"step": "with_agent", "lang": "fa"}
    result = decide(state, turn("کسی هست؟", status="pending"), DEFAULT)
    assert result.actions == ()
    assert result.state == state


def test_a_submenu_has_back_and_main_menu():
    reply = only_reply(decide(IN_MENU, turn(button="m:0", kind="button"), SHOP))
    assert [(b.title, b.payload) for b in reply.buttons] == [
        ("مرجوعی", "m:0.0"), ("آدرس", "m:0.1"), ("بازگشت", MAIN_MENU), ("منوی اصلی", MAIN_MENU)]


def test_menu_items_answer_with_a_reply_or_an_faq():
    assert only_reply(decide(IN_MENU, turn(button="m:0.0", kind="button"), SHOP)).text == (
        "تا ۷ روز پس از تحویل.")
    assert only_reply(decide(IN_MENU, turn(button="m:0.1", kind="button"), SHOP)).text == (
        "تهران، خیابان آزادی")


def test_a_button_from_a_menu_that_no_longer_exists_shows_the_current_one():
    for payload in ("m:7", "m:0.9", "m:x", "faq:gone", "something-old"):
        reply = only_reply(decide(IN_MENU, turn(button=payload, kind="button"), SHOP))
        assert "تغییر کرده" in reply.text, payload


def test_a_known_question_is_answered_from_the_faq():
    reply = only_reply(decide(IN_MENU, turn("چطوری کالا رو مرجوع کنم؟"), SHOP))
    assert reply.text == "تا ۷ روز پس از تحویل."


def test_two_unknown_questions_in_a_row_bring_a_person():
    first = decide(IN_MENU, turn("قیمت دلار امروز چنده؟"), SHOP)
    assert "نمی‌دانم" in only_reply(first).text
    second = decide(first.state, turn("بلیط هواپیما دارید؟"), SHOP)
    assert any(isinstance(a, Handoff) for a in second.actions)


def test_issue_13_the_bot_marks_the_reply_it_could_not_give():
    gave_up = only_reply(decide(IN_MENU, turn("قیمت دلار امروز چنده؟"), SHOP))
    assert gave_up.outcome is ReplyOutcome.COULD_NOT_ANSWER
    answered = only_reply(decide(IN_MENU, turn("چطوری کالا رو مرجوع کنم؟"), SHOP))
    assert answered.outcome is None


def test_an_answer_resets_the_count_of_unknown_questions():
    first = decide(IN_MENU, turn("قیمت دلار امروز چنده؟"), SHOP)
    answered = decide(first.state, turn("ساعت کاری فروشگاه چیست؟"), SHOP)
    assert answered.state["unanswered"] == 0


def test_a_photo_after_the_welcome_is_kept_without_chatter():
    assert decide(IN_MENU, turn(None, kind="photo"), SHOP).actions == ()


def test_start_command_shows_the_menu_again():
    reply = only_reply(decide(IN_MENU, turn("/start"), SHOP))
    assert [b.payload for b in reply.buttons] == ["m:0", "m:1"]


def test_groups_are_recorded_not_chatted_at():
    assert decide({}, turn("سلام", group=True), DEFAULT).actions == ()


@pytest.mark.parametrize("hostile", ["{name} %s <b>x</b> {0}", "*bold* _x_ [a](b)", "x" * 10_000,
                                     "😀😀😀", "   "])
def test_odd_text_is_never_formatted_and_never_crashes(hostile):
    for action in decide(IN_MENU, turn(hostile), SHOP).actions:
        if isinstance(action, Reply):
            assert hostile.strip() == "" or hostile not in action.text


def test_the_flow_does_not_change_the_state_it_was_given():
    state = dict(IN_MENU)
    decide(state, turn(button=HANDOFF, kind="button"), DEFAULT)
    assert state == IN_MENU


def test_a_first_message_that_is_a_question_gets_the_answer_not_a_greeting():
    result = decide({}, turn("چطور کالا را مرجوع کنم؟"), SHOP)
    assert only_reply(result).text == "تا ۷ روز پس از تحویل."
    assert result.state["step"] == "menu"


def test_a_first_hello_gets_the_greeting():
    assert "خوش آمدید" in only_reply(decide({}, turn("سلام"), SHOP)).text
