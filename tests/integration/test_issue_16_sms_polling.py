"""Issue 16, SMS delivery reports where no callback brings them: the poller asks the
provider (FakeKavenegar, FakeGhasedak) about the texts still "sent", on a clock the test
moves, and what it learns lands on the message as a callback's would; and Ghasedak, which
calls back nothing, has its customers' texts fetched too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters import ADAPTERS
from adapters.base import PollFailed
from adapters.sms.ghasedak import GHASEDAK
from adapters.sms.kavenegar import KAVENEGAR
from adapters.sms.poller import SmsPoller
from adapters.sms.provider import Line
from bots.typedefs import RUNTIME
from core.events import ChannelCredentials, Platform
from core.models import Customer, Message, OptOut
from tests.fakes.base import ManualClock
from tests.fakes.clock import FakeClock
from tests.fakes.ghasedak import API_KEY as GHASEDAK_KEY
from tests.fakes.ghasedak import LINE as GHASEDAK_LINE
from tests.fakes.ghasedak import FakeGhasedak
from tests.fakes.kavenegar import API_KEY, LINE, FakeKavenegar
from tests.integration.helpers import eventually
from tests.integration.test_issue_16_sms_path import sms_environment


@pytest.fixture
async def kavenegar_pasokh(aiohttp_client, settings, fake_kavenegar):
    """A line whose callbacks bring the customers' texts; its delivery reports are polled
    by the test's own poller (SMS_POLLING=off keeps the runtime's out of the way)."""
    from bots.runtime import create_app

    connected = settings.with_environment(**sms_environment(fake_kavenegar.base_url),
                                          SMS_POLLING="off")
    client = await aiohttp_client(create_app(connected))
    fake_kavenegar.callback_url = str(client.make_url(
        f"/webhooks/sms/kavenegar/{connected.environment['SMS_WEBHOOK_SECRET']}"))
    return client


def _poller(client, provider, api_base: str, key: str, number: str, clock: FakeClock,
            **options) -> SmsPoller:
    runtime = client.app[RUNTIME]
    (channel,) = runtime.channels.of(Platform.SMS)
    line = Line(api_base=api_base, api_key=key, number=number)
    return SmsPoller(provider, line, runtime.session, channel_id=channel.channel_id,
                     clock=clock, **options)


async def _round(client, poller: SmsPoller, clock: FakeClock, offset: int = 0) -> int:
    """One round of the poller, stored as the runtime's loop stores it."""
    async with clock.jumping():
        polled = await poller.poll(offset)
    await client.app[RUNTIME].inbox.ingest(polled.events)
    return polled.next_offset


async def _answered(fake: FakeKavenegar, receptor: str) -> Message:
    await fake.receive(receptor, "سلام")
    await fake.wait_for(lambda f: f.to(receptor))
    outbound = await Message.get(direction="out")

    async def recorded() -> bool:
        return (await Message.get(id=outbound.id)).delivery == "sent"

    await eventually(recorded, what="the send recorded")
    return await Message.get(id=outbound.id)


async def test_a_delivery_is_learnt_by_asking_and_the_text_leaves_the_round(
        kavenegar_pasokh, fake_kavenegar):
    answer = await _answered(fake_kavenegar, "09121234567")
    clock = FakeClock()
    poller = _poller(kavenegar_pasokh, KAVENEGAR, fake_kavenegar.base_url, API_KEY, LINE,
                     clock)
    await _round(kavenegar_pasokh, poller, clock)  # no word from the operator yet
    assert fake_kavenegar.status_calls == [[answer.external_id]]
    assert (await Message.get(id=answer.id)).delivery == "sent"
    fake_kavenegar.settle(int(answer.external_id), 10)
    await _round(kavenegar_pasokh, poller, clock)
    assert (await Message.get(id=answer.id)).delivery == "delivered"
    await _round(kavenegar_pasokh, poller, clock)  # a final status: not asked about again
    assert len(fake_kavenegar.status_calls) == 2


async def test_a_recipient_who_blocks_the_line_is_failed_and_opted_out_by_polling(
        kavenegar_pasokh, fake_kavenegar):
    answer = await _answered(fake_kavenegar, "09351112222")
    fake_kavenegar.settle(int(answer.external_id), 14)
    clock = FakeClock()
    await _round(kavenegar_pasokh, _poller(kavenegar_pasokh, KAVENEGAR,
                                           fake_kavenegar.base_url, API_KEY, LINE, clock),
                 clock)
    stored = await Message.get(id=answer.id)
    assert stored.delivery == "failed"
    assert "مسدود" in stored.delivery_error
    assert (await OptOut.get()).customer_id == (await Customer.get()).id


async def test_a_text_past_the_age_limit_is_given_up(kavenegar_pasokh, fake_kavenegar):
    await _answered(fake_kavenegar, "09121234567")
    clock = FakeClock()
    poller = _poller(kavenegar_pasokh, KAVENEGAR, fake_kavenegar.base_url, API_KEY, LINE,
                     clock, max_age=timedelta(hours=24))
    clock.advance(timedelta(hours=25).total_seconds())
    await _round(kavenegar_pasokh, poller, clock)
    assert fake_kavenegar.status_calls == []


async def test_the_rounds_keep_their_pace_and_a_rate_limit_fails_one(kavenegar_pasokh,
                                                                     fake_kavenegar):
    await _answered(fake_kavenegar, "09121234567")
    clock = FakeClock()
    poller = _poller(kavenegar_pasokh, KAVENEGAR, fake_kavenegar.base_url, API_KEY, LINE,
                     clock, interval=30.0)
    before = clock.monotonic()
    await _round(kavenegar_pasokh, poller, clock)
    assert clock.monotonic() - before >= 30.0  # a round waits its pace on the clock
    fake_kavenegar.clock, fake_kavenegar.sends_per_second = ManualClock(), 1
    await _round(kavenegar_pasokh, poller, clock)  # the second's one call
    with pytest.raises(PollFailed, match="429"):
        await _round(kavenegar_pasokh, poller, clock)


def test_the_runtime_polls_only_where_nothing_calls_back(settings):
    sms = ADAPTERS[Platform.SMS]
    with_secret = ChannelCredentials(1, token=API_KEY, webhook_secret="s",  # noqa: S106
                                     key=f"kavenegar:{LINE}")
    without = ChannelCredentials(1, token=API_KEY, webhook_secret="",
                                 key=f"kavenegar:{LINE}")
    ghasedak = ChannelCredentials(1, token=GHASEDAK_KEY, webhook_secret="s",  # noqa: S106
                                  key=f"ghasedak:{GHASEDAK_LINE}")
    assert sms.poller(with_secret, None, settings) is None
    assert isinstance(sms.poller(without, None, settings), SmsPoller)
    assert isinstance(sms.poller(ghasedak, None, settings), SmsPoller)
    on = settings.with_environment(SMS_POLLING="on")
    off = settings.with_environment(SMS_POLLING="off")
    assert isinstance(sms.poller(with_secret, None, on), SmsPoller)
    assert sms.poller(ghasedak, None, off) is None


# --- Ghasedak: nothing is called back, everything is fetched ----------------------------


@pytest.fixture
async def fake_ghasedak():
    async with FakeGhasedak() as fake:
        yield fake


@pytest.fixture
async def ghasedak_pasokh(aiohttp_client, settings, fake_ghasedak):
    from bots.runtime import create_app

    connected = settings.with_environment(
        SMS_PROVIDER="ghasedak", GHASEDAK_API_KEY=GHASEDAK_KEY,
        GHASEDAK_LINE_NUMBER=GHASEDAK_LINE, GHASEDAK_API_BASE=fake_ghasedak.api_base,
        SMS_SENDS_PER_SECOND="0", SMS_POLLING="off")
    return await aiohttp_client(create_app(connected))


async def test_a_ghasedak_text_is_fetched_answered_and_its_delivery_learnt(ghasedak_pasokh,
                                                                          fake_ghasedak):
    clock = FakeClock()
    poller = _poller(ghasedak_pasokh, GHASEDAK, fake_ghasedak.api_base, GHASEDAK_KEY,
                     GHASEDAK_LINE, clock)
    received_id = fake_ghasedak.receive("+989121234567", "سلام")
    offset = await _round(ghasedak_pasokh, poller, clock)
    assert offset == received_id + 1
    await fake_ghasedak.wait_for(lambda f: f.to("09121234567"))
    (sent,) = fake_ghasedak.to("09121234567")
    assert "۱. " in sent.message  # the bot's welcome, its menu written out
    outbound = await Message.get(direction="out")

    async def recorded() -> bool:
        return (await Message.get(id=outbound.id)).delivery == "sent"

    await eventually(recorded, what="the send recorded")
    fake_ghasedak.report(sent.message_id, 14)
    assert await _round(ghasedak_pasokh, poller, clock, offset) == offset  # no new text
    assert (await Message.get(id=outbound.id)).delivery == "delivered"
    assert await Message.filter(direction="in").count() == 1  # the text fetched once
