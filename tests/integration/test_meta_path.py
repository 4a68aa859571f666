"""WhatsApp and Instagram end to end: Meta's webhook → stored → flow → outbox → FakeMeta."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bots.typedefs import RUNTIME
from core import owner_config
from core.models import Conversation, Identity, Message
from tests.conftest import corpus_files
from tests.fakes.meta import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET, FakeMeta
from tests.integration.helpers import eventually
from tests.integration.meta_helpers import (
    INSTAGRAM_ACCOUNT_ID,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    ig_comment,
    ig_text,
    wa_status,
    wa_text,
)


@pytest.fixture
async def fake_meta(app_clock):
    async with FakeMeta(clock=app_clock.monotonic) as fake:
        yield fake


@pytest.fixture
async def meta_pasokh(aiohttp_client, settings, fake_meta, app_clock):
    from bots.runtime import create_app

    connected = settings.with_environment(
        META_APP_SECRET=DEFAULT_APP_SECRET,
        META_VERIFY_TOKEN=VERIFY_TOKEN,
        META_GRAPH_BASE=fake_meta.base_url,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
        INSTAGRAM_ACCOUNT_ID=INSTAGRAM_ACCOUNT_ID,
        INSTAGRAM_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
    )
    return await aiohttp_client(create_app(connected, clock=app_clock))


def _url(client, platform: str) -> str:
    return str(client.make_url(f"/webhooks/{platform}"))


@pytest.mark.parametrize("platform", ["whatsapp", "instagram"])
async def test_meta_verification_echoes_the_challenge_only_for_our_token(meta_pasokh, platform):
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8812"}
    response = await meta_pasokh.get(f"/webhooks/{platform}", params=query)
    assert (response.status, await response.text()) == (200, "8812")
    wrong = await meta_pasokh.get(f"/webhooks/{platform}",
                                  params={**query, "hub.verify_token": "guess"})
    assert wrong.status == 403
    assert (await meta_pasokh.get(f"/webhooks/{platform}")).status == 403


@pytest.mark.parametrize("platform", ["whatsapp", "instagram"])
async def test_unsigned_wrongly_signed_and_broken_bodies_are_refused(meta_pasokh, fake_meta,
                                                                      platform):
    body = b'{"object": "instagram", "entry": []}'
    url = f"/webhooks/{platform}"
    assert (await meta_pasokh.post(url, data=body)).status == 401
    forged = {"X-Hub-Signature-256": "sha256=" + "0" * 64}
    assert (await meta_pasokh.post(url, data=body, headers=forged)).status == 403
    broken = b"{not json"
    signed = {"X-Hub-Signature-256": fake_meta.sign(broken)}
    assert (await meta_pasokh.post(url, data=broken, headers=signed)).status == 400
    assert await Message.all().count() == 0


@pytest.mark.parametrize("platform", ["whatsapp", "instagram"])
async def test_every_corpus_payload_is_accepted(meta_pasokh, fake_meta, platform):
    for path in corpus_files(platform):
        body = path.read_bytes()
        headers = {"X-Hub-Signature-256": fake_meta.sign(body),
                   "Content-Type": "application/json"}
        response = await meta_pasokh.post(f"/webhooks/{platform}", data=body, headers=headers)
        assert response.status == 200, path.name


async def test_a_whatsapp_customer_gets_the_welcome_with_reply_buttons(meta_pasokh, fake_meta):
    status = await fake_meta.deliver(_url(meta_pasokh, "whatsapp"), wa_text("989121111111", "سلام"))
    assert status == 200
    await fake_meta.wait_for(lambda fake: fake.sent("whatsapp", to="989121111111"))
    (welcome,) = fake_meta.sent("whatsapp", to="989121111111")
    assert welcome["type"] == "interactive"
    assert welcome["interactive"]["type"] == "button"
    assert "خوش آمدید" in welcome["interactive"]["body"]["text"]
    outbound = await Message.get(direction="out")
    await eventually(lambda: _delivery(outbound.id, "sent"), what="the send recorded")


async def test_whatsapp_receipts_move_our_message_forward(meta_pasokh, fake_meta):
    url = _url(meta_pasokh, "whatsapp")
    await fake_meta.deliver(url, wa_text("989122222222", "سلام"))
    await fake_meta.wait_for(lambda fake: fake.sent("whatsapp", to="989122222222"))
    outbound = await Message.get(direction="out")
    await eventually(lambda: _delivery(outbound.id, "sent"), what="the send recorded")
    wamid = (await Message.get(id=outbound.id)).external_id
    assert wamid and wamid.startswith("wamid.")
    await fake_meta.deliver(url, wa_status("989122222222", wamid, "read"))
    await eventually(lambda: _delivery(outbound.id, "read"), what="read recorded")
    await fake_meta.deliver(url, wa_status("989122222222", wamid, "delivered"))
    assert (await Message.get(id=outbound.id)).delivery == "read"  # never backwards


async def test_a_reply_outside_the_whatsapp_window_is_refused_with_a_persian_reason(
    meta_pasokh, fake_meta
):
    a_day_and_more_ago = time.time() - 25 * 3600
    await fake_meta.deliver(_url(meta_pasokh, "whatsapp"),
                            wa_text("989123333333", "سلام", at=a_day_and_more_ago))
    await eventually(lambda: Message.filter(direction="out").exists(), what="the reply stored")
    outbound = await Message.get(direction="out")
    await eventually(lambda: _delivery(outbound.id, "failed"), what="the refusal recorded")
    refused = await Message.get(id=outbound.id)
    assert "۲۴ ساعت" in refused.delivery_error
    assert not fake_meta.sent("whatsapp", to="989123333333")


async def test_an_instagram_customer_gets_quick_replies_without_the_human_agent_tag(
    meta_pasokh, fake_meta
):
    await fake_meta.deliver(_url(meta_pasokh, "instagram"), ig_text("200000000000777", "سلام"))
    await fake_meta.wait_for(lambda fake: fake.sent("instagram", to="200000000000777"))
    (welcome,) = fake_meta.sent("instagram", to="200000000000777")
    assert welcome["messaging_type"] == "RESPONSE"
    assert "tag" not in welcome
    assert welcome["message"]["quick_replies"][0]["payload"] == "m:0"
    assert welcome["message"]["text"].startswith("این پاسخ خودکار است.")

    await fake_meta.deliver(_url(meta_pasokh, "instagram"), ig_text("200000000000777", "منو"))
    await fake_meta.wait_for(lambda fake: len(fake.sent("instagram", to="200000000000777")) == 2)
    second = fake_meta.sent("instagram", to="200000000000777")[1]
    assert "خودکار" not in second["message"]["text"]  # said once, at the start


async def test_a_comment_is_answered_by_a_private_reply(meta_pasokh, fake_meta):
    await fake_meta.deliver(_url(meta_pasokh, "instagram"),
                            ig_comment("200000000000888", "17900000000000001", "قیمتش چنده؟"))
    await fake_meta.wait_for(lambda fake: fake.calls_to("instagram.messages"))
    (call,) = fake_meta.calls_to("instagram.messages")
    assert call.body["recipient"] == {"comment_id": "17900000000000001"}
    conversation = await Conversation.get(chat_id="200000000000888")
    identity = await Identity.get(id=conversation.identity_id)
    assert identity.external_id == "200000000000888"


async def _delivery(message_id: int, state: str) -> bool:
    return (await Message.get(id=message_id)).delivery == state


BIG_MENU = "menu:\n" + "".join(
    f"  - title: موضوع {n}\n    reply: پاسخ شماره {n}\n" for n in range(1, 12)
)


async def test_a_menu_too_big_for_whatsapp_is_numbered_and_a_persian_digit_picks(
    meta_pasokh, fake_meta
):
    await owner_config.store(owner_config.parse(BIG_MENU))
    await meta_pasokh.app[RUNTIME].flows.refresh()
    url = _url(meta_pasokh, "whatsapp")
    await fake_meta.deliver(url, wa_text("989124444444", "سلام"))
    await fake_meta.wait_for(lambda fake: fake.sent("whatsapp", to="989124444444"))
    (menu,) = fake_meta.sent("whatsapp", to="989124444444")
    assert menu["type"] == "text"  # 11 entries and more: no list fits
    assert "\n۲. موضوع 2" in menu["text"]["body"]

    await fake_meta.deliver(url, wa_text("989124444444", "۲"))
    await fake_meta.wait_for(lambda fake: len(fake.sent("whatsapp", to="989124444444")) == 2,
                             timeout=12)  # WhatsApp's pace to one customer is ~6 s
    answer = fake_meta.sent("whatsapp", to="989124444444")[1]
    assert "پاسخ شماره 2" in str(answer)


async def test_an_agent_reply_does_not_reopen_the_whatsapp_window(meta_pasokh, fake_meta):
    """Only the customer's own message opens the window: an agent writing later (which moves
    the conversation's activity time) must not make the outbox let a late reply through."""
    a_day_and_more_ago = time.time() - 25 * 3600
    await fake_meta.deliver(_url(meta_pasokh, "whatsapp"),
                            wa_text("989125555555", "سلام", at=a_day_and_more_ago))
    await eventually(lambda: Message.filter(direction="out").exists(), what="the reply stored")
    conversation = await Conversation.get(chat_id="989125555555")
    conversation.last_message_at = datetime.now(UTC)  # as the panel does for a reply
    await conversation.save(update_fields=["last_message_at"])
    outbound = await Message.get(direction="out")
    await eventually(lambda: _delivery(outbound.id, "failed"), what="the refusal recorded")
    assert not fake_meta.sent("whatsapp", to="989125555555")


@pytest.mark.parametrize("platform", ["whatsapp", "instagram"])
async def test_a_body_over_one_mebibyte_is_refused_and_nothing_is_stored(meta_pasokh, fake_meta,
                                                                         platform):
    body = b'{"object": "instagram", "entry": [], "pad": "' + b"x" * (1024 * 1024) + b'"}'
    headers = {"X-Hub-Signature-256": fake_meta.sign(body), "Content-Type": "application/json"}
    response = await meta_pasokh.post(f"/webhooks/{platform}", data=body, headers=headers)
    assert response.status == 413
    assert await Message.all().count() == 0
