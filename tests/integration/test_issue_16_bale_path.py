"""Issue 16, Bale: the whole path on Bale's Bot API (the fake in Bale mode): webhook at
/webhooks/bale/{secret} → stored → flow → outbox → the fake, and polling."""

from __future__ import annotations

import hashlib
import time

import pytest

from bots.typedefs import RUNTIME
from core import owner_config
from core.media import media_path
from core.models import Channel, Conversation, Message
from tests.fakes.telegram import BALE_API, FakeTelegram
from tests.integration.bale_helpers import BALE_SECRET, BALE_TOKEN, post_bale, with_bale
from tests.integration.helpers import button_update, eventually, text_update
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.owner_helpers import as_owner

SHOP = """\
faq:
  - id: return-policy
    question: چطور کالا را مرجوع کنم؟
    answer: تا ۷ روز پس از تحویل می‌توانید مرجوع کنید.
"""


@pytest.fixture
async def fake_bale():
    async with FakeTelegram(tokens=[BALE_TOKEN], dialect=BALE_API) as fake:
        yield fake


@pytest.fixture
async def bale_pasokh(aiohttp_client, settings, fake_bale):
    from bots.runtime import create_app

    return await aiohttp_client(create_app(with_bale(settings, fake_bale)))


async def test_a_bale_customer_gets_the_persian_welcome_with_a_menu(bale_pasokh, fake_bale):
    assert (await post_bale(bale_pasokh, text_update(3001, "سلام"))).status == 200
    await fake_bale.wait_for(lambda fake: fake.sent_messages(3001))
    (welcome,) = fake_bale.sent_messages(3001)
    assert "خوش آمدید" in welcome["text"]
    assert welcome["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "m:0"
    stored = await Message.get(direction="in")
    conversation = await Conversation.get(id=stored.conversation_id).prefetch_related("channel")
    assert conversation.channel.platform == "bale"
    await eventually(lambda: _sent(direction="out"), what="the welcome's delivery recorded")


async def _sent(**which: str) -> bool:
    return (await Message.get(**which)).delivery == "sent"


async def test_a_bale_customer_gets_a_faq_answer(bale_pasokh, fake_bale):
    await owner_config.store(owner_config.parse(SHOP))
    await bale_pasokh.app[RUNTIME].flows.refresh()
    await post_bale(bale_pasokh, text_update(3002, "سلام"))
    await fake_bale.wait_for(lambda fake: fake.sent_messages(3002))
    await post_bale(bale_pasokh, text_update(3002, "چطوری کالا رو مرجوع کنم؟"))
    await fake_bale.wait_for(lambda fake: len(fake.sent_messages(3002)) == 2, timeout=8)
    assert fake_bale.sent_messages(3002)[1]["text"].startswith("تا ۷ روز")


async def test_a_bale_customer_is_handed_to_a_person_and_the_agent_reply_arrives(
        bale_pasokh, fake_bale):
    await make_user("agent@example.com")
    await post_bale(bale_pasokh, text_update(3003, "سلام"))
    await fake_bale.wait_for(lambda fake: fake.sent_messages(3003))
    assert (await post_bale(bale_pasokh, button_update(3003, "handoff"))).status == 200
    await fake_bale.wait_for(lambda fake: len(fake.sent_messages(3003)) == 2, timeout=8)
    assert "همکاران" in fake_bale.sent_messages(3003)[1]["text"]
    await fake_bale.wait_for(lambda fake: fake.calls_to("answerCallbackQuery"))
    conversation = await Conversation.get(chat_id="3003")
    assert conversation.status == "pending"

    await log_in(bale_pasokh, "agent@example.com")
    page = await (await bale_pasokh.get("/")).text()
    assert 'class="platform platform-bale"' in page
    response = await post_form(bale_pasokh, f"/conversations/{conversation.id}/reply",
                               {"text": "سلام، من سارا هستم"}, htmx=True)
    assert response.status == 200
    await fake_bale.wait_for(
        lambda fake: any(m["text"] == "سلام، من سارا هستم" for m in fake.sent_messages(3003)),
        timeout=8)
    await eventually(lambda: _sent(author="agent"), what="the reply's delivery recorded")


@pytest.mark.parametrize("path", [
    "/webhooks/bale/wrong-secret",
    "/webhooks/bale",
    f"/webhooks/bale/{BALE_SECRET}/more",
    f"/webhooks/bale/{BALE_SECRET[:-1]}",
], ids=["wrong", "missing", "extra-segment", "prefix"])
async def test_issue_16_a_wrong_or_missing_secret_is_a_404_and_stores_nothing(
        bale_pasokh, path):
    response = await bale_pasokh.post(path, json=text_update(3004, "سلام"))
    assert response.status == 404
    assert not await Message.exists()


async def test_issue_16_a_bad_body_behind_the_right_secret_is_a_400(bale_pasokh):
    assert (await post_bale(bale_pasokh, b"{not json")).status == 400


async def test_issue_16_healthz_counts_the_bale_channel(bale_pasokh):
    health = await (await bale_pasokh.get("/healthz")).json()
    assert health["channels"] == {"telegram": 1, "bale": 1}


@pytest.fixture
async def polling_bale_pasokh(aiohttp_client, settings, fake_bale):
    from bots.runtime import create_app

    return await aiohttp_client(create_app(with_bale(settings, fake_bale, BALE_MODE="polling")))


async def test_bale_polling_answers_and_sends_no_update_filter(polling_bale_pasokh, fake_bale):
    fake_bale.push_update(text_update(3005, "سلام"))
    await fake_bale.wait_for(lambda fake: fake.sent_messages(3005), timeout=10)
    assert "خوش آمدید" in fake_bale.sent_messages(3005)[0]["text"]
    assert fake_bale.calls_to("deleteWebhook")
    polls = fake_bale.calls_to("getUpdates")
    assert polls and all("allowed_updates" not in call.params for call in polls)
    stored = await Message.get(direction="in")
    assert stored.external_id.startswith("3005:")
    channel = await Channel.get(platform="bale")
    await eventually(lambda: _offset_moved(channel.id), what="offset saved")


async def _offset_moved(channel_id: int) -> bool:
    return (await Channel.get(id=channel_id)).poll_offset > 0


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4


async def test_a_photo_sent_on_bale_is_fetched_from_bales_file_server(bale_pasokh, fake_bale,
                                                                      settings):
    fake_bale.add_file("bale-photo-1", JPEG, "photos/file_1.jpg")
    update = {"update_id": 71001, "message": {
        "message_id": 12, "date": int(time.time()), "chat": {"id": 3006, "type": "private"},
        "from": {"id": 3006, "is_bot": False, "first_name": "Sara"},
        "photo": [{"file_id": "bale-photo-1", "file_unique_id": "u1", "width": 90,
                   "height": 90, "file_size": len(JPEG)}]}}
    assert (await post_bale(bale_pasokh, update)).status == 200
    await eventually(lambda: _stored_media("3006:12"), what="the Bale photo fetched")
    stored = (await Message.get(external_id="3006:12")).media
    assert stored["stored"] == hashlib.sha256(JPEG).hexdigest()
    assert media_path(settings, stored["stored"]).read_bytes() == JPEG


async def _stored_media(external_id: str) -> bool:
    message = await Message.get_or_none(external_id=external_id)
    return bool(message and message.media and "stored" in message.media)


async def test_issue_16_the_inbox_and_kpi_filters_offer_the_bale_channel(bale_pasokh, fake_bale):
    await post_bale(bale_pasokh, text_update(3007, "سلام"))
    await fake_bale.wait_for(lambda fake: fake.sent_messages(3007))
    bale = await Channel.get(platform="bale")
    await as_owner(bale_pasokh)
    inbox = await (await bale_pasokh.get("/")).text()
    assert f'<option value="{bale.id}"' in inbox and ">بله</option>" in inbox
    only_bale = await (await bale_pasokh.get(f"/?channel={bale.id}")).text()
    assert 'class="platform platform-bale"' in only_bale
    kpis = await bale_pasokh.get(f"/owner/kpis?channel={bale.id}")
    assert kpis.status == 200 and "بله" in await kpis.text()
    badges = await (await bale_pasokh.get("/platforms.css")).text()
    assert ".platform-bale" in badges
