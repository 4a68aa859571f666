"""Issue 16: the SMS providers against real HTTP — Kavenegar's fake, and a stand-in that
answers as Ghasedak does — and what each answer means for the outbox."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from adapters.base import BadPayload, PollFailed, WebhookRejected, WebhookRequest
from adapters.sms import SMS, channel_key
from adapters.sms.ghasedak import GHASEDAK
from adapters.sms.kavenegar import KAVENEGAR
from adapters.sms.provider import Line, Received, Report
from core.delivery import PermanentError, RetryLater, TransientError
from core.events import ChannelCredentials, EventKind, OutboundMessage, Platform
from core.settings import Settings
from tests.fakes.base import ManualClock
from tests.fakes.ghasedak import API_KEY as GHASEDAK_KEY
from tests.fakes.ghasedak import LINE as GHASEDAK_LINE
from tests.fakes.ghasedak import FakeGhasedak
from tests.fakes.kavenegar import API_KEY, LINE, FakeKavenegar


@pytest.fixture
async def fake():
    async with FakeKavenegar() as server:
        yield server


def _line(fake: FakeKavenegar, key: str = API_KEY, number: str = LINE) -> Line:
    return Line(api_base=fake.base_url, api_key=key, number=number)


async def _send(session, line, receptor="09121234567", text="سلام", local_id=1):
    return await KAVENEGAR.send(session, line, receptor=receptor, text=text, local_id=local_id)


async def test_kavenegar_sends_and_answers_a_repeated_localid_with_the_first_text(fake,
                                                                                  session):
    first = await _send(session, _line(fake), local_id=41)
    again = await _send(session, _line(fake), local_id=41)
    assert first == again
    assert len(fake.sent) == 1
    assert fake.sent[0].localid == "41"


@pytest.mark.parametrize(("change", "reason"), [
    ({"key": "wrong"}, "کلید API"),
    ({"number": "3000"}, "خط فرستنده"),
    ({"receptor": "0212345678"}, "شمارهٔ همراه معتبری نیست"),
    ({"text": "  "}, "خالی"),
])
async def test_kavenegar_refusals_are_permanent_with_persian_reasons(fake, session, change,
                                                                     reason):
    line = _line(fake, key=change.get("key", API_KEY), number=change.get("number", LINE))
    with pytest.raises(PermanentError, match=reason):
        await _send(session, line, receptor=change.get("receptor", "09121234567"),
                    text=change.get("text", "سلام"))
    assert fake.sent == []


async def test_kavenegar_no_credit_is_permanent(fake, session):
    fake.credit = 100
    with pytest.raises(PermanentError, match="اعتبار"):
        await _send(session, _line(fake))


async def test_kavenegar_rate_limit_asks_the_outbox_to_back_off(fake, session):
    clock = ManualClock()
    fake.sends_per_second, fake.clock = 1, clock
    await _send(session, _line(fake), local_id=1)
    with pytest.raises(RetryLater) as slow_down:
        await _send(session, _line(fake), local_id=2)
    assert slow_down.value.retry_after and slow_down.value.retry_after > 0
    clock.advance(1.0)
    await _send(session, _line(fake), local_id=2)
    assert [text.localid for text in fake.sent] == ["1", "2"]


async def test_kavenegar_unreachable_is_worth_another_try_and_never_shows_the_key(session):
    line = Line(api_base="http://127.0.0.1:9", api_key="SECRET-KEY", number=LINE)
    with pytest.raises(TransientError) as failed:
        await _send(session, line)
    assert "SECRET-KEY" not in str(failed.value)


def test_kavenegar_callbacks_read_as_texts_and_reports():
    (text,) = KAVENEGAR.parse({"messageid": "77", "from": "09121234567", "to": LINE,
                               "message": "سلام"})
    assert text == Received(message_id="77", sender="09121234567", line=LINE, text="سلام")
    assert KAVENEGAR.parse({"messageid": "8", "status": "10"}) == [
        Report(message_id="8", state="delivered")]
    (blocked,) = KAVENEGAR.parse({"messageid": "8", "status": "14"})
    assert (blocked.state, blocked.blocked) == ("failed", True)
    assert KAVENEGAR.parse({"messageid": "8", "status": "1"}) == []  # still queued
    with pytest.raises(BadPayload):
        KAVENEGAR.parse({"status": "10"})


async def test_ghasedak_is_one_module_that_sends_with_its_client_reference(session):
    async with FakeGhasedak() as ghasedak:
        line = Line(api_base=ghasedak.api_base, api_key=GHASEDAK_KEY, number=GHASEDAK_LINE)
        message_id = await GHASEDAK.send(session, line, receptor="09121234567", text="سلام",
                                         local_id=9)
        (sent,) = ghasedak.sent
        assert message_id == str(sent.message_id)
        assert (sent.receptor, sent.line_number, sent.message, sent.client_reference_id) == (
            "09121234567", GHASEDAK_LINE, "سلام", "9")
        with pytest.raises(PermanentError, match="کلید API"):
            await GHASEDAK.send(session, Line(api_base=line.api_base, api_key="x",
                                              number=line.number),
                                receptor="09121234567", text="سلام", local_id=10)
        with pytest.raises(PermanentError, match="۴۰۰"):
            await GHASEDAK.send(session, line, receptor="0212345678", text="سلام",
                                local_id=11)


@pytest.mark.parametrize(("status", "state", "blocked", "reason"), [
    (14, "delivered", False, None), (13, "failed", False, "خاموش"),
    (15, "failed", True, "مسدود"), (12, "failed", True, "مسدود"),
    (16, "failed", False, "اپراتور"), (7, "failed", False, "لغو"),
])
async def test_ghasedak_statuses_are_read_with_the_same_persian_reasons(
        session, status, state, blocked, reason):
    async with FakeGhasedak() as ghasedak:
        line = Line(api_base=ghasedak.api_base, api_key=GHASEDAK_KEY, number=GHASEDAK_LINE)
        first = await GHASEDAK.send(session, line, receptor="09121234567", text="a",
                                    local_id=1)
        second = await GHASEDAK.send(session, line, receptor="09121234567", text="b",
                                     local_id=2)
        ghasedak.report(int(first), status)
        reports = await GHASEDAK.statuses(session, line, [first, second, "999"])
        assert ghasedak.status_calls == [[first, second, "999"]]
        (news, on_the_way) = reports
        assert (news.message_id, news.state, news.blocked) == (first, state, blocked)
        assert reason is None and news.reason is None or reason in news.reason
        assert (on_the_way.message_id, on_the_way.state) == (second, "sent")


async def test_ghasedak_texts_are_fetched_and_a_refused_key_fails_the_poll(session):
    async with FakeGhasedak() as ghasedak:
        line = Line(api_base=ghasedak.api_base, api_key=GHASEDAK_KEY, number=GHASEDAK_LINE)
        received_id = ghasedak.receive("+989121234567", "سلام")
        ghasedak.receive("09120000000", "to another line", to="3000999")
        (text,) = await GHASEDAK.received(session, line)
        assert (text.message_id, text.sender, text.line, text.text) == (
            str(received_id), "+989121234567", GHASEDAK_LINE, "سلام")
        wrong = Line(api_base=line.api_base, api_key="x", number=line.number)
        with pytest.raises(PollFailed, match="401"):
            await GHASEDAK.received(session, wrong)
        with pytest.raises(PollFailed, match="401"):
            await GHASEDAK.statuses(session, wrong, ["1"])
        with pytest.raises(BadPayload):
            GHASEDAK.parse({"messageid": "1", "status": "14"})


async def test_kavenegar_status_asks_about_many_ids_in_one_call(fake, session):
    first = await _send(session, _line(fake), local_id=1)
    second = await _send(session, _line(fake), local_id=2)
    fake.settle(int(first), 10)
    fake.settle(int(second), 14)
    delivered, blocked = await KAVENEGAR.statuses(session, _line(fake), [first, second, "77"])
    assert fake.status_calls == [[first, second, "77"]]  # 77: unknown, status 100, no news
    assert (delivered.message_id, delivered.state) == (first, "delivered")
    assert (blocked.message_id, blocked.state, blocked.blocked) == (second, "failed", True)
    assert "مسدود" in blocked.reason


async def test_kavenegar_status_refused_or_throttled_fails_the_poll_without_the_key(fake,
                                                                                   session):
    with pytest.raises(PollFailed) as refused:
        await KAVENEGAR.statuses(session, _line(fake, key="wrong"), ["1"])
    assert "403" in str(refused.value)
    assert "wrong" not in str(refused.value)
    clock = ManualClock()
    fake.clock, fake.sends_per_second = clock, 1
    assert await KAVENEGAR.statuses(session, _line(fake), ["1"]) == []
    with pytest.raises(PollFailed, match="429"):
        await KAVENEGAR.statuses(session, _line(fake), ["1"])
    clock.advance(1)
    assert await KAVENEGAR.statuses(session, _line(fake), ["1"]) == []


def _settings(**environment: str) -> Settings:
    return Settings(environment=MappingProxyType(environment),
                    secret_key="an-installation-secret-for-tests-0123456789")


def test_a_line_is_declared_by_the_chosen_providers_own_keys():
    assert SMS.declared(_settings()) == ()
    (line,) = SMS.declared(_settings(SMS_PROVIDER="kavenegar", KAVENEGAR_API_KEY="k",
                                     KAVENEGAR_SENDER=LINE, SMS_WEBHOOK_SECRET="s"))
    assert (line.key, line.token, line.webhook_secret) == (f"kavenegar:{LINE}", "k", "s")
    (other,) = SMS.declared(_settings(SMS_PROVIDER="ghasedak", GHASEDAK_API_KEY="g",
                                      GHASEDAK_LINE_NUMBER="300002525"))
    assert other.key == "ghasedak:300002525"


CHANNEL = ChannelCredentials(1, token=API_KEY, webhook_secret="right-secret",  # noqa: S106
                             key=channel_key("kavenegar", LINE))


@pytest.mark.parametrize("path", [("kavenegar", "wrong"), ("ghasedak", "right-secret"),
                                  ("kavenegar", "")])
def test_a_wrong_provider_or_secret_is_refused_as_not_found(path):
    with pytest.raises(WebhookRejected) as refused:
        SMS.admit(WebhookRequest(headers={}, query={}, path=path), [CHANNEL])
    assert refused.value.status == 404


def test_an_inbound_text_is_a_message_from_a_proven_number():
    (channel,) = SMS.verify(WebhookRequest(headers={}, query={},
                                           path=("kavenegar", "right-secret")), [CHANNEL])
    body = "messageid=5&from=%2B989121234567&to=10004346&message=%D8%B3%D9%84%D8%A7%D9%85"
    (event,) = SMS.parse(body.encode(), [channel])
    assert (event.platform, event.kind, event.text) == (Platform.SMS, EventKind.MESSAGE, "سلام")
    assert (event.chat_id, event.sender.external_id) == ("989121234567", "989121234567")
    assert event.sender.phone_proven
    assert event.sender.display_name == "۰۹۱۲۱۲۳۴۵۶۷"


async def test_the_transport_sends_the_outbox_row_id_as_localid(fake, session):
    transport = SMS.transport(CHANNEL, session, _settings(KAVENEGAR_API_BASE=fake.base_url))
    message = OutboundMessage(platform=Platform.SMS, channel_id=1, chat_id="989121234567",
                              text="سلام", outbox_id=314)
    result = await transport.send(message)
    assert result.external_id == str(fake.sent[0].messageid)
    local_id = int(fake.sent[0].localid)
    assert (fake.sent[0].receptor, local_id & 0xFFFFFFFF) == ("09121234567", 314)
    assert 0 < local_id < 2**62
    assert transport.reply_window(message) is None


async def test_another_installation_on_the_same_account_has_its_own_local_ids(session):
    settings = _settings(KAVENEGAR_API_BASE="http://127.0.0.1:9")
    other = Settings(environment=settings.environment, secret_key="another-installation-0123")
    ours, theirs = (SMS.transport(CHANNEL, session, s) for s in (settings, other))
    assert ours.local_id(1) != theirs.local_id(1)
    assert ours.local_id(1) == SMS.transport(CHANNEL, session, settings).local_id(1)
    assert ours.local_id(1) != ours.local_id(2)
