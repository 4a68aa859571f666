"""Issue 15: why the bot gave an FAQ answer is kept on its message at decision time and
shown in the agents' timeline; FAQ answers a person had to take over are found; a
customer's wording is taught to an entry."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from core import owner_config, owner_desk, owner_settings
from core.actions import FaqMatchFact, FlowResult, Reply
from core.bus import InProcessBus
from core.conversations import ConversationEngine
from core.desk import Desk
from core.models import Channel, Conversation, Message
from core.owner_settings import NoSuchFaqEntry
from tests.core.test_conversations import _ingest, _nothing_unprocessed
from tests.core.test_inbox import message
from tests.core.test_owner_desk import START, _conversation
from tests.integration.helpers import eventually
from tests.panel.helpers import make_user

FACT = FaqMatchFact(entry_id="shipping", question="هزینه ارسال چقدر است؟", confidence=0.82,
                    phrase="هزینه ارسال چقدر است؟", words=("هزینه", "ارسال"))


def _answers_from_the_faq(state, turn):
    if turn.text == "هزینه ارسال؟":
        return FlowResult(state=state, actions=(
            Reply(text="۵۰ هزار تومان", faq_match=FACT), Reply(text="چیز دیگری هست؟")))
    return FlowResult(state=state)


async def test_issue_15_the_faq_fact_is_kept_on_the_bot_message_and_shown_in_the_timeline(
        any_database):
    channel_id = (await Channel.create(platform="telegram", key="123456")).id
    await _ingest(message("هزینه ارسال؟", channel_id=channel_id))
    engine = ConversationEngine(_answers_from_the_faq, InProcessBus(), lambda: None)
    await engine.start()
    try:
        await eventually(_nothing_unprocessed, what="the question answered")
    finally:
        await engine.close()
    answer, other = await Message.filter(author="bot").order_by("id")
    assert answer.meta["faq_match"]["entry_id"] == "shipping"
    assert "faq_match" not in other.meta

    desk = Desk(InProcessBus(), lambda: None, lambda ids: None)
    agent = await desk.viewer(await make_user("agent@example.com", "owner"))
    detail = await desk.conversation(agent, answer.conversation_id)
    facts = [(entry.text, entry.faq_match) for entry in detail.timeline if entry.author == "bot"]
    assert facts == [("۵۰ هزار تومان", FACT), ("چیز دیگری هست؟", None)]


async def _with_faq_answer(chat: str, script: list[tuple[str, str]], *,
                           handed_off_after: int | None = None) -> None:
    """`_conversation`, with the bot's "پاسخ" messages marked as FAQ answers."""
    await _conversation(chat, script, handed_off_after=handed_off_after)
    await Message.filter(author="bot", text__startswith="پاسخ").update(
        meta={"faq_match": msgspec.to_builtins(FACT)})


async def test_issue_15_faq_answers_followed_by_a_person_are_listed(any_database):
    # Handed off after the FAQ answer: the answer did not help.
    await _with_faq_answer("a", [("customer", "قیمت پست؟"), ("bot", "پاسخ هزینه"),
                                 ("customer", "اپراتور")], handed_off_after=2)
    # An agent replied after two FAQ answers: only the last one counts.
    await _with_faq_answer("b", [("customer", "ساعت کاری؟"), ("bot", "پاسخ ساعت"),
                                 ("customer", "کرایه پیک؟"), ("bot", "پاسخ پیک"),
                                 ("agent", "سلام، پیک ۸۰ هزار است")])
    # Nobody took over: the answer helped.
    await _with_faq_answer("c", [("customer", "هزینه ارسال؟"), ("bot", "پاسخ هزینه")])
    # Handed off before the answer (the conversation was waiting anyway): not this answer's fault.
    await _with_faq_answer("d", [("customer", "اپراتور"), ("bot", "پاسخ دیر")],
                           handed_off_after=0)
    corrected = await owner_desk.corrected_answers()
    assert [(c.question, c.faq_match) for c in corrected] == [
        ("کرایه پیک؟", FACT), ("قیمت پست؟", FACT)]
    first = await Conversation.get(chat_id="b")
    assert corrected[0].conversation_id == first.id
    assert corrected[1].answered_at == START + timedelta(minutes=1)


FAQ = "faq:\n  - id: shipping\n    question: هزینه ارسال چقدر است؟\n    answer: ۵۰ هزار تومان\n"


async def test_issue_15_a_wording_is_taught_to_an_entry_once(database):
    await owner_config.store(owner_config.parse(FAQ))
    await owner_settings.add_faq_alternative("shipping", " پیک تا خونه چند درمیاد ",
                                             await owner_settings.version())
    await owner_settings.add_faq_alternative("shipping", "پیک تا خونه چند درمیاد",
                                             await owner_settings.version())
    (item,) = (await owner_config.load_stored()).faq
    assert item.alternatives == ["پیک تا خونه چند درمیاد"]
    with pytest.raises(NoSuchFaqEntry):
        await owner_settings.add_faq_alternative("gone", "سلام", await owner_settings.version())
    with pytest.raises(owner_settings.ChangedMeanwhile):
        await owner_settings.add_faq_alternative("shipping", "کرایه", "an old version")
