"""Issue 16: Bale's business API (Safir), the way a proactive message reaches a customer
known only by a phone number, against a fake that answers as docs.bale.ai/safir says."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from adapters import ADAPTERS
from adapters.bale import BALE
from adapters.base import ReachesByPhone, proactive_rules
from core.delivery import PermanentError
from core.events import ChannelCredentials, OutboundMessage, Platform
from core.proactive import BY_PHONE_ROUTE
from core.settings import Settings, SettingsError
from tests.fakes.safir import API_KEY, BOT_ID, NOT_ON_BALE, FakeSafir


def _settings(**environment: str) -> Settings:
    return Settings(environment=MappingProxyType(environment),
                    secret_key="an-installation-secret-for-tests-0123456789")


@pytest.fixture
async def safir():
    async with FakeSafir() as server:
        yield server


def _on(safir: FakeSafir, **more: str) -> Settings:
    return _settings(**{"BALE_SAFIR_API_KEY": API_KEY, "BALE_SAFIR_API_BASE": safir.base_url,
                        "BALE_BOT_TOKEN": f"{BOT_ID}:bale-token", **more})


def test_only_bale_reaches_by_phone_and_only_when_its_key_is_set(session):
    reaching = [p for p, adapter in ADAPTERS.items() if isinstance(adapter, ReachesByPhone)]
    assert reaching == [Platform.BALE]
    assert BALE.phone_sender(session, _settings(BALE_BOT_TOKEN="1:x")) is None
    with pytest.raises(SettingsError, match="BALE_SAFIR_BOT_ID"):
        BALE.phone_sender(session, _settings(BALE_SAFIR_API_KEY="k"))
    assert BALE.phone_sender(session, _settings(BALE_SAFIR_API_KEY="k",
                                                BALE_SAFIR_BOT_ID="77")) is not None


@pytest.mark.parametrize("phone", ["09121234567", "+989121234567", "۰۹۱۲۱۲۳۴۵۶۷"])
async def test_a_text_reaches_a_number_as_the_documented_request(safir, session, phone):
    sender = BALE.phone_sender(session, _on(safir))
    message_id = await sender.send_to_phone(phone=phone, text="سفارش A-1001 ارسال شد.",
                                            request_id="pasokh-outbox-41")
    (delivered,) = safir.delivered
    assert (delivered.message_id, delivered.bot_id, delivered.phone_number) == (
        message_id, BOT_ID, "989121234567")
    assert (delivered.text, delivered.request_id) == ("سفارش A-1001 ارسال شد.",
                                                      "pasokh-outbox-41")


async def test_the_same_request_id_again_sends_nothing_twice(safir, session):
    sender = BALE.phone_sender(session, _on(safir))
    first = await sender.send_to_phone(phone="09121234567", text="a", request_id="r-1")
    again = await sender.send_to_phone(phone="09121234567", text="a", request_id="r-1")
    assert first == again
    assert len(safir.delivered) == 1


async def test_a_bot_of_its_own_is_used_when_named(safir, session):
    safir.bot_ids = (99,)
    sender = BALE.phone_sender(session, _on(safir, BALE_SAFIR_BOT_ID="99"))
    await sender.send_to_phone(phone="09121234567", text="a", request_id="r-2")
    assert safir.delivered[0].bot_id == 99


async def test_refusals_are_permanent_with_persian_reasons(safir, session):
    sender = BALE.phone_sender(session, _on(safir))
    with pytest.raises(PermanentError, match="۴۰۴"):  # error_data names the number
        await sender.send_to_phone(phone=NOT_ON_BALE, text="a", request_id="r-3")
    with pytest.raises(PermanentError, match="شمارهٔ همراه معتبری نیست"):
        await sender.send_to_phone(phone="021-1234", text="a", request_id="r-4")
    wrong_key = BALE.phone_sender(session, _on(safir, BALE_SAFIR_API_KEY="wrong"))
    with pytest.raises(PermanentError, match="BALE_SAFIR_API_KEY") as refused:
        await wrong_key.send_to_phone(phone="09121234567", text="a", request_id="r-5")
    assert "wrong" not in str(refused.value)
    assert safir.delivered == []
    assert safir.answered == [200, 401]  # the bad number never left Pasokh


def test_with_its_key_bale_is_a_fallback_for_customers_known_by_phone(session, safir):
    assert not proactive_rules(BALE, session, _settings(BALE_BOT_TOKEN="1:x")
                               ).reaches_phone_numbers
    assert proactive_rules(BALE, session, _on(safir)).reaches_phone_numbers
    assert proactive_rules(ADAPTERS[Platform.SMS], session, _settings()).reaches_phone_numbers


def _channel() -> ChannelCredentials:
    return ChannelCredentials(channel_id=5, key=str(BOT_ID),
                              token=f"{BOT_ID}:bale-token", webhook_secret="s")


async def test_a_conversation_started_by_phone_is_sent_through_safir_once(safir, session):
    """The outbox row of a follow-up to a number (its route says so) goes through Safir
    with a request id of the row: sent again after a crash, it is not a second message."""
    transport = BALE.transport(_channel(), session, _on(safir))
    message = OutboundMessage(platform=Platform.BALE, channel_id=5, chat_id="989121234567",
                              text="سفارش A-1001 ارسال شد.", route={BY_PHONE_ROUTE: "1"},
                              outbox_id=41)
    first = await transport.send(message)
    again = await transport.send(message)
    assert first.external_id == again.external_id == safir.delivered[0].message_id
    (delivered,) = safir.delivered
    assert (delivered.phone_number, delivered.text) == ("989121234567",
                                                        "سفارش A-1001 ارسال شد.")
    assert delivered.request_id.endswith("-41")


async def test_without_the_key_a_conversation_started_by_phone_is_not_sent(session):
    transport = BALE.transport(_channel(), session, _settings(BALE_BOT_TOKEN=f"{BOT_ID}:t"))
    with pytest.raises(PermanentError, match="BALE_SAFIR_API_KEY"):
        await transport.send(OutboundMessage(
            platform=Platform.BALE, channel_id=5, chat_id="989121234567", text="a",
            route={BY_PHONE_ROUTE: "1"}, outbox_id=42))
