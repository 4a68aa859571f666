"""Issue 16, Bale: the whole path on Bale's Bot API (the fake in Bale mode): webhook at
/webhooks/bale/{secret} → stored → flow → outbox → the fake, and polling."""

from __future__ import annotations

import pytest

from bots.typedefs import RUNTIME
from core import owner_config
from core.models import Channel, Conversation, Message
from tests.fakes.telegram import BALE_API, FakeTelegram
from tests.integration.bale_helpers import BALE_SECRET, BALE_TOKEN, post_bale, with_bale
from tests.integration.helpers import button_update, eventually, text_update
from tests.panel.helpers import log_in, make_user, post_form

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
