"""Issue 18: a survey answer, typed or pressed, belongs to the conversation it rates and opens
nothing; what is not an answer begins the chat's next conversation. On SQLite and PostgreSQL."""

from __future__ import annotations

import jdatetime
import pytest

from core.clock import utcnow
from core.kpis import KpiQuery, compute_kpis
from core.models import Conversation, Message, SurveyAnswer
from tests.core.test_engine_events import bot_said, channel_id, resolve, running, say

pytestmark = pytest.mark.usefixtures("any_database")
__all__ = ["channel_id"]  # the fixture, shared with the engine's tests


async def _resolved_with_survey(inbox, engine, channel_id) -> Conversation:
    await say(inbox, channel_id, "اپراتور")
    await bot_said(1)
    conversation = await Conversation.first()
    await resolve(engine, conversation.id, channel_id)
    assert "از ۱" in (await bot_said(2))[-1]
    return conversation


async def _today_kpis():
    today = jdatetime.date.fromgregorian(date=utcnow().date())
    return await compute_kpis(KpiQuery(first_day=today - jdatetime.timedelta(days=1),
                                       last_day=today + jdatetime.timedelta(days=1)))


async def test_a_typed_score_rates_the_resolved_conversation_and_opens_nothing(channel_id):
    async with running() as (inbox, engine):
        rated = await _resolved_with_survey(inbox, engine, channel_id)
        await say(inbox, channel_id, "۵")
        await bot_said(3)
    assert await Conversation.all().values_list("id", "status") == [(rated.id, "resolved")]
    answer = await SurveyAnswer.get()
    assert (answer.conversation_id, answer.score) == (rated.id, 5)
    assert await Message.filter(text="۵").values_list("conversation_id", flat=True) == [rated.id]
    report = await _today_kpis()
    assert (report.conversations, report.resolved, report.csat.answers) == (1, 1, 1)


async def test_a_pressed_score_and_a_skipped_comment_open_nothing(channel_id):
    async with running() as (inbox, engine):
        rated = await _resolved_with_survey(inbox, engine, channel_id)
        await say(inbox, channel_id, None, button_payload="survey:4")
        await bot_said(3)
        await say(inbox, channel_id, None, button_payload="survey:skip")
        await bot_said(4)
    assert await Conversation.all().count() == 1
    assert (await SurveyAnswer.get()).conversation_id == rated.id
    assert (await _today_kpis()).conversations == 1


async def test_what_is_not_an_answer_begins_the_next_conversation_with_what_follows(channel_id):
    async with running() as (inbox, engine):
        rated = await _resolved_with_survey(inbox, engine, channel_id)
        await say(inbox, channel_id, "سلام دوباره")
        await bot_said(3)
        await say(inbox, channel_id, "یک سوال دیگر")
        await bot_said(4)
    rated, following = await Conversation.all().order_by("id")
    assert (rated.status, following.status) == ("resolved", "open")
    assert "survey" not in rated.flow_state
    moved = await Message.filter(direction="in", conversation_id=following.id).order_by("id")
    assert [m.text for m in moved] == ["سلام دوباره", "یک سوال دیگر"]
    assert all(m.processed for m in moved)
    assert await SurveyAnswer.all().count() == 0
    # The bot answered the moved message in the next conversation, not in the resolved one.
    assert await Message.filter(direction="out", conversation_id=following.id).count() == 2


async def test_the_bot_answering_gives_the_turn_to_the_customer_a_handoff_does_not(channel_id):
    async with running() as (inbox, engine):
        await say(inbox, channel_id, "سلام")
        await bot_said(1)
        conversation = await Conversation.first()
        assert conversation.waiting_since is None  # the bot has it and answered
        await say(inbox, channel_id, "اپراتور")
        await bot_said(2)  # "a person will answer": the customer still waits for us
        conversation = await Conversation.first()
        assert conversation.status == "pending" and conversation.waiting_since is not None
