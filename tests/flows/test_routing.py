"""Issue 15: one routing function decides where free text goes, for the bot and for
`make eval`; intents come before the FAQ and never get FAQ choices."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.actions import Handoff, LookupOrder, Reply, Turn
from core.events import ConversationStatus, MessageKind, Platform
from flows import FlowConfig, decide
from flows.faq import FaqEntry
from flows.intents import GREETING, THANKS
from flows.routing import ANSWER, CHOICES, HANDOFF, NONE, ORDER, SMALLTALK, TICKET, route

NOW = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
FAQ = (
    FaqEntry(id="track", question="چطور سفارشم را پیگیری کنم؟",
             alternatives=("کد رهگیری سفارش",), answer="از صفحه سفارش‌های من."),
    FaqEntry(id="ship", question="ارسال چند روز طول می‌کشد؟", answer="دو تا سه روز کاری."),
    FaqEntry(id="thanks-gift", question="هدیه تشکر از خرید دارید؟", answer="بله، یک نمونه."),
)
SHOP = FlowConfig(faq=FAQ, order_tracking=True)
IN_MENU = {"step": "menu", "lang": "fa", "unanswered": 0}


def turn(text):
    return Turn(message_kind=MessageKind.TEXT, text=text, button_payload=None,
                is_group_chat=False, conversation_status=ConversationStatus.OPEN, now=NOW,
                channel=Platform.TELEGRAM)


def texts(result) -> str:
    return "\n".join(a.text for a in result.actions if isinstance(a, Reply))


def faq_buttons(result) -> list[str]:
    return [b.payload for a in result.actions if isinstance(a, Reply) for b in a.buttons
            if b.payload.startswith("faq:")]


@pytest.mark.parametrize(("text", "kind"), [
    ("ارسال چند روز طول میکشه؟", ANSWER),
    ("سلام", SMALLTALK),
    ("تشکر", SMALLTALK),
    ("با یه آدم واقعی وصلم کنید", HANDOFF),
    ("سفارش ۷۷۸۸۹ کجاست", ORDER),
    ("سفارشم هنوز نرسیده", ORDER),
    ("یه مشکل دارم", TICKET),
    ("قیمت لپ تاپ چنده", NONE),
])
def test_issue_15_each_kind_of_message_has_its_route(text, kind):
    assert route(text, SHOP).kind == kind


def test_issue_15_small_talk_never_reaches_the_faq():
    # "تشکر" is a word of the gift entry, yet a thank-you is not a question about it.
    thanks = route("تشکر", SHOP)
    assert (thanks.kind, thanks.small_talk, thanks.faq) == (SMALLTALK, THANKS, None)
    assert route("سلام!", SHOP).small_talk == GREETING


def test_issue_15_a_greeting_that_opens_the_conversation_gets_the_welcome_menu():
    result = decide({}, turn("سلام"), SHOP)
    assert "خوش آمدید" in texts(result)


@pytest.mark.parametrize(("text", "says"), [
    ("مرسی", "خواهش می‌کنم"), ("خداحافظ", "خدانگهدار"), ("سلام خوبید؟", "خوبم"),
])
def test_issue_15_small_talk_later_gets_a_short_natural_answer(text, says):
    result = decide(IN_MENU, turn(text), SHOP)
    assert says in texts(result)
    assert not faq_buttons(result)
    assert result.state["unanswered"] == 0  # not counted as a question the bot missed


def test_issue_15_an_order_number_beside_a_tracking_word_goes_straight_to_the_lookup():
    # The FAQ has a tracking entry; a message with a number is about this order.
    result = decide(IN_MENU, turn("پیگیری سفارش ۴۵۶۷۸ رو میخواستم"), SHOP)
    assert [a.order_id for a in result.actions if isinstance(a, LookupOrder)] == ["45678"]
    assert not faq_buttons(result)


def test_issue_15_order_status_without_a_number_asks_for_it_then_reads_it_in_a_sentence():
    asked = decide(IN_MENU, turn("سفارشم هنوز نرسیده"), SHOP)
    assert asked.state["step"] == "order_number"
    assert not faq_buttons(asked)
    looked = decide(asked.state, turn("شمارش ۹۸۷۶۵ هست"), SHOP)
    assert [a.order_id for a in looked.actions if isinstance(a, LookupOrder)] == ["98765"]


@pytest.mark.parametrize("text", ["میخوام با یکی حرف بزنم", "اپراتور", "zang bezanid lotfan"])
def test_issue_15_a_request_for_a_person_hands_off_without_faq_choices(text):
    result = decide(IN_MENU, turn(text), SHOP)
    assert any(isinstance(a, Handoff) for a in result.actions)
    assert not faq_buttons(result)


def test_without_order_tracking_a_number_is_an_faq_question():
    shop = FlowConfig(faq=FAQ, order_tracking=False)
    assert route("پیگیری سفارش ۴۵۶۷۸", shop).kind in (ANSWER, CHOICES)


def test_issue_15_are_you_a_bot_is_answered_with_a_way_to_a_person():
    result = decide(IN_MENU, turn("شما رباتید یا آدم واقعی؟"), SHOP)
    assert "دستیار خودکار" in texts(result)
    assert not any(isinstance(a, Handoff) for a in result.actions)
    assert "handoff" in [b.payload for a in result.actions if isinstance(a, Reply)
                         for b in a.buttons]
