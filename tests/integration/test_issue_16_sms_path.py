"""Issue 16, SMS end to end: Kavenegar's callbacks → stored → flow → outbox → FakeKavenegar,
delivery reports shown on the message, and a send repeated after a crash sent once."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from bots.typedefs import RUNTIME
from core.models import Conversation, Customer, Identity, Message, OptOut, OutboxItem
from tests.api.helpers import owner_token
from tests.fakes.kavenegar import API_KEY, LINE, PRICE_PER_PART, FakeKavenegar
from tests.integration.helpers import SECRET_HEADER, eventually, text_update
from tests.panel.helpers import log_in, make_user, post_form

SMS_SECRET = "sms-callback-secret-0123456789"  # noqa: S105 (a test value)


def sms_environment(api_base: str) -> MappingProxyType[str, str]:
    return MappingProxyType({
        "SMS_PROVIDER": "kavenegar", "SMS_WEBHOOK_SECRET": SMS_SECRET,
        "KAVENEGAR_API_KEY": API_KEY, "KAVENEGAR_SENDER": LINE,
        "KAVENEGAR_API_BASE": api_base, "SMS_SENDS_PER_SECOND": "0",
        "SMS_PRICE_PER_PART": str(PRICE_PER_PART),
    })


@pytest.fixture
async def sms_pasokh(aiohttp_client, settings, fake_kavenegar):
    from bots.runtime import create_app

    connected = settings.with_environment(**sms_environment(fake_kavenegar.base_url))
    client = await aiohttp_client(create_app(connected))
    fake_kavenegar.callback_url = str(client.make_url(f"/webhooks/sms/kavenegar/{SMS_SECRET}"))
    return client


async def _delivery(message_id: int, state: str) -> bool:
    return (await Message.get(id=message_id)).delivery == state


async def _bot_answer(fake: FakeKavenegar, receptor: str) -> Message:
    await fake.wait_for(lambda f: f.to(receptor))
    outbound = await Message.get(direction="out")
    await eventually(lambda: _delivery(outbound.id, "sent"), what="the send recorded")
    return await Message.get(id=outbound.id)


async def test_a_text_gets_the_bot_answer_by_text_with_a_numbered_menu(sms_pasokh,
                                                                        fake_kavenegar):
    assert await fake_kavenegar.receive("09121234567", "سلام") == 200
    answer = await _bot_answer(fake_kavenegar, "09121234567")
    (sent,) = fake_kavenegar.to("09121234567")
    assert sent.sender == LINE
    assert "۱. " in sent.message  # the welcome's buttons, written out
    assert answer.external_id == str(sent.messageid)
    identity = await Identity.get(external_id="989121234567")
    assert (await Customer.get(id=identity.customer_id)).phone == "989121234567"


async def test_delivery_reports_are_shown_on_the_message(sms_pasokh, fake_kavenegar):
    await fake_kavenegar.receive("09121234567", "سلام")
    answer = await _bot_answer(fake_kavenegar, "09121234567")
    assert await fake_kavenegar.report(int(answer.external_id), 10) == 200
    await eventually(lambda: _delivery(answer.id, "delivered"), what="delivered recorded")


async def test_a_recipient_who_blocks_service_lines_is_a_failed_delivery_with_a_reason(
    sms_pasokh, fake_kavenegar
):
    await fake_kavenegar.receive("09351112222", "سلام")
    answer = await _bot_answer(fake_kavenegar, "09351112222")
    await fake_kavenegar.report(int(answer.external_id), 14)
    await eventually(lambda: _delivery(answer.id, "failed"), what="the report recorded")
    assert "مسدود" in (await Message.get(id=answer.id)).delivery_error


@pytest.mark.parametrize("sender", ["+989121234567", "989121234567", "۰۹۱۲۱۲۳۴۵۶۷",
                                    "٠٩١٢١٢٣٤٥٦٧", "0912 123 4567"])
async def test_every_way_of_writing_a_number_is_one_customer(sms_pasokh, fake_kavenegar,
                                                             sender):
    await fake_kavenegar.receive("09121234567", "سلام")
    await fake_kavenegar.receive(sender, "هستید؟")
    await eventually(lambda: _count(Message.filter(direction="in"), 2), what="both stored")
    assert await Identity.all().count() == 1
    assert await Customer.all().count() == 1


async def test_a_text_lands_with_the_customer_known_by_that_number(sms_pasokh, fake_kavenegar):
    known = await Customer.create(display_name="مریم", phone="989127777777")
    await fake_kavenegar.receive("09127777777", "سلام، سفارشم کجاست؟")
    await eventually(lambda: Identity.filter(external_id="989127777777").exists(),
                     what="the identity made")
    identity = await Identity.get(external_id="989127777777")
    assert identity.customer_id == known.id
    assert await Customer.all().count() == 1


async def test_a_send_repeated_after_a_crash_is_not_a_second_text(sms_pasokh, fake_kavenegar):
    await fake_kavenegar.receive("09121234567", "سلام")
    answer = await _bot_answer(fake_kavenegar, "09121234567")
    # The process died after Kavenegar took the text, before the outcome was written: the
    # row is left claimed, and the next sender takes it over and sends it again.
    await OutboxItem.filter(message_id=answer.id).update(state="sending", send_started=True)
    runtime = sms_pasokh.app[RUNTIME]
    await runtime.outbox.reclaim()
    runtime.outbox.wake()
    await fake_kavenegar.wait_for(lambda f: f.answered.count(200) == 2)
    await eventually(lambda: _count(OutboxItem.filter(message_id=answer.id, state="sent"), 1),
                     what="the repeat recorded")
    assert len(fake_kavenegar.to("09121234567")) == 1
    assert (await Message.get(id=answer.id)).external_id == answer.external_id


async def test_no_credit_fails_the_reply_with_a_persian_reason(sms_pasokh, fake_kavenegar):
    fake_kavenegar.credit = 0
    await fake_kavenegar.receive("09121234567", "سلام")
    await eventually(lambda: Message.filter(direction="out").exists(), what="a reply stored")
    outbound = await Message.get(direction="out")
    await eventually(lambda: _delivery(outbound.id, "failed"), what="the refusal recorded")
    assert "اعتبار" in (await Message.get(id=outbound.id)).delivery_error
    assert fake_kavenegar.answered == [418]


@pytest.mark.parametrize("path", [
    f"kavenegar/{SMS_SECRET}x", "kavenegar/guess", f"ghasedak/{SMS_SECRET}", "kavenegar",
    f"x/kavenegar/{SMS_SECRET}"])
async def test_a_wrong_secret_or_provider_is_a_404_and_nothing_is_stored(sms_pasokh, path):
    response = await sms_pasokh.post(f"/webhooks/sms/{path}", data={
        "messageid": "1", "from": "09121234567", "to": LINE, "message": "سلام"})
    assert response.status == 404
    assert await Message.all().count() == 0


async def test_a_callback_that_is_not_kavenegars_is_a_400(sms_pasokh):
    response = await sms_pasokh.post(f"/webhooks/sms/kavenegar/{SMS_SECRET}",
                                     data={"hello": "world"})
    assert response.status == 400


async def _count(query, expected: int) -> bool:
    return await query.count() == expected


# --- the panel: replying by text, and the parts the reply box counts ------------------------


async def _agent(client) -> None:
    await make_user("agent@example.com", "owner")
    response = await log_in(client, "agent@example.com")
    assert response.status in (302, 303)


async def test_an_agent_answers_a_text_conversation_and_sees_its_parts_and_cost(
    sms_pasokh, fake_kavenegar
):
    await fake_kavenegar.receive("09121234567", "سلام")
    await _bot_answer(fake_kavenegar, "09121234567")
    conversation = await Conversation.get()
    await _agent(sms_pasokh)
    page = await (await sms_pasokh.get(f"/conversations/{conversation.id}")).text()
    assert 'id="parts-counter"' in page
    assert 'name="by_text"' not in page  # its replies are texts already
    counted = await post_form(sms_pasokh, f"/conversations/{conversation.id}/parts",
                              {"text": "س" * 71}, htmx=True)
    assert "۲ پیامک" in await counted.text()
    assert "۲۳۸۰ ریال" in await counted.text()  # 2 parts × 1,190 rials (SMS_PRICE_PER_PART)
    latin = await post_form(sms_pasokh, f"/conversations/{conversation.id}/parts",
                            {"text": "a" * 160}, htmx=True)
    assert "۱ پیامک" in await latin.text() and "GSM-7" in await latin.text()
    sent = await post_form(sms_pasokh, f"/conversations/{conversation.id}/reply",
                           {"text": "سفارش شما فردا می‌رسد."}, htmx=True)
    assert sent.status == 200
    await fake_kavenegar.wait_for(lambda f: any(t.message == "سفارش شما فردا می‌رسد."
                                                for t in f.sent))


async def test_an_agent_texts_a_messenger_customer_who_gave_a_phone_number(
    sms_pasokh, fake_kavenegar, settings
):
    response = await sms_pasokh.post("/webhooks/telegram", json=text_update(555, "سلام"),
                                     headers=SECRET_HEADER)
    assert response.status == 200
    conversation = await Conversation.get()
    await Customer.filter(id=conversation.customer_id).update(phone="989128888888")
    await _agent(sms_pasokh)
    page = await (await sms_pasokh.get(f"/conversations/{conversation.id}")).text()
    assert "۰۹۱۲۸۸۸۸۸۸۸" in page and 'name="by_text"' in page
    sent = await post_form(sms_pasokh, f"/conversations/{conversation.id}/reply",
                           {"text": "پیگیری سفارش: A-1001", "by_text": "1"}, htmx=True)
    assert sent.status == 200
    await fake_kavenegar.wait_for(lambda f: f.to("09128888888"))
    reply = await Message.get(text="پیگیری سفارش: A-1001")
    assert reply.conversation_id == conversation.id  # shown where the agent wrote it
    identity = await Identity.get(external_id="989128888888")
    assert identity.customer_id == conversation.customer_id
    await eventually(lambda: _delivery(reply.id, "sent"), what="the send recorded")
    # The customer answers by text: the same customer, whose history holds both.
    await fake_kavenegar.receive("09128888888", "ممنون")
    await eventually(lambda: Message.filter(text="ممنون").exists(), what="the answer stored")
    answer = await Message.get(text="ممنون")
    assert (await Conversation.get(id=answer.conversation_id)).customer_id == \
        conversation.customer_id


async def test_a_customer_without_a_number_cannot_be_texted(sms_pasokh):
    await sms_pasokh.post("/webhooks/telegram", json=text_update(556, "سلام"),
                          headers=SECRET_HEADER)
    conversation = await Conversation.get()
    await _agent(sms_pasokh)
    page = await (await sms_pasokh.get(f"/conversations/{conversation.id}")).text()
    assert 'name="by_text"' not in page and 'id="parts-counter"' not in page
    refused = await post_form(sms_pasokh, f"/conversations/{conversation.id}/reply",
                              {"text": "سلام", "by_text": "1"}, htmx=True)
    assert "شماره" in await refused.text()
    assert not await Message.filter(text="سلام", direction="out").exists()


# --- «۱۱» and «۱۲»: leaving the line's news, and coming back -------------------------------


@pytest.mark.parametrize(("leave", "back"), [("11", "12"), ("۱۱", "۱۲"), (" ١١ ", "١٢")])
async def test_eleven_opts_out_with_a_confirmation_and_twelve_back_in(sms_pasokh, fake_kavenegar,
                                                                       leave, back):
    await fake_kavenegar.receive("09121234567", "سلام")
    await _bot_answer(fake_kavenegar, "09121234567")
    await fake_kavenegar.receive("09121234567", leave)
    await fake_kavenegar.wait_for(lambda f: len(f.to("09121234567")) == 2)
    assert "۱۲" in fake_kavenegar.to("09121234567")[1].message
    customer = await Customer.get()
    assert await OptOut.filter(customer_id=customer.id, source="keyword").count() == 1
    await _agent(sms_pasokh)
    page = await (await sms_pasokh.get(f"/conversations/{(await Conversation.get()).id}")).text()
    assert "خبرها را در SMS 10004346 نمی‌خواهد" in page
    await fake_kavenegar.receive("09121234567", back)
    await fake_kavenegar.wait_for(lambda f: len(f.to("09121234567")) == 3)
    assert "۱۱" in fake_kavenegar.to("09121234567")[2].message
    assert not await OptOut.exists()


async def test_a_recipient_who_blocks_the_line_is_opted_out(sms_pasokh, fake_kavenegar):
    await fake_kavenegar.receive("09351112222", "سلام")
    answer = await _bot_answer(fake_kavenegar, "09351112222")
    await fake_kavenegar.report(int(answer.external_id), 14)
    await eventually(lambda: OptOut.exists(), what="the opt-out recorded")
    customer = await Customer.get()
    record = await OptOut.get()
    assert (record.customer_id, record.source) == (customer.id, "platform")
    # The API says it too.
    record = await (await sms_pasokh.get(f"/api/v1/customers/{customer.id}",
                                         headers=await owner_token())).json()
    assert record["opted_out_channel_ids"] == [answer.channel_id]


# --- proactive follow-ups by text ------------------------------------------------------------

FOLLOWUP_RULES = """
followups:
  - id: shipped
    event: order.shipped
    text: "{name} عزیز، سفارش {order_id} ارسال شد."
followup_limits:
  quiet_hours: ""
"""


async def test_a_follow_up_to_a_number_goes_by_text_with_the_opt_out_code(sms_pasokh,
                                                                          fake_kavenegar):
    """A customer known only by the number the shop gave: the follow-up goes by SMS, ends
    with «لغو۱۱»; their «لغو» opts them out, and the next follow-up is not sent."""
    from core import owner_config

    await owner_config.store(owner_config.parse(FOLLOWUP_RULES))
    headers = {**await owner_token(), "Content-Type": "application/json"}
    event = {"type": "order.shipped", "customer": {"phone": "۰۹۱۲۱۲۳۴۵۶۷"},
             "data": {"order_id": "A-1001", "name": "سارا"}}
    response = await sms_pasokh.post("/api/v1/events", json=event, headers=headers)
    assert response.status == 202, await response.text()
    await fake_kavenegar.wait_for(lambda f: f.to("09121234567"))
    (sent,) = fake_kavenegar.to("09121234567")
    assert sent.message == "سارا عزیز، سفارش A-1001 ارسال شد.\nلغو۱۱"
    await fake_kavenegar.receive("09121234567", "لغو")
    await fake_kavenegar.wait_for(lambda f: len(f.to("09121234567")) == 2)
    assert (await OptOut.get()).source == "keyword"
    event["data"]["order_id"] = "A-1002"
    response = await sms_pasokh.post("/api/v1/events", json=event, headers=headers)
    await eventually(lambda: _skipped(), what="the second follow-up skipped")
    assert len(fake_kavenegar.to("09121234567")) == 2


async def _skipped() -> bool:
    from core.models import Followup

    return await Followup.filter(reason="opted_out").exists()
