"""What else an agent does, through the API over real HTTP: notes, labels, snooze, WhatsApp
templates, and following the inbox live."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from admin_panel.api import views
from core.api_tokens import revoke_token
from core.models import ApiToken, Conversation, Message, OutboxItem
from core.owner_config import parse, store
from tests.api.helpers import owner_token, telegram_conversation
from tests.api.test_http import _problem
from tests.integration.helpers import eventually, post_update, text_update
from tests.integration.meta_helpers import wa_text
from tests.integration.test_meta_path import fake_meta, meta_pasokh  # noqa: F401 (fixtures)

TEMPLATES = ("whatsapp_templates:\n  - name: order_update\n    language: fa\n"
             "    parameters: 1\n    description: سفارش {{1}} ارسال شد.\n")


async def test_notes_are_kept_for_agents_and_never_sent(pasokh, fake_telegram):
    headers = await owner_token()
    conversation_id = await telegram_conversation(pasokh, 7301)
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(7301))  # the welcome
    notes = f"/api/v1/conversations/{conversation_id}/notes"
    outbox_before = await OutboxItem.all().count()

    created = await pasokh.post(notes, json={"text": "  مشتری ویژه است  "}, headers=headers)
    assert created.status == 201, await created.text()
    note = await created.json()
    assert (note["text"], note["conversation_id"]) == ("مشتری ویژه است", conversation_id)
    assert note["author_name"] == "owner@example.com"
    second = await (await pasokh.post(notes, json={"text": "پیگیری فردا"},
                                      headers=headers)).json()

    page = await (await pasokh.get(notes, params={"limit": "1"}, headers=headers)).json()
    assert [n["id"] for n in page["items"]] == [note["id"]]
    rest = await (await pasokh.get(notes, params={"cursor": page["next_cursor"]},
                                   headers=headers)).json()
    assert ([n["id"] for n in rest["items"]], rest["next_cursor"]) == ([second["id"]], None)

    problem = await _problem(await pasokh.post(notes, json={"text": "   "}, headers=headers), 422)
    assert problem["detail"] == "Write the note first."
    await _problem(await pasokh.post(notes, json={"text": "x" * 10_001}, headers=headers), 422)
    await _problem(await pasokh.post("/api/v1/conversations/999999/notes", json={"text": "x"},
                                     headers=headers), 404)
    # A note is not a message and never goes to the customer.
    assert await OutboxItem.all().count() == outbox_before
    assert not await Message.filter(text="مشتری ویژه است").exists()


async def test_labels_are_added_filtered_on_and_removed(pasokh):
    headers = await owner_token()
    first = await telegram_conversation(pasokh, 7302)
    second = await telegram_conversation(pasokh, 7303)
    labels = f"/api/v1/conversations/{first}/labels"

    labelled = await pasokh.post(labels, json={"name": " مشتری\u200c ویژه "}, headers=headers)
    assert labelled.status == 200, await labelled.text()
    assert (await labelled.json())["labels"] == ["مشتری ویژه"]
    again = await (await pasokh.post(labels, json={"name": "مشتری ویژه"},
                                     headers=headers)).json()
    assert again["labels"] == ["مشتری ویژه"]  # adding it twice changes nothing
    await pasokh.post(f"/api/v1/conversations/{second}/labels", json={"name": "مرجوعی"},
                      headers=headers)

    in_use = await (await pasokh.get("/api/v1/labels", headers=headers)).json()
    assert in_use == {"items": ["مرجوعی", "مشتری ویژه"]}
    page = await (await pasokh.get("/api/v1/conversations", params={"label": "مشتری ویژه"},
                                   headers=headers)).json()
    assert [(c["id"], c["labels"]) for c in page["items"]] == [(first, ["مشتری ویژه"])]

    removed = await pasokh.delete(f"{labels}/{quote('مشتری ویژه')}", headers=headers)
    assert removed.status == 200
    assert (await removed.json())["labels"] == []
    assert (await pasokh.delete(f"{labels}/{quote('ناموجود')}", headers=headers)).status == 200
    await _problem(await pasokh.post(labels, json={"name": "x" * 65}, headers=headers), 422)
    await _problem(await pasokh.post(labels, json={"name": "\u200c "}, headers=headers), 422)


async def test_snooze_until_a_time_then_reopen(pasokh):
    headers = await owner_token()
    conversation_id = await telegram_conversation(pasokh, 7304)
    path = f"/api/v1/conversations/{conversation_id}"
    until = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)

    snoozed = await pasokh.post(f"{path}/snooze", json={"until": until.isoformat()},
                                headers=headers)
    assert snoozed.status == 200, await snoozed.text()
    conversation = await snoozed.json()
    assert conversation["status"] == "snoozed"
    assert datetime.fromisoformat(conversation["snoozed_until"]) == until
    page = await (await pasokh.get("/api/v1/conversations", params={"status": "snoozed"},
                                   headers=headers)).json()
    assert [c["id"] for c in page["items"]] == [conversation_id]

    reopened = await (await pasokh.post(f"{path}/reopen", headers=headers)).json()
    assert (reopened["status"], reopened["snoozed_until"]) == ("pending", None)

    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    problem = await _problem(await pasokh.post(f"{path}/snooze", json={"until": past},
                                               headers=headers), 422)
    assert problem["detail"] == "Choose a time in the future."
    naive = until.replace(tzinfo=None).isoformat()
    await _problem(await pasokh.post(f"{path}/snooze", json={"until": naive},
                                     headers=headers), 422)
    await _problem(await pasokh.post(f"{path}/snooze", json={"until": "tomorrow"},
                                     headers=headers), 422)
    assert (await Conversation.get(id=conversation_id)).status == "pending"


async def test_after_whatsapps_window_a_template_goes_through_the_api(
    meta_pasokh, fake_meta,  # noqa: F811 (the fixtures imported above)
):
    headers = await owner_token()
    await store(parse(TEMPLATES))
    a_day_and_more_ago = time.time() - 25 * 3600
    await fake_meta.deliver(str(meta_pasokh.make_url("/webhooks/whatsapp")),
                            wa_text("989125555555", "سلام", at=a_day_and_more_ago))
    await eventually(lambda: Conversation.exists(chat_id="989125555555"), what="conversation")
    conversation_id = (await Conversation.get(chat_id="989125555555")).id
    path = f"/api/v1/conversations/{conversation_id}"

    conversation = await (await meta_pasokh.get(path, headers=headers)).json()
    assert conversation["reply_window"] == {"closed": True, "hours": 24,
                                            "templates_allowed": True}
    listed = await (await meta_pasokh.get("/api/v1/templates", headers=headers)).json()
    assert listed == {"items": [{"name": "order_update", "language": "fa", "parameters": 1,
                                 "description": "سفارش {{1}} ارسال شد."}]}
    problem = await _problem(await meta_pasokh.post(f"{path}/replies", json={"text": "سلام"},
                                                    headers=headers), 422)
    assert "too long ago" in problem["detail"]
    problem = await _problem(await meta_pasokh.post(
        f"{path}/templates", json={"name": "order_update", "language": "fa", "parameters": []},
        headers=headers), 422)
    assert problem["detail"] == "Fill in every part of the template."

    sent = await meta_pasokh.post(
        f"{path}/templates",
        json={"name": "order_update", "language": "fa", "parameters": ["۱۲۳۴"]},
        headers=headers)
    assert sent.status == 201, await sent.text()
    message = await sent.json()
    assert (message["text"], message["author"]) == ("سفارش ۱۲۳۴ ارسال شد.", "agent")

    def templates_sent(fake) -> list[dict]:
        return [b for b in fake.sent("whatsapp", to="989125555555") if b["type"] == "template"]

    await fake_meta.wait_for(templates_sent)
    assert templates_sent(fake_meta)[0]["template"]["name"] == "order_update"


async def test_a_telegram_conversation_takes_no_template(pasokh):
    headers = await owner_token()
    await store(parse(TEMPLATES))
    conversation_id = await telegram_conversation(pasokh, 7305)
    conversation = await (await pasokh.get(f"/api/v1/conversations/{conversation_id}",
                                           headers=headers)).json()
    assert conversation["reply_window"] == {"closed": False, "hours": 0,
                                            "templates_allowed": False}
    problem = await _problem(await pasokh.post(
        f"/api/v1/conversations/{conversation_id}/templates",
        json={"name": "order_update", "language": "fa", "parameters": ["۱"]},
        headers=headers), 422)
    assert problem["detail"] == "This channel does not take templates."
    assert not await Message.filter(author="agent").exists()


async def _next_event(stream) -> tuple[str, dict]:
    while True:
        block = (await asyncio.wait_for(stream.content.readuntil(b"\n\n"), 10)).decode()
        fields = dict(line.split(": ", 1) for line in block.strip().splitlines()
                      if ": " in line and not line.startswith(":"))
        if "event" in fields:
            return fields["event"], json.loads(fields["data"])


async def test_events_follow_the_inbox_until_the_token_is_revoked(pasokh, monkeypatch):
    monkeypatch.setattr(views, "TOKEN_RECHECK_SECONDS", 0.2)
    headers = await owner_token()
    refused = await pasokh.get("/api/v1/events")
    await _problem(refused, 401)

    stream = await pasokh.get("/api/v1/events", headers=headers)
    assert stream.status == 200
    assert stream.headers["Content-Type"] == "text/event-stream"
    await post_update(pasokh, text_update(7306, "سلام"))
    topic, data = await _next_event(stream)
    assert topic == "message.new"
    conversation = await Conversation.get(chat_id="7306")
    assert data["conversation_id"] == conversation.id

    token = await ApiToken.get()
    await revoke_token(token.id)
    # The stream ends by itself once the token no longer works.
    rest = await asyncio.wait_for(stream.content.read(), 10)
    assert stream.content.at_eof(), rest
