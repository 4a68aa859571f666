"""Issue 17: a message's unique key includes its direction. The soak lost a customer's message
when it arrived (redelivered after a kill) after the bot's reply in the same chat had been given
the same id: `(channel, external_id)` took it for a redelivery of our own message."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.events import EventKind
from core.models import Message
from tests.core.test_inbox import _our_message, channel_id, inbox, message, receipt  # noqa: F401

pytestmark = pytest.mark.usefixtures("any_database")


async def test_a_late_customer_message_is_not_shadowed_by_our_reply_with_its_id(
        inbox, channel_id):  # noqa: F811
    await inbox.ingest([message("دومی", message_id=2, channel_id=channel_id)])
    ours = await _our_message(channel_id, "42:1")  # the welcome, numbered 1 by the platform

    stored = await inbox.ingest([message("اولی", message_id=1, channel_id=channel_id)])

    assert [item.event.text for item in stored] == ["اولی"]
    rows = await Message.filter(external_id="42:1").order_by("id").values_list(
        "id", "direction", "text")
    assert rows == [(ours, "out", "پاسخ"), (stored[0].message_id, "in", "اولی")]
    assert await inbox.ingest([message("اولی", message_id=1, channel_id=channel_id)]) == []


async def test_edits_and_deletions_touch_the_customer_message_not_ours(
        inbox, channel_id):  # noqa: F811
    ours = await _our_message_after_first_message(inbox, channel_id, "42:2")
    (theirs,) = await inbox.ingest([message("پیام", message_id=2, channel_id=channel_id)])

    await inbox.ingest([message("پیام درست", message_id=2, channel_id=channel_id,
                                kind=EventKind.EDIT)])
    await inbox.ingest([message(None, message_id=2, channel_id=channel_id,
                                kind=EventKind.DELETE)])

    customer = await Message.get(id=theirs.message_id)
    assert customer.text == "پیام درست" and len(customer.revisions) == 2
    ours_row = await Message.get(id=ours)
    assert (ours_row.text, ours_row.revisions) == ("پاسخ", [])


async def test_a_receipt_marks_our_message_not_the_customer_one_with_its_id(
        inbox, channel_id):  # noqa: F811
    ours = await _our_message_after_first_message(inbox, channel_id, "42:2", delivery="sent")
    (theirs,) = await inbox.ingest([message(message_id=2, channel_id=channel_id)])

    await inbox.ingest([receipt(channel_id, "42:2", "delivered")])

    assert (await Message.get(id=ours)).delivery == "delivered"
    assert (await Message.get(id=theirs.message_id)).delivery is None


async def test_an_echo_of_ours_is_still_stored_once_beside_a_customer_message_with_its_id(
        inbox, channel_id):  # noqa: F811
    await _our_message_after_first_message(inbox, channel_id, "42:2")
    await inbox.ingest([message(message_id=2, channel_id=channel_id)])
    echo = replace(message("پاسخ", channel_id=channel_id, kind=EventKind.ECHO),
                   external_id="42:2")

    await inbox.ingest([echo, echo])

    assert sorted(await Message.filter(external_id="42:2").values_list(
        "direction", flat=True)) == ["in", "out"]


async def _our_message_after_first_message(inbox, channel_id, external_id,  # noqa: F811
                                           delivery="sent"):
    await inbox.ingest([message("سلام", message_id=1, channel_id=channel_id)])
    return await _our_message(channel_id, external_id, delivery)
