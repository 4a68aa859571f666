"""Issue 5 as pure functions: numbered replies, keyword rules, hours, handoff, survey, tickets,
order tracking and the customer's language. No database, no network, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.actions import (
    Handoff,
    LookupOrder,
    OpenTicket,
    Reply,
    SaveSurvey,
    SetLanguage,
    StartNextConversation,
    SystemEvent,
    Turn,
)
from core.events import ConversationStatus, MediaRef, MessageKind, Platform
from flows import FlowConfig, decide
from flows.config import HANDOFF, ORDER, TICKET, AutoReplyRule, MenuEntry, Schedule
from flows.faq import FaqEntry
from flows.hours import answer_estimate, is_open, next_opening

# Monday 23 March 2026 = 3 Farvardin 1405. 08:00 UTC is 11:30 in Tehran.
MONDAY_MORNING = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
MONDAY_NIGHT = datetime(2026, 3, 23, 19, 0, tzinfo=UTC)  # 22:30 in Tehran
NINE_TO_FIVE = ((9 * 60, 17 * 60),)
SHOP_HOURS = Schedule(
    week=(NINE_TO_FIVE,) * 6 + ((),),  # Saturday to Thursday; Friday closed
    holidays=frozenset({date(2026, 3, 24)}),  # 4 Farvardin 1405, a Tuesday
    away_message="الان تعطیل هستیم.",
)
FAQ = (FaqEntry(id="return", question="چطور کالا را مرجوع کنم؟", answer="تا ۷ روز پس از تحویل."),)
MENU = (
    MenuEntry(title="پیگیری سفارش", action=ORDER),
    MenuEntry(title="گزارش مشکل", action=TICKET),
    MenuEntry(title="سؤال‌ها", submenu=(MenuEntry(title="مرجوعی", faq="return"),)),
    MenuEntry(title="گفتگو با پشتیبان", action=HANDOFF),
)
RULES = (
    AutoReplyRule(id="price", keywords=("قیمت",), reply="قیمت‌ها روی سایت است."),
    AutoReplyRule(id="hi", keywords=("سلام",), reply="سلام! خوش آمدید.", match="exact",
                  priority=9),
    AutoReplyRule(id="wa", keywords=("قیمت",), reply="فقط واتس‌اپ", channels=frozenset({"whatsapp"}),
                  priority=10),
    AutoReplyRule(id="disc", keywords=("کد تخفیف",), reply="کد: SALE", match="starts_with"),
)
SHOP = FlowConfig(menu=MENU, faq=FAQ, auto_replies=RULES, schedules=(SHOP_HOURS,),
                  order_tracking=True, order_status_names={"shipped": "ارسال شده"})
IN_MENU = {"step": "menu", "lang": "fa", "unanswered": 0}


def turn(text=None, *, button=None, kind="text", status="open", now=MONDAY_MORNING,
         channel="telegram", **extra):
    return Turn(message_kind=MessageKind(kind), text=text, button_payload=button,
                is_group_chat=False, conversation_status=ConversationStatus(status), now=now,
                channel=Platform(channel), **extra)


def system(event, conversation="open", **data):
    return turn(kind="service", status=conversation, system_event=event,
                event={"event": event, **data})


def replies(result) -> list[Reply]:
    return [action for action in result.actions if isinstance(action, Reply)]


def texts(result) -> str:
    return "\n".join(reply.text for reply in replies(result))


# --- numbered replies ------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["2", "۲", "٢", "2.", " ۲ ", "2)"])
def test_a_number_picks_the_offered_button_in_any_digits(typed):
    menu = decide(IN_MENU, turn(button="m:2", kind="button"), SHOP)  # the FAQ submenu
    assert menu.state["offered"] == ["m:2.0", "menu", "menu"]
    back = decide(menu.state, turn(typed), SHOP)  # 2 = back (to the main menu)
    assert [b.payload for b in replies(back)[0].buttons][:4] == ["m:0", "m:1", "m:2", "m:3"]


def test_a_number_for_the_language_button_switches_the_language():
    greeting = decide({}, turn("سلام"), FlowConfig())
    assert greeting.state["offered"][-1] == "lang:en"
    result = decide(greeting.state, turn("۲"), FlowConfig())
    assert result.state["lang"] == "en" and SetLanguage(language="en") in result.actions


def test_a_number_beyond_the_offered_buttons_is_just_text():
    menu = decide(IN_MENU, turn(button="m:2", kind="button"), SHOP)
    result = decide(menu.state, turn("9"), SHOP)
    assert "نمی‌دانم" in texts(result)


def test_menus_offer_back_and_main_menu_and_replies_without_buttons_forget_the_numbers():
    submenu = replies(decide(IN_MENU, turn(button="m:2", kind="button"), SHOP))[0]
    assert [b.title for b in submenu.buttons][-2:] == ["بازگشت", "منوی اصلی"]
    handed = decide({**IN_MENU, "offered": ["m:0"]}, turn(button=HANDOFF, kind="button"), SHOP)
    assert "offered" not in handed.state


# --- auto-replies ----------------------------------------------------------------------------

def test_a_keyword_rule_answers_before_the_faq_on_whole_normalized_words():
    result = decide(IN_MENU, turn("قيمت اين کالا چنده؟"), SHOP)  # Arabic ي
    assert texts(result) == "قیمت‌ها روی سایت است."
    assert decide(IN_MENU, turn("قیمتی"), SHOP).state.get("auto_replied") is None


def test_rules_respect_match_kind_channel_and_priority():
    assert texts(decide(IN_MENU, turn("قیمت؟", channel="whatsapp"), SHOP)) == "فقط واتس‌اپ"
    assert texts(decide(IN_MENU, turn("سلام"), SHOP)) == "سلام! خوش آمدید."
    assert "خوش آمدید!" not in texts(decide(IN_MENU, turn("سلام قیمت"), SHOP))
    assert texts(decide(IN_MENU, turn("کد تخفیف دارید"), SHOP)) == "کد: SALE"
    assert "SALE" not in texts(decide(IN_MENU, turn("شما کد تخفیف دارید"), SHOP))


def test_a_rule_fires_at_most_once_an_hour_per_conversation():
    first = decide(IN_MENU, turn("قیمت"), SHOP)
    again = decide(first.state, turn("قیمت", now=MONDAY_MORNING + timedelta(minutes=59)), SHOP)
    assert texts(again) != "قیمت‌ها روی سایت است."
    later = decide(first.state, turn("قیمت", now=MONDAY_MORNING + timedelta(minutes=61)), SHOP)
    assert texts(later) == "قیمت‌ها روی سایت است."


def test_the_times_rules_fired_are_forgotten_after_the_hour():
    state = {**IN_MENU, "auto_replied": {"old": (MONDAY_MORNING - timedelta(hours=2)).isoformat()}}
    assert set(decide(state, turn("قیمت"), SHOP).state["auto_replied"]) == {"price"}


# --- business hours and handoff --------------------------------------------------------------

def test_hours_follow_tehran_time_the_saturday_week_and_jalali_holidays():
    assert is_open(SHOP_HOURS, MONDAY_MORNING)
    assert not is_open(SHOP_HOURS, MONDAY_NIGHT)
    assert not is_open(SHOP_HOURS, MONDAY_MORNING + timedelta(days=1))  # the holiday
    friday = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    assert not is_open(SHOP_HOURS, friday)
    # Monday night → Tuesday is a holiday → Wednesday 09:00 Tehran = 05:30 UTC.
    assert next_opening(SHOP_HOURS, MONDAY_NIGHT) == datetime(2026, 3, 25, 5, 30, tzinfo=UTC)


def test_outside_hours_the_away_message_comes_once_with_when_the_team_is_back():
    first = decide({}, turn("سلام", now=MONDAY_NIGHT), SHOP)
    away = replies(first)[0].text
    assert away.startswith("الان تعطیل هستیم.")
    assert "چهارشنبه ۵ فروردین ۱۴۰۵، ساعت ۰۹:۰۰" in away
    second = decide(first.state, turn("چطور کالا را مرجوع کنم؟", now=MONDAY_NIGHT), SHOP)
    assert "تعطیل" not in texts(second)


def test_outside_hours_a_handoff_still_reaches_the_queue_and_says_when():
    result = decide({**IN_MENU, "away_sent": True}, turn("اپراتور", now=MONDAY_NIGHT), SHOP)
    assert any(isinstance(action, Handoff) for action in result.actions)
    assert "۵ فروردین ۱۴۰۵" in texts(result)


def test_in_hours_the_customer_hears_roughly_how_long_from_the_queue():
    result = decide(IN_MENU, turn("اپراتور", waiting_ahead=3), SHOP)
    assert "حدود ۲۰ دقیقه" in texts(result)


def test_an_estimate_past_closing_time_points_at_the_next_opening():
    almost_closed = datetime(2026, 3, 23, 13, 15, tzinfo=UTC)  # 16:45 in Tehran
    estimate = answer_estimate(SHOP_HOURS, almost_closed, waiting_ahead=10)
    assert estimate.minutes is None and estimate.at == datetime(2026, 3, 25, 5, 30, tzinfo=UTC)


def test_away_message_reaches_a_waiting_customer_but_nothing_else_does():
    result = decide({"step": "with_agent", "lang": "fa"},
                    turn("کسی هست؟", status="pending", now=MONDAY_NIGHT), SHOP)
    assert len(replies(result)) == 1 and "تعطیل" in texts(result)
    assert decide(result.state, turn("؟", status="pending", now=MONDAY_NIGHT), SHOP).actions == ()


@pytest.mark.parametrize("angry", ["شما کلاهبردارید", "كلاهبردارا", "WHERE IS MY ORDER!!!",
                                   "dozd hastid", "ازتون شکایت میکنم"])
def test_clear_anger_goes_to_a_person_with_an_apology(angry):
    result = decide(IN_MENU, turn(angry), SHOP)
    assert any(isinstance(action, Handoff) for action in result.actions), angry
    assert "متأسفیم" in texts(result)


@pytest.mark.parametrize("calm", ["سلام!", "مرسی!!", "ارسال دیر شد", "Where is my order?"])
def test_calm_messages_stay_with_the_bot(calm):
    assert not any(isinstance(a, Handoff) for a in decide(IN_MENU, turn(calm), SHOP).actions)


# --- survey ----------------------------------------------------------------------------------

def test_resolve_asks_the_survey_once_even_though_the_conversation_is_resolved():
    asked = decide({"step": "with_agent", "lang": "fa"},
                   system(SystemEvent.RESOLVED, conversation="resolved", by=1), SHOP)
    question = replies(asked)[0]
    assert "از ۱" in question.text and [b.payload for b in question.buttons][0] == "survey:1"
    again = decide(asked.state, system(SystemEvent.RESOLVED, conversation="resolved", by=1), SHOP)
    assert again.actions == ()


@pytest.mark.parametrize(("answer", "score"), [("۵", 5), ("5", 5), ("٣", 3), ("عالی", 5),
                                                ("بد", 2), ("خیلی بد", 1), ("⭐⭐⭐⭐", 4)])
def test_a_score_in_any_digits_or_words_is_saved_then_a_comment_is_asked(answer, score):
    state = {"lang": "fa", "survey_asked": True, "survey": "score"}
    result = decide(state, turn(answer, status="resolved"), SHOP)
    assert result.actions[0] == SaveSurvey(score=score)
    commented = decide(result.state, turn("پاسخ سریع بود", status="resolved"), SHOP)
    assert commented.actions[0] == SaveSurvey(comment="پاسخ سریع بود")
    assert "survey" not in commented.state


def test_a_score_button_and_skipping_the_comment():
    state = {"lang": "fa", "survey_asked": True, "survey": "score"}
    scored = decide(state, turn(button="survey:4", kind="button", status="resolved"), SHOP)
    assert scored.actions[0] == SaveSurvey(score=4)
    skipped = decide(scored.state, turn(button="survey:skip", kind="button", status="resolved"),
                     SHOP)
    assert not any(isinstance(a, SaveSurvey) for a in skipped.actions)
    assert "survey" not in skipped.state


def test_issue_18_what_is_not_a_survey_answer_begins_the_next_conversation():
    state = {"lang": "fa", "survey_asked": True, "survey": "score"}
    moved_on = decide(state, turn("سفارشم کی میرسه؟", status="resolved"), SHOP)
    assert moved_on.actions == (StartNextConversation(),)
    assert "survey" not in moved_on.state  # the survey is not asked again


def test_a_survey_button_pressed_again_after_the_answer_changes_nothing():
    assert decide(IN_MENU, turn(button="survey:3", kind="button"), SHOP).actions == ()


def test_a_customer_who_writes_something_else_is_not_held_up_by_the_survey():
    state = {"lang": "fa", "survey_asked": True, "survey": "score"}
    result = decide(state, turn("چطور کالا را مرجوع کنم؟"), SHOP)
    assert texts(result) == "تا ۷ روز پس از تحویل."
    assert "survey" not in result.state


def test_a_disabled_survey_is_not_asked():
    from flows.config import SurveySettings

    quiet = FlowConfig(survey=SurveySettings(enabled=False))
    assert decide({}, system(SystemEvent.RESOLVED, conversation="resolved"), quiet).actions == ()


# --- tickets ---------------------------------------------------------------------------------

PHOTO = MediaRef(file_id="photo-1", mime_type="image/jpeg")


def test_a_problem_becomes_a_ticket_with_a_photo():
    asked = decide(IN_MENU, turn("یه مشکل دارم"), SHOP)
    assert asked.state["step"] == "ticket"
    photo = decide(asked.state, turn(None, kind="photo", media=PHOTO), SHOP)
    assert "عکس رسید" in texts(photo)
    opened = decide(photo.state, turn("کالا شکسته رسید"), SHOP)
    assert opened.actions == (OpenTicket(description="کالا شکسته رسید", media=(PHOTO,)),)
    told = decide(opened.state, system(SystemEvent.TICKET_OPENED, number=1001), SHOP)
    assert "۱۰۰۱" in texts(told)


def test_a_sticker_instead_of_a_description_asks_again():
    asked = decide(IN_MENU, turn(button="m:1", kind="button"), SHOP)
    again = decide(asked.state, turn(None, kind="sticker"), SHOP)
    assert "توضیح" in texts(again) and again.state["step"] == "ticket"


def test_a_ticket_status_change_is_told_whatever_the_conversation_status():
    result = decide({"lang": "fa"}, system(SystemEvent.TICKET_STATUS, conversation="resolved",
                                           number=1002, status="solved"), SHOP)
    assert texts(result) == "وضعیت درخواست شماره ۱۰۰۲ به «حل‌شده» تغییر کرد."


# --- order tracking --------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "order_id"), [("۱۲۳۴۵", "12345"), ("#12345", "12345"),
                                                 ("١٢٣٤٥", "12345"), ("# ۱۲۳۴۵", "12345"),
                                                 ("شماره سفارش: 12345", "12345")])
def test_the_order_number_is_read_in_any_digits_with_or_without_hash(typed, order_id):
    asked = decide(IN_MENU, turn(button="m:0", kind="button"), SHOP)
    assert asked.state["step"] == "order_number"
    result = decide(asked.state, turn(typed), SHOP)
    assert LookupOrder(order_id=order_id) in result.actions
    assert "۱۲۳۴۵" in texts(result)


def test_a_hashed_number_out_of_the_blue_is_looked_up():
    assert LookupOrder(order_id="777") in decide(IN_MENU, turn("#۷۷۷"), SHOP).actions


@pytest.mark.parametrize("odd", [None, "😀😀", "نمیدونم"])
def test_something_else_where_a_number_was_asked_gets_a_clear_message(odd):
    asked = decide(IN_MENU, turn("پیگیری سفارش"), SHOP)
    kind = "sticker" if odd is None else "text"
    result = decide(asked.state, turn(odd, kind=kind), SHOP)
    assert "شماره سفارش به نظر نمی‌رسد" in texts(result)
    assert not any(isinstance(a, LookupOrder) for a in result.actions)
    again = decide(result.state, turn("نه", kind="text"), SHOP)
    assert "همکاران ما کمکتان" in texts(again)


def test_a_found_order_is_told_in_persian_with_a_jalali_date():
    result = decide({**IN_MENU, "step": "order_lookup"}, system(
        SystemEvent.ORDER_STATUS, order_id="12345", outcome="found", status="shipped",
        updated_at="2026-03-22T10:00:00+00:00", tracking_code="TRK-9"), SHOP)
    text = texts(result)
    assert "سفارش ۱۲۳۴۵: ارسال شده" in text
    assert "یک‌شنبه ۲ فروردین ۱۴۰۵، ساعت ۱۳:۳۰" in text
    assert "کد رهگیری: TRK-9" in text
    assert result.state["step"] == "menu"


@pytest.mark.parametrize(("outcome", "words"), [("unknown", "پیدا نکردم"),
                                                ("failed", "دسترسی ندارم")])
def test_unknown_or_failed_lookups_get_a_clear_message_and_a_person(outcome, words):
    result = decide(IN_MENU, system(SystemEvent.ORDER_STATUS, order_id="5", outcome=outcome),
                    SHOP)
    (reply,) = replies(result)
    assert words in reply.text
    assert HANDOFF in [b.payload for b in reply.buttons]


# --- language --------------------------------------------------------------------------------

def test_the_customer_chooses_english_and_it_is_kept():
    result = decide(IN_MENU, turn(button="lang:en", kind="button"), SHOP)
    assert result.actions[0] == SetLanguage(language="en")
    assert replies(result)[0].text == "How can we help you?"
    assert result.state["lang"] == "en"


def test_a_new_conversation_speaks_the_language_the_customer_chose_before():
    greeting = texts(decide({}, turn("hi", customer_language="en"), SHOP))
    assert greeting.startswith("Hello!")


def test_english_is_complete_for_every_reply_here():
    state = {"lang": "en", "step": "menu"}
    for result in (decide(state, turn("اپراتور"), SHOP),
                   decide(state, system(SystemEvent.RESOLVED, conversation="resolved"), SHOP),
                   decide(state, turn(button="m:0", kind="button"), SHOP),
                   decide(state, turn(button="m:1", kind="button"), SHOP)):
        assert texts(result).isascii(), texts(result)


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("hostile", ["", "x" * 10_000, "😀", "<b>hi</b> {order} %s",
                                     "*bold* [a](http://x)", "(.*)+$ [[", "{{7*7}}"])
@pytest.mark.parametrize("step", ["menu", "order_number", "ticket", "order_lookup"])
def test_bad_input_gets_a_sensible_answer_and_is_never_formatted(hostile, step):
    result = decide({**IN_MENU, "step": step}, turn(hostile), SHOP)
    for reply in replies(result):
        assert "{" not in reply.text.replace(hostile, "") or hostile == ""
        assert len(reply.text) <= 4096


def test_a_conversation_of_a_team_follows_that_teams_hours():
    nights = Schedule(name="nights", week=(((18 * 60, 24 * 60),),) * 7)
    config = FlowConfig(schedules=(SHOP_HOURS, nights), team_hours={"شب": "nights"})
    assert "حدود ۵ دقیقه" in texts(decide(IN_MENU, turn("اپراتور", now=MONDAY_NIGHT, team="شب"),
                                          config))
    assert "تعطیل" in texts(decide({}, turn("سلام", now=MONDAY_NIGHT), config))


def test_without_business_hours_a_person_may_answer_at_any_time():
    result = decide(IN_MENU, turn("اپراتور", now=MONDAY_NIGHT, waiting_ahead=0), FlowConfig())
    assert len(replies(result)) == 1 and "حدود ۵ دقیقه" in texts(result)
