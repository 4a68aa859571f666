"""Issue 16, SMS end to end: Kavenegar's callbacks → stored → flow → outbox → FakeKavenegar,
delivery reports shown on the message, and a send repeated after a crash sent once."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from bots.typedefs import RUNTIME
from core.models import Customer, Identity, Message, OutboxItem
from tests.fakes.kavenegar import API_KEY, LINE, FakeKavenegar
from tests.integration.helpers import eventually

SMS_SECRET = "sms-callback-secret-0123456789"  # noqa: S105 (a test value)


def sms_environment(api_base: str) -> MappingProxyType[str, str]:
    return MappingProxyType({
        "SMS_PROVIDER": "kavenegar", "SMS_WEBHOOK_SECRET": SMS_SECRET,
        "KAVENEGAR_API_KEY": API_KEY, "KAVENEGAR_SENDER": LINE,
        "KAVENEGAR_API_BASE": api_base, "SMS_SENDS_PER_SECOND": "0",
    })


@pytest.fixture
async def fake_kavenegar():
    async with FakeKavenegar() as fake:
        yield fake


@pytest.fixture
async def sms_pasokh(aiohttp_client, settings, fake_kavenegar):
    from bots.runtime import create_app

    connected = replace(settings, environment=sms_environment(fake_kavenegar.base_url))
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
    await OutboxItem.filter(message_id=answer.id).update(state="sending")
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
