"""core/owner_desk.py's queries on both databases: unanswered questions, merge candidates."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

from core import owner_desk
from core.actions import ReplyOutcome
from core.db import connection
from core.message_meta import MessageMeta, encode_meta
from core.models import Channel, Conversation, Customer, Identity, Message

GAVE_UP = "bot, could not answer"  # an author in a script: the bot, its reply marked so
DO_NOT_KNOW = "نمی‌دانم."
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def _conversation(chat: str, script: list[tuple[str, str]], *,
                        handed_off_after: int | None = None) -> None:
    """`script` is (author, text) in order, a minute apart; the handoff comes right after
    the message at index `handed_off_after`. The author GAVE_UP is the bot, its reply
    marked as not knowing."""
    channel, _ = await Channel.get_or_create(platform="telegram", key="1")
    customer = await Customer.create(display_name=chat)
    identity = await Identity.create(customer=customer, channel=channel, external_id=chat)
    handed_off_at = (START + timedelta(minutes=handed_off_after, seconds=30)
                     if handed_off_after is not None else None)
    conversation = await Conversation.create(
        channel=channel, customer=customer, identity=identity, chat_id=chat,
        created_at=START, last_message_at=START, handed_off_at=handed_off_at)
    for minute, (author, text) in enumerate(script):
        gave_up = author == GAVE_UP
        meta = MessageMeta(reply_outcome=ReplyOutcome.COULD_NOT_ANSWER if gave_up else None)
        await Message.create(conversation=conversation, channel=channel,
                             direction="in" if author == "customer" else "out",
                             author="bot" if gave_up else author, kind="text", text=text,
                             meta=encode_meta(meta), created_at=START + timedelta(minutes=minute))


async def test_unanswered_questions_on_both_databases(any_database):
    await _conversation("a", [("customer", "سلام"), ("bot", "خوش آمدید"),
                              ("customer", "قیمت ارسال؟"), (GAVE_UP, DO_NOT_KNOW),
                              ("customer", "هزینه پیک"), ("bot", "همکاران پاسخ می‌دهند"),
                              ("customer", "کسی هست؟")], handed_off_after=4)
    await _conversation("b", [("customer", "قيمت ارسال"), (GAVE_UP, DO_NOT_KNOW)])
    await _conversation("c", [("customer", "ساعت کاری؟"), ("bot", "۹ تا ۱۷")])
    # The same words, not marked: an answer that happens to say them, not the bot giving up.
    await _conversation("d", [("customer", "چه چیزی را نمی‌دانی؟"), ("bot", DO_NOT_KNOW)])
    groups = await owner_desk.unanswered_questions()
    assert [(g.question, g.count) for g in groups] == [("قيمت ارسال", 2), ("هزینه پیک", 1)]
    assert groups[0].samples == ("قیمت ارسال؟",)
    assert len(groups[0].conversation_ids) == 2


async def test_issue_13_replies_stored_before_the_fact_are_marked_by_their_sentence(
        any_database):
    migration = importlib.import_module("migrations.0012_could_not_answer_fact")
    persian, english = migration.EARLIER_SENTENCES
    await _conversation("a", [("customer", "قیمت ارسال؟"), ("bot", persian)])
    await _conversation("b", [("customer", "shipping price?"), ("bot", english)])
    await _conversation("c", [("customer", "ساعت کاری؟"), ("bot", "۹ تا ۱۷")])
    assert await owner_desk.unanswered_questions() == []
    await migration.mark_earlier_replies(connection())
    groups = await owner_desk.unanswered_questions()
    assert sorted(group.question for group in groups) == ["shipping price?", "قیمت ارسال؟"]
    (kept,) = await Message.filter(text="۹ تا ۱۷")
    assert kept.meta == {}


async def test_merge_candidates_on_both_databases(any_database):
    await _conversation("a", [("customer", "سلام")])
    await _conversation("b", [("customer", "سلام")])
    await Customer.filter(display_name__in=["a", "b"]).update(phone="989120000000")
    (candidate,) = await owner_desk.merge_candidates()
    assert [c.name for c in candidate.customers] == ["a", "b"]
    assert candidate.customers[0].platforms == ("telegram",)
    assert candidate.customers[0].conversations == 1
