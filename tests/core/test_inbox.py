"""Ingest against a real database: what is new is decided by the constraints."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.backends.asyncpg.client import TransactionWrapper as PostgresTransaction
from tortoise.backends.sqlite.client import SqliteTransactionWrapper as SqliteTransaction

from core import inbox as inbox_module
from core.bus import InProcessBus
from core.events import ChatType, EventKind, InboundEvent, MessageKind, Platform, Sender
from core.inbox import Inbox
from core.models import Channel, Conversation, Customer, Identity, Message

pytestmark = pytest.mark.usefixtures("any_database")


def message(text="سلام", *, user="42", message_id=1, kind=EventKind.MESSAGE, name="مریم",
            phone=None, **extra):
    return InboundEvent(
        platform=Platform.TELEGRAM,
        channel_id=extra.pop("channel_id"),
        kind=kind,
        external_id=f"{user}:{message_id}",
        sender=Sender(external_id=user, display_name=name, phone=phone),
        chat_id=user,
        chat_type=ChatType.PRIVATE,
        message_kind=extra.pop("message_kind", MessageKind.TEXT),
        text=text,
        occurred_at=datetime(2026, 3, 21, 8, 30, tzinfo=UTC),
        **extra,
    )


@pytest.fixture
async def channel_id():
    return (await Channel.create(platform="telegram", key="123456")).id


@pytest.fixture
async def inbox():
    inbox = Inbox(InProcessBus())
    await inbox.start()
    yield inbox
    await inbox.close()


async def test_a_message_creates_customer_identity_conversation_and_row(inbox, channel_id):
    (stored,) = await inbox.ingest([message(channel_id=channel_id)])
    row = await Message.get(id=stored.message_id)
    assert (row.text, row.direction, row.author, row.processed) == ("سلام", "in", "customer", False)
    conversation = await Conversation.get(id=stored.conversation_id)
    assert conversation.status == "open"
    identity = await Identity.get(channel_id=channel_id, external_id="42")
    assert (await identity.customer).display_name == "مریم"


async def test_redelivery_changes_nothing(inbox, channel_id):
    event = message(channel_id=channel_id)
    assert len(await inbox.ingest([event])) == 1
    assert await inbox.ingest([event]) == []
    assert await Message.all().count() == 1


async def test_the_writer_outlives_a_batch_that_fails_after_its_commit(inbox, channel_id):
    """Regression: an error after the commit (a listener, the bus) ended the writer task,
    and every later webhook waited forever."""
    def broken_listener(stored):
        raise RuntimeError("listener bug")

    inbox.on_new_messages(broken_listener)
    first = await asyncio.wait_for(inbox.ingest([message(channel_id=channel_id)]), 5)
    second = await asyncio.wait_for(
        inbox.ingest([message(message_id=2, channel_id=channel_id)]), 5)
    assert (len(first), len(second)) == (1, 1)
    assert await Message.all().count() == 2


async def test_a_redelivery_after_the_conversation_was_resolved_changes_nothing(
    inbox, channel_id
):
    event = message(channel_id=channel_id)
    (stored,) = await inbox.ingest([event])
    await Conversation.filter(id=stored.conversation_id).update(status="resolved")
    assert await inbox.ingest([event]) == []
    assert await Conversation.all().count() == 1  # no empty conversation opened for it
    assert await Message.all().count() == 1


async def test_a_new_conversation_starts_at_its_last_message(inbox, channel_id):
    early = message(message_id=1, channel_id=channel_id)
    late = replace(early, external_id="42:2", occurred_at=early.occurred_at + timedelta(seconds=5))
    first, second = await inbox.ingest([early, late])
    conversation = await Conversation.get(id=first.conversation_id)
    assert second.conversation_id == conversation.id
    assert conversation.last_message_at == late.occurred_at
    third = replace(early, external_id="42:3", occurred_at=late.occurred_at + timedelta(minutes=1))
    await inbox.ingest([third])
    await conversation.refresh_from_db()
    assert conversation.last_message_at == third.occurred_at


async def test_the_same_update_delivered_many_times_at_once_is_stored_once(inbox, channel_id):
    event = message(channel_id=channel_id)
    results = await asyncio.gather(*(inbox.ingest([event]) for _ in range(20)))
    assert sum(len(r) for r in results) == 1
    assert await Message.all().count() == 1
    assert await Customer.all().count() == 1


async def test_an_album_arriving_in_parallel_is_one_customer_one_conversation(inbox, channel_id):
    parts = [message(None, message_id=i, channel_id=channel_id, message_kind=MessageKind.PHOTO)
             for i in range(1, 6)]
    await asyncio.gather(*(inbox.ingest([part]) for part in parts))
    assert await Message.all().count() == 5
    assert await Customer.all().count() == 1
    assert await Identity.all().count() == 1
    assert await Conversation.all().count() == 1


async def test_two_inboxes_racing_on_one_customer_make_one_of_everything(channel_id):
    """Two writers (as two processes would be) deliver the same album at once."""
    inboxes = [Inbox(InProcessBus()) for _ in range(2)]
    for each in inboxes:
        await each.start()
    try:
        parts = [message(message_id=i, channel_id=channel_id) for i in range(1, 4)]
        await asyncio.gather(*(each.ingest([part]) for each in inboxes for part in parts))
    finally:
        for each in inboxes:
            await each.close()
    assert await Message.all().count() == 3
    assert await Customer.all().count() == 1
    assert await Conversation.all().count() == 1


async def test_an_edit_updates_the_text_and_keeps_the_old_one(inbox, channel_id):
    (stored,) = await inbox.ingest([message("سفارش ۱۲", channel_id=channel_id)])
    edit = message("سفارش ۱۲۳", channel_id=channel_id, kind=EventKind.EDIT)
    assert await inbox.ingest([edit]) == []
    assert await inbox.ingest([edit]) == []  # redelivered edit
    row = await Message.get(id=stored.message_id)
    assert row.text == "سفارش ۱۲۳"
    assert [r["text"] for r in row.revisions] == ["سفارش ۱۲"]


async def test_an_edit_of_an_unseen_message_is_kept_as_a_message(inbox, channel_id):
    edit = message("new", channel_id=channel_id, kind=EventKind.EDIT)
    assert len(await inbox.ingest([edit])) == 1


async def test_blocking_marks_the_customer_unreachable(inbox, channel_id):
    await inbox.ingest([message(channel_id=channel_id)])
    blocked = replace(message(channel_id=channel_id, kind=EventKind.BLOCKED),
                      external_id="member:42:1:kicked")
    await inbox.ingest([blocked])
    assert (await Identity.get(external_id="42")).unreachable is True
    unblocked = replace(blocked, kind=EventKind.UNBLOCKED, external_id="member:42:2:member")
    await inbox.ingest([unblocked])
    assert (await Identity.get(external_id="42")).unreachable is False


async def test_a_resolved_conversation_is_not_reopened_by_a_new_message(inbox, channel_id):
    (first,) = await inbox.ingest([message(channel_id=channel_id)])
    await Conversation.filter(id=first.conversation_id).update(status="resolved")
    (second,) = await inbox.ingest([message("باز هم سلام", message_id=2, channel_id=channel_id)])
    assert second.conversation_id != first.conversation_id
    assert await Customer.all().count() == 1


async def test_hostile_text_is_stored_exactly_as_sent(inbox, channel_id):
    hostile = "\u202eabc\u200b<script>alert(1)</script>{{7*7}}"
    (stored,) = await inbox.ingest([message(hostile, channel_id=channel_id)])
    assert (await Message.get(id=stored.message_id)).text == hostile


async def test_a_batch_mixes_kinds_and_keeps_order(inbox, channel_id):
    events = [message("یک", message_id=1, channel_id=channel_id),
              message("دو", message_id=2, channel_id=channel_id),
              message("دو!", message_id=2, channel_id=channel_id, kind=EventKind.EDIT)]
    stored = await inbox.ingest(events)
    assert [s.event.text for s in stored] == ["یک", "دو"]
    assert await Message.filter(external_id="42:2").values_list("text", flat=True) == ["دو!"]


async def _our_message(channel_id: int, external_id: str, delivery: str = "sent") -> int:
    """A message the bot sent, as the outbox leaves it."""
    identity = await Identity.first()
    conversation = await Conversation.filter(identity=identity).first()
    row = await Message.create(conversation=conversation, channel_id=channel_id, direction="out",
                               author="bot", kind="text", text="پاسخ", external_id=external_id,
                               delivery=delivery, created_at=datetime.now(UTC))
    return row.id


def receipt(channel_id, external_id, status, error=None, kind=EventKind.STATUS):
    return replace(message(None, channel_id=channel_id, kind=kind), external_id=external_id,
                   delivery_status=status, delivery_error=error, message_kind=MessageKind.SERVICE)


async def test_receipts_move_forward_only(inbox, channel_id):
    await inbox.ingest([message(channel_id=channel_id)])
    ours = await _our_message(channel_id, "wamid.1")
    for status in ("delivered", "read", "delivered", "sent"):  # late and repeated receipts
        assert await inbox.ingest([receipt(channel_id, "wamid.1", status)]) == []
    assert (await Message.get(id=ours)).delivery == "read"


async def test_a_failed_receipt_keeps_the_reason(inbox, channel_id):
    await inbox.ingest([message(channel_id=channel_id)])
    ours = await _our_message(channel_id, "wamid.2")
    await inbox.ingest([receipt(channel_id, "wamid.2", "failed", "131047: Re-engagement")])
    row = await Message.get(id=ours)
    assert (row.delivery, row.delivery_error) == ("failed", "131047: Re-engagement")


async def test_a_receipt_for_a_message_we_never_sent_changes_nothing(inbox, channel_id):
    await inbox.ingest([message(channel_id=channel_id)])
    await inbox.ingest([receipt(channel_id, "wamid.unknown", "read")])
    assert await Message.filter(delivery="read").count() == 0


async def test_a_read_event_marks_our_message_read(inbox, channel_id):
    await inbox.ingest([message(channel_id=channel_id)])
    ours = await _our_message(channel_id, "mid.9")
    await inbox.ingest([receipt(channel_id, "mid.9", None, kind=EventKind.READ)])
    assert (await Message.get(id=ours)).delivery == "read"


async def test_an_echo_is_history_and_is_never_answered(inbox, channel_id):
    echo = replace(message("از اپ اینستاگرام", channel_id=channel_id, kind=EventKind.ECHO),
                   external_id="mid.echo")
    assert await inbox.ingest([echo, echo]) == []
    row = await Message.get(external_id="mid.echo")
    assert (row.direction, row.author, row.processed) == ("out", "agent", True)


async def test_our_own_message_echoed_back_is_not_stored_twice(inbox, channel_id):
    await inbox.ingest([message(channel_id=channel_id)])
    await _our_message(channel_id, "mid.ours")
    echo = replace(message("پاسخ", channel_id=channel_id, kind=EventKind.ECHO),
                   external_id="mid.ours")
    await inbox.ingest([echo])
    assert await Message.filter(external_id="mid.ours").count() == 1


async def test_a_deletion_is_recorded_once_and_keeps_what_was_said(inbox, channel_id):
    (stored,) = await inbox.ingest([message("اشتباه نوشتم", channel_id=channel_id)])
    deletion = replace(message(None, channel_id=channel_id, kind=EventKind.DELETE))
    await inbox.ingest([deletion])
    await inbox.ingest([deletion])
    revisions = (await Message.get(id=stored.message_id)).revisions
    assert len(revisions) == 1
    assert revisions[0]["text"] == "اشتباه نوشتم" and "deleted_at" in revisions[0]


async def ingest_in_one_batch(requests):
    """Hands every request to a writer that is not running yet, so that all of them share
    one transaction, as concurrent webhooks do under load. Results come back per request."""
    inbox = Inbox(InProcessBus(), max_batch=sum(len(events) for events in requests))
    batches = []
    inbox.on_new_messages(batches.append)
    pending = [asyncio.ensure_future(inbox.ingest(events)) for events in requests]
    await asyncio.sleep(0)  # every request is queued
    await inbox.start()
    try:
        results = await asyncio.gather(*pending)
    finally:
        await inbox.close()
    assert len(batches) == 1, "the requests were meant to share one batch"
    return results


async def _messages_of(user: str) -> list[Message]:
    return await Message.filter(external_id__startswith=f"{user}:").order_by("id")


@pytest.mark.parametrize("chunk_rows", [inbox_module.CHUNK_ROWS, 2])
async def test_one_batch_stores_what_one_by_one_would(channel_id, chunk_rows, monkeypatch):
    monkeypatch.setattr(inbox_module, "CHUNK_ROWS", chunk_rows)

    def msg(user, message_id, text="سلام", **extra):
        return message(text, user=user, message_id=message_id, channel_id=channel_id, **extra)

    # Before the batch: a known customer, and one whose conversation was resolved.
    await ingest_in_one_batch([[msg("7", 1, name="نام قدیم")], [msg("8", 1)]])
    resolved = (await Conversation.get(identity__external_id="8")).id
    await Conversation.filter(id=resolved).update(status="resolved")
    known_customers = await Customer.all().count()

    results = await ingest_in_one_batch([
        [msg("1", 1, "اول")],  # a new customer writes twice, in two requests
        [msg("1", 2, "دوم")],
        [msg("2", 1)],  # the same update twice
        [msg("2", 1)],
        [msg("7", 2, name="نام تازه")],  # a known customer who changed their name
        [msg("8", 2)],  # the last conversation is resolved: a new one
        [msg("9", 1, "غلط"), msg("9", 1, "درست", kind=EventKind.EDIT)],  # then its edit
        [replace(msg("9", 1, kind=EventKind.BLOCKED), external_id="member:9:1:kicked")],
        [msg("10", 1)],  # a run again after the block
        [msg("11", 1, name="علی")],  # two new customers with the same name
        [msg("12", 1, name="علی")],
    ])

    assert [[s.event.external_id for s in stored] for stored in results] == [
        ["1:1"], ["1:2"], ["2:1"], [], ["7:2"], ["8:2"], ["9:1"], [], ["10:1"], ["11:1"],
        ["12:1"],
    ]
    assert await Customer.all().count() == known_customers + 6  # 1, 2, 9, 10, 11 and 12
    assert await Identity.all().count() == known_customers + 6
    assert await Message.all().count() == 2 + 9

    first, second = await _messages_of("1")
    assert (first.text, second.text) == ("اول", "دوم")
    assert first.conversation_id == second.conversation_id  # one conversation for the chat
    assert await Conversation.filter(identity__external_id="1").count() == 1
    assert len(await _messages_of("2")) == 1

    renamed = await Identity.get(external_id="7")
    assert renamed.display_name == "نام تازه"
    assert await Conversation.filter(identity=renamed).count() == 1

    (old, new) = await Conversation.filter(identity__external_id="8").order_by("id")
    assert old.id == resolved and old.status == "resolved"
    assert new.status == "open"
    assert [m.conversation_id for m in await _messages_of("8")] == [old.id, new.id]

    (edited,) = await _messages_of("9")
    assert edited.text == "درست"
    assert [r["text"] for r in edited.revisions] == ["غلط"]
    assert (await Identity.get(external_id="9")).unreachable is True

    alis = await Identity.filter(external_id__in=["11", "12"]).prefetch_related("customer")
    assert len({identity.customer_id for identity in alis}) == 2
    assert [identity.customer.display_name for identity in alis] == ["علی", "علی"]
    assert await Conversation.filter(identity_id__in=[i.id for i in alis]).count() == 2



async def test_the_statements_of_a_batch_do_not_grow_with_its_messages(channel_id, monkeypatch):
    """Each statement is a round trip that costs CPU; a batch of new customers takes a
    handful of multi-row statements, not several per message."""
    statements: list[str] = []

    def counted(method):
        async def counting(self, query, *args, **kwargs):
            statements.append(query)
            return await method(self, query, *args, **kwargs)
        return counting

    for transaction in (SqliteTransaction, PostgresTransaction):
        for name in ("execute_query", "execute_query_dict", "execute_many"):
            monkeypatch.setattr(transaction, name, counted(getattr(transaction, name)))

    requests = [[message(user=str(1000 + n), channel_id=channel_id)] for n in range(200)]
    results = await ingest_in_one_batch(requests)

    assert sum(len(stored) for stored in results) == 200
    for model in (Customer, Identity, Conversation, Message):
        assert await model.all().count() == 200
    print(f"{len(statements)} statements for a batch of 200 new customers")
    assert len(statements) <= 10


async def test_a_shared_contact_fills_an_empty_phone_only(channel_id):
    def contact(user, message_id, phone):
        return message(None, user=user, message_id=message_id, phone=phone,
                       message_kind=MessageKind.CONTACT, channel_id=channel_id)

    await ingest_in_one_batch([[message(user="5", phone="+98 912 000 0005", channel_id=channel_id)],
                               [message(user="6", channel_id=channel_id)],
                               [message(user="9", channel_id=channel_id)]])
    await ingest_in_one_batch([
        [contact("5", 2, "09120000099")],  # has a phone: kept
        [contact("6", 2, "09120000006"), contact("6", 3, "09120000066")],  # the first fills it
        [message(user="7", channel_id=channel_id), contact("7", 2, "09120000007")],  # new, then
        [contact("8", 1, "09120000008")],  # new, and its first message shares the phone
        [message(user="9", message_id=2, phone="989120000009", channel_id=channel_id)],  # no share
    ])
    phones = {identity.external_id: (await identity.customer).phone
              for identity in await Identity.all()}
    assert phones == {"5": "989120000005", "6": "989120000006", "7": "989120000007",
                      "8": "989120000008", "9": None}


@pytest.mark.parametrize("chunk_rows", [inbox_module.CHUNK_ROWS, 3])
async def test_two_inboxes_racing_on_many_new_customers_make_one_of_everything(
    channel_id, chunk_rows, monkeypatch
):
    """Two writers (as two processes would be) get the same updates of new customers at once,
    in opposite orders, and the second a few more: the constraints decide who makes what."""
    monkeypatch.setattr(inbox_module, "CHUNK_ROWS", chunk_rows)
    updates = [message(user=str(500 + n), channel_id=channel_id) for n in range(20)]
    more = [message(user=str(600 + n), channel_id=channel_id) for n in range(5)]
    inboxes = [Inbox(InProcessBus()) for _ in range(2)]
    pending = [asyncio.ensure_future(inboxes[0].ingest([update])) for update in updates]
    pending += [asyncio.ensure_future(inboxes[1].ingest([update]))
                for update in [*reversed(updates), *more]]
    await asyncio.sleep(0)  # every request is queued: each writer takes one batch
    for each in inboxes:
        await each.start()
    try:
        results = await asyncio.gather(*pending)
    finally:
        for each in inboxes:
            await each.close()
    assert sum(len(stored) for stored in results) == 25
    for model in (Customer, Identity, Conversation, Message):
        assert await model.all().count() == 25


async def test_a_request_that_cannot_be_stored_does_not_fail_the_others_of_its_batch(channel_id):
    """The batch's transaction fails as a whole; its requests are then written one by one."""
    requests = [[message(user="1", channel_id=channel_id)],
                [message(user="2", channel_id=channel_id + 1000)],  # no such channel
                [message(user="3", channel_id=channel_id)]]
    inbox = Inbox(InProcessBus())
    pending = [asyncio.ensure_future(inbox.ingest(events)) for events in requests]
    await asyncio.sleep(0)  # every request is queued: they share one batch
    await inbox.start()
    try:
        first, failed, third = await asyncio.gather(*pending, return_exceptions=True)
    finally:
        await inbox.close()
    assert isinstance(failed, RuntimeError)
    assert [s.event.external_id for s in [*first, *third]] == ["1:1", "3:1"]
    assert await Message.all().count() == 2
    assert await Customer.all().count() == 2  # nothing is left of the one that failed
