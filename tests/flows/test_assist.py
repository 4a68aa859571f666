"""Issue 15: the FAQ answer carries why it was given, and the answers offered to agents."""

from __future__ import annotations

from core.actions import FaqMatchFact
from core.message_meta import MessageMeta, decode_meta, encode_meta
from flows import FlowConfig, decide
from flows.assist import suggestions
from flows.faq import FaqEntry
from tests.flows.test_welcome import IN_MENU, only_reply, turn

FAQ = (
    FaqEntry(id="shipping", question="هزینه ارسال چقدر است؟",
             answer="ارسال به همه شهرها ۵۰ هزار تومان است."),
    FaqEntry(id="hours", question="ساعت کاری شما چیست؟", answer="هر روز ۹ تا ۱۷."),
)
SHOP = FlowConfig(faq=FAQ)
CANNED = (("/post", "بسته‌ها با پست پیشتاز ارسال می‌شوند."), ("/hi", "سلام، خوش آمدید."))


def test_issue_15_an_faq_answer_says_which_entry_answered():
    reply = only_reply(decide(IN_MENU, turn("هزینه ارسال به شیراز چنده؟"), SHOP))
    assert reply.text == "ارسال به همه شهرها ۵۰ هزار تومان است."
    assert reply.faq_match is not None
    assert (reply.faq_match.entry_id, reply.faq_match.question) == (
        "shipping", "هزینه ارسال چقدر است؟")


def test_issue_15_other_replies_carry_no_faq_fact():
    reply = only_reply(decide(IN_MENU, turn("یک سوال بی‌ربط درباره هواشناسی"), SHOP))
    assert reply.faq_match is None


def test_issue_15_the_fact_survives_the_message_meta_and_ignores_what_is_not_one():
    fact = FaqMatchFact(entry_id="shipping", question="هزینه ارسال چقدر است؟",
                        confidence=0.8734567, phrase="هزینه ارسال", words=("هزینه", "ارسال"))
    assert decode_meta(encode_meta(MessageMeta(faq_match=fact))).faq_match == fact
    assert decode_meta("{}").faq_match is None
    assert decode_meta({"faq_match": {"entry_id": 3}}).faq_match is None


def test_issue_15_agents_get_the_closest_faq_answer_then_canned_replies_sharing_words():
    found = suggestions("هزینه ارسالش تا شیراز چنده؟", SHOP, CANNED)
    assert [(s.kind, s.label) for s in found] == [
        ("faq", "هزینه ارسال چقدر است؟"), ("canned", "/post")]
    assert found[0].text == "ارسال به همه شهرها ۵۰ هزار تومان است."
    assert found[0].score > found[1].score > 0


def test_issue_15_nothing_is_suggested_for_an_empty_or_unrelated_message():
    assert suggestions("", SHOP, CANNED) == ()
    assert suggestions("هواشناسی فردا", SHOP, CANNED) == ()
