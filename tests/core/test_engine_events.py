"""The engine carries out what the flows of issue 5 ask for, on SQLite and PostgreSQL:
system events (resolve, ticket status), tickets, survey answers, order lookups, languages."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from pathlib import Path

import pytest
from tortoise.transactions import in_transaction

from core.actions import SystemEvent
from core.address_policy import AddressPolicy
from core.bus import InProcessBus
from core.clock import utcnow
from core.conversations import ConversationEngine
from core.events import MediaRef, MessageKind
from core.inbox import Inbox
from core.message_meta import MessageMeta
from core.models import Channel, Conversation, Customer, Message, SurveyAnswer, Ticket
from core.order_lookup import OrderLookups, OrderSources
from core.owner_config import OrderFields, OrderLookup
from core.system_events import insert_system_message
from core.tickets import UnknownTicket, change_ticket_status, open_ticket
from flows import FlowConfig, decide
from flows.config import ORDER, TICKET, MenuEntry
from tests.core.test_inbox import message
from tests.fakes.shop import API_KEY, SLOW_ORDER, FakeShop
from tests.integration.helpers import eventually

pytestmark = pytest.mark.usefixtures("any_database")
CONFIG = FlowConfig(menu=(MenuEntry(title="پیگیری سفارش", action=ORDER),
                          MenuEntry(title="گزارش مشکل", action=TICKET)),
                    order_tracking=True, order_status_names={"shipped": "ارسال شده"})


@pytest.fixture
async def channel_id():
    return (await Channel.create(platform="telegram", key="123456")).id


@contextlib.asynccontextmanager
async def running(look_up_order=None):
    bus = InProcessBus()
    inbox = Inbox(bus)
    engine = ConversationEngine(partial(decide, config=CONFIG), bus, lambda: None,
                                look_up_order=look_up_order)
    inbox.on_new_messages(engine.submit)
    await inbox.start()
    await engine.start()
    try:
        yield inbox, engine
    finally:
        await inbox.close()
        await engine.close()


_ids = iter(range(1, 10_000))


async def say(inbox, channel_id, text=None, **extra):
    await inbox.ingest([message(text, message_id=next(_ids), channel_id=channel_id, **extra)])


async def bot_said(count: int) -> list[str]:
    async def enough() -> bool:
        return await Message.filter(direction="out").count() >= count
    await eventually(enough, what=f"{count} bot messages")
    return await Message.filter(direction="out").order_by("id").values_list("text", flat=True)


async def resolve(engine, conversation_id: int, channel_id: int) -> None:
    """What the panel does on resolve: status, then the system message, then the engine."""
    async with in_transaction("default") as conn:
        await Conversation.filter(id=conversation_id).using_db(conn).update(status="resolved")
        message_id = await insert_system_message(
            conn, conversation_id=conversation_id, channel_id=channel_id,
            meta=MessageMeta(event=SystemEvent.RESOLVED, by=1), now=utcnow())
    engine.submit_ids([message_id])


async def test_the_survey_after_resolve_is_stored_for_the_resolved_conversation(channel_id):
    async with running() as (inbox, engine):
        await say(inbox, channel_id, "اپراتور")
        await bot_said(1)
        first = await Conversation.first()
        await resolve(engine, first.id, channel_id)
        assert "از ۱" in (await bot_said(2))[-1]
        await say(inbox, channel_id, "۵")  # the resolved conversation keeps its answer
        await bot_said(3)
        await say(inbox, channel_id, "خیلی سریع جواب دادید")
        assert (await bot_said(4))[-1] == "از پاسخ شما ممنونیم."
    answer = await SurveyAnswer.get()
    assert (answer.conversation_id, answer.score, answer.comment) == (
        first.id, 5, "خیلی سریع جواب دادید")
    assert await Conversation.all().count() == 1


async def test_a_ticket_gets_a_short_number_and_its_status_changes_are_told(channel_id):
    async with running() as (inbox, engine):
        await say(inbox, channel_id, "یه مشکل دارم")
        await bot_said(1)
        await say(inbox, channel_id, None, message_kind=MessageKind.PHOTO,
                  media=MediaRef(file_id="ph-1", mime_type="image/jpeg"))
        await bot_said(2)
        await say(inbox, channel_id, "بسته خیس رسید")
        assert "۱۰۰۱" in (await bot_said(3))[-1]
        ticket = await Ticket.get()
        assert (ticket.number, ticket.description) == (1001, "بسته خیس رسید")
        assert ticket.media[0]["file_id"] == "ph-1"
        engine.submit_ids([await change_ticket_status(1001, "in_progress")])
        assert (await bot_said(4))[-1] == "وضعیت درخواست شماره ۱۰۰۱ به «در حال بررسی» تغییر کرد."
    assert await change_ticket_status(1001, "in_progress") is None  # no change, no message
    with pytest.raises(UnknownTicket):
        await change_ticket_status(999, "solved")


async def test_ticket_numbers_are_unique_when_opened_at_once(channel_id):
    async with running() as (inbox, _):
        await say(inbox, channel_id, "سلام")
        await bot_said(1)
    conversation = await Conversation.first()

    async def one() -> int:
        async with in_transaction("default") as conn:
            return await open_ticket(conn, conversation_id=conversation.id,
                                     customer_id=conversation.customer_id, description="x",
                                     media=(), now=utcnow())

    numbers = await asyncio.gather(*(one() for _ in range(6)))
    assert sorted(numbers) == list(range(1001, 1007))


@pytest.fixture
async def shop():
    async with FakeShop(slow_seconds=5) as fake:
        # The fake shop is on 127.0.0.1: private addresses allowed.
        lookups = OrderLookups(OrderSources(AddressPolicy(allow_private=True), Path("orders")))
        config = OrderLookup(
            url=f"{fake.base_url}/api/orders/{{order_id}}", headers={"X-Api-Key": API_KEY},
            fields=OrderFields(status="order.status", updated_at="order.updated_at",
                               tracking_code="order.shipping.tracking"),
            timeout_seconds=0.5)
        yield partial(lookups.look_up, config)
        await lookups.close()


async def test_an_order_is_looked_up_and_answered_in_persian(channel_id, shop):
    async with running(shop) as (inbox, _):
        await say(inbox, channel_id, "پیگیری سفارش")
        await bot_said(1)
        await say(inbox, channel_id, "#۱۲۳۴۵")
        said = await bot_said(3)
    assert "سفارش ۱۲۳۴۵: ارسال شده" in said[2]
    assert "۲ فروردین ۱۴۰۵" in said[2] and "IR-778899" in said[2]


@pytest.mark.parametrize(("order_id", "words"), [("۹۹۹۹۹", "پیدا نکردم"),
                                                 (SLOW_ORDER, "دسترسی ندارم")])
async def test_unknown_and_timed_out_orders_get_a_clear_answer(channel_id, shop, order_id, words):
    async with running(shop) as (inbox, _):
        await say(inbox, channel_id, f"#{order_id}")
        assert words in (await bot_said(2))[1]


async def test_a_lookup_cut_short_by_a_restart_is_done_after_it(channel_id, shop):
    async def never(order_id):
        await asyncio.Event().wait()  # the process stops before the shop answers

    async with running(never) as (inbox, _):
        await say(inbox, channel_id, "#12345")
        await bot_said(1)
    async with running(shop):
        assert "ارسال شده" in (await bot_said(2))[1]


async def test_the_chosen_language_is_kept_for_the_customers_next_conversation(channel_id):
    async with running() as (inbox, engine):
        await say(inbox, channel_id, "English")
        assert (await bot_said(1))[0] == "How can we help you?"
        conversation = await Conversation.first()
        await resolve(engine, conversation.id, channel_id)
        await bot_said(2)
        await say(inbox, channel_id, "/start")
        assert (await bot_said(3))[-1].startswith("Hello!")
    customer = await Customer.get()
    assert customer.language == "en" and customer.language_chosen_at is not None


async def test_a_resolve_stored_before_a_restart_is_run_after_it(channel_id):
    async with running() as (inbox, _):
        await say(inbox, channel_id, "سلام")
        await bot_said(1)
    conversation = await Conversation.first()
    async with in_transaction("default") as conn:  # the panel resolved; the engine was down
        await Conversation.filter(id=conversation.id).using_db(conn).update(status="resolved")
        await insert_system_message(conn, conversation_id=conversation.id,
                                    channel_id=channel_id,
                                    meta=MessageMeta(event=SystemEvent.RESOLVED, by=1),
                                    now=utcnow())
    async with running():
        assert "از ۱" in (await bot_said(2))[-1]
    assert not await Message.filter(processed=False).exists()
