"""The whole path on Telegram: webhook → stored → flow → outbox → the fake Bot API."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.models import Conversation, Identity, Message, OutboxItem
from tests.conftest import corpus_files
from tests.integration.helpers import (
    SECRET_HEADER,
    button_update,
    eventually,
    post_update,
    text_update,
)


async def test_every_corpus_payload_is_accepted(pasokh):
    for path in corpus_files("telegram"):
        response = await post_update(pasokh, path.read_bytes())
        assert response.status == 200, path.name


async def test_a_new_customer_gets_the_persian_welcome_with_a_menu(pasokh, fake_telegram):
    response = await post_update(pasokh, text_update(5001, "سلام"))
    assert response.status == 200
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(5001))
    (welcome,) = fake_telegram.sent_messages(5001)
    assert "خوش آمدید" in welcome["text"]
    markup = welcome["reply_markup"]
    if isinstance(markup, str):
        markup = json.loads(markup)
    assert markup["inline_keyboard"][0][0]["callback_data"] == "m:0"
    outbound = await Message.get(direction="out")
    await eventually(lambda: _delivery(outbound.id, "sent"), what="delivery recorded")


async def _delivery(message_id: int, state: str) -> bool:
    return (await Message.get(id=message_id)).delivery == state


async def test_pressing_talk_to_a_person_hands_over_and_the_bot_goes_quiet(pasokh, fake_telegram,
                                                                           app_clock):
    await post_update(pasokh, text_update(5002, "سلام"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(5002))
    assert (await post_update(pasokh, button_update(5002, "handoff"))).status == 200
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(5002)) == 2, timeout=8)
    assert "همکاران" in fake_telegram.sent_messages(5002)[1]["text"]
    await fake_telegram.wait_for(lambda fake: fake.calls_to("answerCallbackQuery"))
    conversation = await Conversation.get(chat_id="5002")
    assert conversation.status == "pending"
    assert conversation.handed_off_at is not None

    await post_update(pasokh, text_update(5002, "کسی هست؟"))
    await eventually(lambda: _all_processed(), what="the last message processed")
    # The engine writes a reply's outbox row with the message's processed mark: none came.
    assert await _replies_written("5002") == 2
    await app_clock.sleep(1.2)  # longer than the per-chat pace: a reply would have gone by now
    assert len(fake_telegram.sent_messages(5002)) == 2


async def _all_processed() -> bool:
    return not await Message.filter(direction="in", processed=False).exists()


async def _replies_written(chat_id: str) -> int:
    return await OutboxItem.filter(chat_id=chat_id, message_id__isnull=False).count()


async def test_a_redelivered_update_is_answered_once(pasokh, fake_telegram, app_clock):
    update = text_update(5003, "سلام")
    responses = await asyncio.gather(*(post_update(pasokh, update) for _ in range(5)))
    assert {r.status for r in responses} == {200}
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(5003))
    await eventually(_all_processed, what="processing")
    assert await _replies_written("5003") == 1
    await app_clock.sleep(1.2)  # a second reply would have gone by now
    assert len(fake_telegram.sent_messages(5003)) == 1
    assert await Message.filter(direction="in").count() == 1


async def test_a_customer_who_blocked_the_bot_is_not_written_to(pasokh, fake_telegram):
    fake_telegram.blocked_chats.add(5004)
    await post_update(pasokh, text_update(5004, "سلام"))
    await eventually(lambda: _identity_unreachable("5004"), what="identity marked unreachable")
    failed = await Message.get(direction="out", conversation__chat_id="5004")
    assert failed.delivery == "failed"
    assert "blocked" in failed.delivery_error


async def _identity_unreachable(external_id: str) -> bool:
    identity = await Identity.get_or_none(external_id=external_id)
    return bool(identity and identity.unreachable)


async def test_my_chat_member_kicked_stops_the_outbox(pasokh, fake_telegram):
    blocked = json.loads(next(p for p in corpus_files("telegram")
                              if p.stem == "my_chat_member_blocked").read_text())
    user = blocked["my_chat_member"]["from"]["id"]
    fake_telegram.blocked_chats.add(user)  # what Telegram would answer, were we to try
    await post_update(pasokh, text_update(user, "سلام"))
    assert (await post_update(pasokh, blocked)).status == 200
    await eventually(lambda: _identity_unreachable(str(user)), what="unreachable")


async def test_an_edit_updates_the_stored_text(pasokh, fake_telegram):
    original = text_update(5005, "سفارش ۱۲", message_id=77)
    await post_update(pasokh, original)
    edited = json.loads(json.dumps(original))
    edited["update_id"] += 10_000
    edited["edited_message"] = edited.pop("message")
    edited["edited_message"]["text"] = "سفارش ۱۲۳"
    edited["edited_message"]["edit_date"] = 1774080100
    assert (await post_update(pasokh, edited)).status == 200
    stored = await Message.get(external_id="5005:77")
    assert stored.text == "سفارش ۱۲۳"
    assert stored.revisions[0]["text"] == "سفارش ۱۲"


async def test_rate_limit_answer_is_honoured_and_the_reply_still_arrives(pasokh, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=429,
                            description="Too Many Requests: retry after 1", retry_after=1)
    await post_update(pasokh, text_update(5006, "سلام"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(5006), timeout=10)
    attempts = [c for c in fake_telegram.calls_to("sendMessage")
                if str(c.params.get("chat_id")) == "5006"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0


async def test_server_errors_are_retried(pasokh, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=502, description="Bad Gateway", times=2)
    await post_update(pasokh, text_update(5007, "سلام"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(5007), timeout=15)
    outbound = await Message.get(direction="out", conversation__chat_id="5007")
    await eventually(lambda: _delivery(outbound.id, "sent"), what="sent")
    item = await OutboxItem.get(message_id=outbound.id)
    assert item.attempts == 3


async def test_a_permanent_refusal_is_recorded_not_retried(pasokh, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    await post_update(pasokh, text_update(5008, "سلام"))
    await eventually(lambda: _has_failed("5008"), what="failure recorded")
    item = await OutboxItem.get(chat_id="5008")
    assert (item.state, item.attempts) == ("failed", 1)
    assert "chat not found" in item.last_error.lower()


async def _has_failed(chat_id: str) -> bool:
    return await OutboxItem.filter(chat_id=chat_id, state="failed").exists()


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, b"{}", 401),
        ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, b"{}", 403),
        (SECRET_HEADER, b"{not json", 400),
        (SECRET_HEADER, b'{"message": {}}', 400),
        (SECRET_HEADER, b"x" * (1024 * 1024 + 1), 413),
    ],
    ids=["missing-secret", "wrong-secret", "not-json", "not-an-update", "too-big"],
)
async def test_bad_requests_get_a_clear_answer_and_lose_nothing(pasokh, headers, body, status):
    assert (await post_update(pasokh, text_update(5010, "سلام"))).status == 200
    response = await post_update(pasokh, body, headers=headers)
    assert response.status == status
    assert "error" in await response.json()
    assert await Message.filter(direction="in").count() == 1


async def test_unknown_platform_is_404(pasokh):
    assert (await pasokh.post("/webhooks/myspace", data=b"{}")).status == 404


async def test_odd_but_valid_customers_are_welcomed(pasokh, fake_telegram):
    hostile_name = "\u202e<img src=x onerror=alert(1)>"
    update = text_update(5011, "\u200fسلام\u200b\u202e", first_name=hostile_name)
    assert (await post_update(pasokh, update)).status == 200
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(5011))
    identity = await Identity.get(external_id="5011")
    assert identity.display_name == hostile_name
    assert identity.username is None


async def test_healthz_answers_json(pasokh):
    response = await pasokh.get("/healthz")
    assert response.status == 200
    health = await response.json()
    assert health["status"] == "ok"
    assert health["search_index"] == {"state": "ready", "percent": 100}  # issue 19


async def test_issue_17_healthz_tells_no_channel_ids(pasokh):
    health = await (await pasokh.get("/healthz")).json()
    assert health["channels"] == {"telegram": 1}
