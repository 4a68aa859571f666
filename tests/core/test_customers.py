"""One person on two channels: found by phone, merged by an agent, history kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.bus import InProcessBus
from core.customers import CannotMerge, merge_customers, merge_suggestions
from core.events import (
    ChatType,
    EventKind,
    InboundEvent,
    MessageKind,
    Platform,
    Sender,
)
from core.inbox import Inbox
from core.models import Channel, Conversation, Customer, Identity, Message
from core.text import phone_key

pytestmark = pytest.mark.usefixtures("any_database")


@pytest.mark.parametrize("typed", ["+98 912 123 4567", "09121234567", "989121234567",
                                   "۰۹۱۲۱۲۳۴۵۶۷", "00989121234567"])
def test_one_number_however_it_is_typed(typed):
    assert phone_key(typed) == "989121234567"


def _event(channel_id: int, platform: Platform, sender: Sender, external_id: str,
           kind: MessageKind = MessageKind.TEXT, text: str = "سلام") -> InboundEvent:
    return InboundEvent(platform=platform, channel_id=channel_id, kind=EventKind.MESSAGE,
                        external_id=external_id, sender=sender, chat_id=sender.external_id,
                        chat_type=ChatType.PRIVATE, message_kind=kind, text=text,
                        occurred_at=datetime.now(UTC))


async def _store(*events: InboundEvent) -> None:
    inbox = Inbox(InProcessBus())
    await inbox.start()
    try:
        await inbox.ingest(list(events))
    finally:
        await inbox.close()


async def test_telegram_contact_share_and_whatsapp_number_are_offered_as_one_customer():
    telegram = await Channel.create(platform="telegram", key="1")
    whatsapp = await Channel.create(platform="whatsapp", key="2")
    on_telegram = Sender(external_id="777", display_name="سارا")
    await _store(_event(telegram.id, Platform.TELEGRAM, on_telegram, "777:1"))
    await _store(_event(telegram.id, Platform.TELEGRAM,
                        Sender(external_id="777", display_name="سارا", phone="+98 912 123 4567"),
                        "777:2", kind=MessageKind.CONTACT, text=None))
    await _store(_event(whatsapp.id, Platform.WHATSAPP,
                        Sender(external_id="989121234567", display_name="Sara",
                               phone="989121234567"), "wamid.1"))
    (suggestion,) = await merge_suggestions()
    assert suggestion.phone == "989121234567"
    keep, other = suggestion.customer_ids

    await merge_customers(keep, other)
    assert await Customer.all().count() == 1
    assert {i.channel_id for i in await Identity.filter(customer_id=keep)} == \
        {telegram.id, whatsapp.id}
    conversations = await Conversation.filter(customer_id=keep)
    assert len(conversations) == 2
    assert await Message.filter(conversation_id__in=[c.id for c in conversations]).count() == 3
    assert await merge_suggestions() == []


async def test_a_customer_cannot_be_merged_with_itself_or_a_missing_one():
    customer = await Customer.create(display_name="x")
    with pytest.raises(CannotMerge):
        await merge_customers(customer.id, customer.id)
    with pytest.raises(CannotMerge):
        await merge_customers(customer.id, customer.id + 100)
    assert await Customer.all().count() == 1
