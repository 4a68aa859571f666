"""Issue 16, proactive follow-ups: the rules proved on SQLite and PostgreSQL, with the clock
passed in. No send outside a platform's window or during quiet hours, opt-out honoured on
every channel, no double send after a crash, placeholders validated, replies before
proactive traffic in the outbox."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import msgspec
import pytest
from tortoise.transactions import in_transaction

from adapters import ADAPTERS
from core.bus import InProcessBus
from core.events import ConversationStatus, Platform
from core.followups import (
    FollowupWorker,
    dispatch_due,
    post_event,
    schedule_resolved,
)
from core.models import (
    Channel,
    Conversation,
    Customer,
    Followup,
    Identity,
    Message,
    OptOut,
    OutboxItem,
    OwnerConfig,
)
from core.opt_outs import set_opt_out
from core.outbox import OutboxWorker
from core.owner_config import InvalidConfig, parse
from core.proactive import (
    NO_PROACTIVE_RULES,
    BadPlaceholder,
    ProactiveRules,
    QuietHours,
    Route,
    choose_channel,
    missing_values,
    next_allowed,
    placeholders,
    render,
)

TEHRAN = ZoneInfo("Asia/Tehran")
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=TEHRAN).astimezone(UTC)
RULES = """
followups:
  - id: shipped
    event: order.shipped
    delay: 0s
    text: "{name} عزیز، سفارش {order_id} ارسال شد."
  - id: how_was_it
    event: order.delivered
    delay: 3d
    text: "{name} عزیز، سفارش {order_id} چطور بود؟"
  - id: thanks
    event: conversation.resolved
    delay: 1h
    text: "{name} عزیز، ممنون که با ما صحبت کردید."
"""


def rules_of(platform: Platform) -> ProactiveRules:
    return ADAPTERS[platform].proactive


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def store_rules(text: str = RULES) -> None:
    document = parse(text)
    await OwnerConfig.update_or_create(id=1, defaults={
        "document": msgspec.to_builtins(document), "updated_at": NOON})


async def customer_on(platform: Platform, *, wrote_at: datetime, name: str = "مریم",
                      user: str = "42", phone: str | None = "989121234567",
                      customer: Customer | None = None) -> tuple[Customer, Identity]:
    channel, _ = await Channel.get_or_create(platform=platform.value, key=f"{platform}-1")
    if customer is None:
        customer = await Customer.create(display_name=name, phone=phone)
    identity = await Identity.create(customer=customer, channel=channel, external_id=user,
                                     display_name=name)
    conversation = await Conversation.create(
        channel=channel, customer=customer, identity=identity, chat_id=user,
        created_at=wrote_at, last_message_at=wrote_at, status="resolved")
    await Message.create(conversation=conversation, channel=channel, direction="in",
                         author="customer", kind="text", text="سلام", external_id=f"m{user}",
                         created_at=wrote_at, processed=True)
    return customer, identity


async def shipped(clock: Clock, phone: str = "09121234567", order_id: str = "A-1001"):
    return await post_event(event_type="order.shipped", phone=phone, platform=None,
                            user_id=None, data={"order_id": order_id}, now=clock())


# --- pure rules -----------------------------------------------------------------------


def test_quiet_hours_hold_a_send_until_eight_in_tehran():
    quiet = QuietHours()
    late = datetime(2026, 12, 2, 23, 30, tzinfo=TEHRAN)
    early = datetime(2026, 12, 3, 7, 59, tzinfo=TEHRAN)
    eight = datetime(2026, 12, 3, 8, 0, tzinfo=TEHRAN)
    assert next_allowed(late, quiet) == eight
    assert next_allowed(early, quiet) == eight
    assert next_allowed(eight, quiet) == eight
    assert next_allowed(NOON, quiet) == NOON
    assert next_allowed(late, QuietHours(start=time(0), end=time(0))) == late


def test_placeholders_are_plain_names_and_a_missing_value_is_caught():
    assert placeholders("{name} عزیز، سفارش {order_id}") == ("name", "order_id")
    for broken in ("{a.b}", "{0}", "{x[0]}", "{x:>5}", "سفارش {order_id", "}", "{}"):
        with pytest.raises(BadPlaceholder):
            placeholders(broken)
    assert missing_values("{name} {order_id}", {"name": "مریم", "order_id": " "}) == (
        "order_id",)
    # A value is put in once: braces in it are not read as placeholders again.
    assert render("سفارش {order_id}", {"order_id": "{name}"}) == "سفارش {name}"


def test_loading_refuses_bad_placeholders_in_persian():
    with pytest.raises(InvalidConfig) as refused:
        parse("followups:\n  - id: a\n    event: order.shipped\n    text: 'سفارش {a.b}'\n"
              "  - id: b\n    event: conversation.resolved\n    text: '{order_id}'\n"
              "  - id: c\n    event: order.shipped\n    delay: soon\n    text: سلام\n")
    lines = [(problem.line, problem.for_reader) for problem in refused.value.problems]
    assert [line for line, _ in lines] == [4, 7, 10]
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in message) for _, message in lines)


def test_the_channel_is_the_last_used_one_the_platform_allows_now():
    now = NOON
    telegram = Route(channel_id=1, identity_id=1, chat_id="1", rules=ProactiveRules(),
                     last_wrote=now - timedelta(days=30), opted_out=False)
    whatsapp = Route(channel_id=2, identity_id=2, chat_id="2",
                     rules=ProactiveRules(window=timedelta(hours=24)),
                     last_wrote=now - timedelta(hours=2), opted_out=False)
    stale_whatsapp = Route(channel_id=2, identity_id=2, chat_id="2",
                           rules=ProactiveRules(window=timedelta(hours=24)),
                           last_wrote=now - timedelta(hours=25), opted_out=False)
    sms = Route(channel_id=3, identity_id=None, chat_id="989121234567",
                rules=ProactiveRules(reaches_phone_numbers=True), last_wrote=None,
                opted_out=False, by_phone=True)
    assert choose_channel([telegram, whatsapp], now) == whatsapp
    assert choose_channel([telegram, stale_whatsapp], now) == telegram
    assert choose_channel([replace(whatsapp, opted_out=True), telegram], now) == telegram
    assert choose_channel([stale_whatsapp, sms], now) == sms
    assert choose_channel([stale_whatsapp, sms], now, phone_fallback=False) is None
    assert choose_channel([replace(sms, opted_out=True)], now) is None


def test_every_adapter_says_how_it_may_write_first():
    for platform, adapter in ADAPTERS.items():
        assert isinstance(adapter.proactive, ProactiveRules), platform
    assert ADAPTERS[Platform.WHATSAPP].proactive.window == timedelta(hours=24)
    assert ADAPTERS[Platform.INSTAGRAM].proactive.window == timedelta(hours=24)
    assert ADAPTERS[Platform.TELEGRAM].proactive.window is None
    assert ADAPTERS[Platform.BALE].proactive.window is None
    assert ADAPTERS[Platform.SMS].proactive.reaches_phone_numbers
    assert ADAPTERS[Platform.SMS].proactive.opt_out_suffix == "\nلغو۱۱"
    assert ADAPTERS[Platform.WEBCHAT].proactive == NO_PROACTIVE_RULES


# --- with the database ------------------------------------------------------------------

pytestmark_db = pytest.mark.usefixtures("any_database")


@pytestmark_db
async def test_a_shop_event_is_sent_once_to_the_customer_in_their_name():
    clock = Clock(NOON)
    await store_rules()
    customer, identity = await customer_on(Platform.TELEGRAM, wrote_at=NOON - timedelta(days=9))
    first = await shipped(clock, phone="+98 912 123 4567")
    again = await shipped(clock, phone="۰۹۱۲۱۲۳۴۵۶۷")  # the shop retries, in Persian digits
    assert first.customer_id == again.customer_id == customer.id
    assert [s.rule for s in first.scheduled] == ["shipped"] and first.skipped == ()
    assert again.scheduled == first.scheduled
    worker = FollowupWorker(clock, rules_of, lambda: None)
    assert await worker.run_due() == 1
    assert await worker.run_due() == 0
    row = await OutboxItem.get()
    assert row.priority == 1 and row.identity_id == identity.id
    sent = await Message.get(id=row.message_id)
    assert sent.text == "مریم عزیز، سفارش A-1001 ارسال شد."
    assert (await Followup.get()).state == "queued"


@pytestmark_db
async def test_a_missing_value_never_sends_a_broken_text():
    await store_rules()
    await customer_on(Platform.TELEGRAM, wrote_at=NOON)
    scheduling = await post_event(event_type="order.shipped", phone="09121234567",
                                  platform=None, user_id=None, data={"order": "A-1"}, now=NOON)
    assert scheduling.scheduled == ()
    assert [(s.rule, s.reason.value, s.missing) for s in scheduling.skipped] == [
        ("shipped", "missing_value", ("order_id",))]
    assert await FollowupWorker(Clock(NOON), rules_of, lambda: None).run_due() == 0
    assert not await OutboxItem.exists()


@pytestmark_db
async def test_no_send_in_quiet_hours_the_send_waits_for_eight():
    late = datetime(2026, 12, 2, 23, 0, tzinfo=TEHRAN).astimezone(UTC)
    clock = Clock(late)
    await store_rules()
    await customer_on(Platform.TELEGRAM, wrote_at=late)
    scheduling = await shipped(clock)
    eight = datetime(2026, 12, 3, 8, 0, tzinfo=TEHRAN)
    assert scheduling.scheduled[0].due_at == eight
    worker = FollowupWorker(clock, rules_of, lambda: None)
    for minutes in (0, 30, 60 * 8 + 59):
        clock.now = late + timedelta(minutes=minutes)
        assert await worker.run_due() == 0
    assert not await OutboxItem.exists()
    clock.now = eight.astimezone(UTC)
    assert await worker.run_due() == 1


@pytestmark_db
async def test_a_follow_up_due_in_quiet_hours_is_moved_not_dropped():
    """Scheduled by day with a delay that ends at night: the pass at night moves it on."""
    await store_rules("followups:\n  - id: later\n    event: order.shipped\n    delay: 11h\n"
                      "    text: 'سفارش {order_id}'\n")
    clock = Clock(NOON)
    await customer_on(Platform.TELEGRAM, wrote_at=NOON)
    await shipped(clock)
    # 23:00 Tehran, as the rule said; the quiet hours were unknown when it was scheduled.
    await Followup.all().update(due_at=NOON + timedelta(hours=11))
    clock.now = NOON + timedelta(hours=11)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 0
    assert (await Followup.get()).due_at == datetime(2026, 12, 3, 8, 0, tzinfo=TEHRAN)


@pytestmark_db
async def test_nothing_outside_a_platforms_window():
    clock = Clock(NOON)
    await store_rules()
    await customer_on(Platform.WHATSAPP, wrote_at=NOON - timedelta(hours=25))
    await customer_on(Platform.INSTAGRAM, wrote_at=NOON - timedelta(hours=30), user="43",
                      phone="989121111111")
    await shipped(clock)
    await shipped(clock, phone="09121111111")
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 0
    assert not await OutboxItem.exists()
    assert set(await Followup.all().values_list("reason", flat=True)) == {"no_channel"}


@pytestmark_db
async def test_inside_the_window_whatsapp_carries_it():
    clock = Clock(NOON)
    await store_rules()
    _, identity = await customer_on(Platform.WHATSAPP, wrote_at=NOON - timedelta(hours=23))
    await shipped(clock)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 1
    assert (await OutboxItem.get()).identity_id == identity.id


@pytestmark_db
@pytest.mark.parametrize("platform", list(ADAPTERS))
async def test_opt_out_is_honoured_on_every_channel(platform):
    clock = Clock(NOON)
    await store_rules()
    customer, identity = await customer_on(platform, wrote_at=NOON - timedelta(minutes=5))
    async with in_transaction("default") as conn:
        await set_opt_out(conn, customer_id=customer.id, channel_id=identity.channel_id,
                          opted_out=True, source="keyword", now=NOON)
    await shipped(clock)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 0
    assert not await OutboxItem.exists()
    assert (await Followup.get()).reason == "opted_out"


@pytestmark_db
async def test_opted_out_on_one_channel_the_follow_up_takes_another():
    clock = Clock(NOON)
    await store_rules()
    customer, bale = await customer_on(Platform.BALE, wrote_at=NOON - timedelta(hours=1))
    _, telegram = await customer_on(Platform.TELEGRAM, wrote_at=NOON - timedelta(days=3),
                                    user="77", customer=customer)
    async with in_transaction("default") as conn:
        await set_opt_out(conn, customer_id=customer.id, channel_id=bale.channel_id,
                          opted_out=True, source="keyword", now=NOON)
    await shipped(clock)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 1
    assert (await OutboxItem.get()).identity_id == telegram.id
    assert await OptOut.filter(customer_id=customer.id).count() == 1


@pytestmark_db
async def test_a_crash_before_the_commit_sends_once_after_the_restart():
    clock = Clock(NOON)
    await store_rules()
    await customer_on(Platform.TELEGRAM, wrote_at=NOON)
    await shipped(clock)

    class Crash(Exception):
        pass

    with pytest.raises(Crash):
        async with in_transaction("default") as conn:
            assert await dispatch_due(conn, clock(), rules_of) == (1, 1)
            raise Crash  # the process dies before the commit
    assert not await OutboxItem.exists()
    assert (await Followup.get()).state == "scheduled"
    restarted = FollowupWorker(clock, rules_of, lambda: None)  # a new process
    assert await restarted.run_due() == 1
    clock.now += timedelta(minutes=1)
    assert await restarted.run_due() == 0
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 0
    assert await OutboxItem.all().count() == 1


@pytestmark_db
async def test_a_delayed_follow_up_survives_a_restart():
    clock = Clock(NOON)
    await store_rules()
    await customer_on(Platform.TELEGRAM, wrote_at=NOON)
    await post_event(event_type="order.delivered", phone="09121234567", platform=None,
                     user_id=None, data={"order_id": "A-7"}, now=NOON)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 0
    clock.now = NOON + timedelta(days=3)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 1
    assert "A-7" in (await Message.filter(direction="out").get()).text


@pytestmark_db
async def test_the_weekly_cap_and_an_open_conversation_hold_follow_ups_back():
    clock = Clock(NOON)
    await store_rules(RULES + "followup_limits:\n  per_customer_per_week: 1\n")
    customer, _ = await customer_on(Platform.TELEGRAM, wrote_at=NOON)
    await shipped(clock, order_id="A-1")
    await shipped(clock, order_id="A-2")
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 1
    reasons = await Followup.all().values_list("reason", flat=True)
    assert sorted(map(str, reasons)) == ["None", "weekly_cap"]
    clock.now = NOON + timedelta(days=8)
    await Conversation.filter(customer_id=customer.id).update(
        status=ConversationStatus.PENDING.value)
    await shipped(clock, order_id="A-3")
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 0
    assert await Followup.filter(reason="with_agent").count() == 1


@pytestmark_db
async def test_a_resolved_conversation_schedules_its_follow_up_once():
    await store_rules()
    customer, _ = await customer_on(Platform.TELEGRAM, wrote_at=NOON)
    conversation = await Conversation.get(customer_id=customer.id)
    for _ in range(2):
        async with in_transaction("default") as conn:
            await schedule_resolved(conn, conversation_id=conversation.id,
                                    customer_id=customer.id, now=NOON)
    followup = await Followup.get()
    assert followup.rule_id == "thanks" and followup.due_at == NOON + timedelta(hours=1)
    clock = Clock(NOON + timedelta(hours=1))
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 1
    assert (await Message.filter(direction="out").get()).text.startswith("مریم عزیز")


@pytestmark_db
async def test_replies_go_before_proactive_rows_in_the_outbox():
    clock = Clock(NOON)
    await store_rules()
    await customer_on(Platform.TELEGRAM, wrote_at=NOON)
    await customer_on(Platform.TELEGRAM, wrote_at=NOON, user="99", phone="989120000000")
    await shipped(clock)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 1
    proactive = await OutboxItem.get()
    reply = await OutboxItem.create(channel_id=proactive.channel_id, chat_id="99",
                                    payload=proactive.payload, state="pending",
                                    next_attempt_at=NOON + timedelta(seconds=5),
                                    created_at=NOON)
    worker = OutboxWorker(lambda _: None, InProcessBus())
    async with in_transaction("default") as conn:
        due = await worker._due_rows(conn, 10)
    assert [row["id"] for row in due] == [reply.id, proactive.id]


@pytestmark_db
async def test_a_customer_who_writes_stop_is_opted_out_and_gets_no_follow_up(channel_id):
    from functools import partial

    from core.conversations import ConversationEngine
    from core.inbox import Inbox
    from flows import FlowConfig, decide
    from tests.core.test_inbox import message
    from tests.integration.helpers import eventually

    await store_rules()
    bus = InProcessBus()
    inbox = Inbox(bus)
    engine = ConversationEngine(partial(decide, config=FlowConfig()), bus, lambda: None)
    inbox.on_new_messages(engine.submit)
    await inbox.start()
    await engine.start()
    try:
        await inbox.ingest([message("stop", message_id=1, channel_id=channel_id,
                                    phone="+989121234567")])
        await eventually(lambda: OptOut.exists(), what="the opt-out")
        await eventually(lambda: Message.filter(direction="out").exists(),
                         what="the confirmation")
    finally:
        await inbox.close()
        await engine.close()
    record = await OptOut.get()
    assert (record.channel_id, record.source) == (channel_id, "keyword")
    confirmation = await Message.filter(direction="out").order_by("id").first()
    assert confirmation is not None and "پاسخ" in (confirmation.text or "")
    outbox_before = await OutboxItem.all().count()
    # The next noon in Tehran, after the opt-out was written: at the wall clock's own time the
    # follow-up met the night's quiet hours (22:00-08:00 in Tehran) and was only put off, so
    # the test failed when run at night.
    noon = datetime.now(TEHRAN).replace(hour=12, minute=0, second=0, microsecond=0)
    if noon <= datetime.now(TEHRAN):
        noon += timedelta(days=1)
    clock = Clock(noon.astimezone(UTC))
    await shipped(clock)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 0
    assert await OutboxItem.all().count() == outbox_before
    assert (await Followup.get()).reason == "opted_out"


@pytest.fixture
async def channel_id():
    return (await Channel.create(platform="telegram", key="123456")).id


def test_the_rules_round_trip_through_export_and_load():
    from core.owner_config import dump
    document = parse(RULES + "followup_limits:\n  quiet_hours: '23:00-07:30'\n"
                             "  per_customer_per_week: 2\n")
    assert parse(dump(document)) == document
    assert [rule.id for rule in document.followups] == ["shipped", "how_was_it", "thanks"]
    assert document.followups[2].sms is True and document.followup_limits is not None


TEMPLATED = """
whatsapp_templates:
  - name: order_shipped
    language: fa
    parameters: 2
followups:
  - id: shipped
    event: order.shipped
    text: "{name} عزیز، سفارش {order_id} ارسال شد."
    template:
      name: order_shipped
      language: fa
      category: utility
      parameters: ["{name}", "{order_id}"]
"""


def test_a_rules_template_must_be_listed_with_its_parameters():
    with pytest.raises(InvalidConfig) as refused:
        parse(TEMPLATED.replace("parameters: 2", "parameters: 1")
              + "  - id: other\n    event: order.shipped\n    text: سلام\n"
                "    template: {name: missing, language: fa}\n")
    assert [problem.line for problem in refused.value.problems] == [14, 18]
    assert parse(TEMPLATED).followups[0].template is not None


@pytestmark_db
async def test_past_whatsapps_window_the_rules_template_carries_it():
    clock = Clock(NOON)
    await store_rules(TEMPLATED)
    await customer_on(Platform.WHATSAPP, wrote_at=NOON - timedelta(days=2))
    await shipped(clock)
    assert await FollowupWorker(clock, rules_of, lambda: None).run_due() == 1
    payload = (await OutboxItem.get()).payload
    payload = payload if isinstance(payload, dict) else __import__("json").loads(payload)
    assert payload["kind"] == "template"
    assert payload["template"] == ["order_shipped", "fa", ["مریم", "A-1001"]]
    shown = await Message.filter(direction="out").get()
    assert shown.text == "مریم عزیز، سفارش A-1001 ارسال شد."


@pytestmark_db
@pytest.mark.parametrize("sms", [True, False])
async def test_a_customer_known_only_by_phone_is_reached_where_a_channel_takes_numbers(sms):
    await store_rules(RULES if sms else RULES.replace(
        "    delay: 0s\n", "    delay: 0s\n    sms: false\n"))
    channel = await Channel.create(platform="sms", key="kavenegar:10004346")
    clock = Clock(NOON)
    scheduling = await post_event(event_type="order.shipped", phone="09121234567",
                                  platform=None, user_id=None,
                                  data={"order_id": "A-9", "name": "سارا"}, now=NOON)
    assert [s.rule for s in scheduling.scheduled] == ["shipped"]
    worker = FollowupWorker(clock, rules_of, lambda: None)
    assert await worker.run_due() == (1 if sms else 0)
    if not sms:
        assert (await Followup.get()).reason == "no_channel"
        return
    row = await OutboxItem.get()
    assert (row.channel_id, row.chat_id) == (channel.id, "989121234567")
    sent = await Message.get(id=row.message_id)
    assert sent.text == "سارا عزیز، سفارش A-9 ارسال شد.\nلغو۱۱"
    identity = await Identity.get(id=row.identity_id)
    assert identity.external_id == "989121234567"
    # The next follow-up uses the same identity; opted out there, nothing goes.
    async with in_transaction("default") as conn:
        await set_opt_out(conn, customer_id=identity.customer_id, channel_id=channel.id,
                          opted_out=True, source="keyword", now=NOON)
    await post_event(event_type="order.shipped", phone="09121234567", platform=None,
                     user_id=None, data={"order_id": "A-10", "name": "سارا"}, now=NOON)
    assert await worker.run_due() == 0
    assert await Identity.filter(channel_id=channel.id).count() == 1


@pytestmark_db
async def test_with_bales_business_api_a_number_is_reached_on_bale():
    """No text line, Bale with its business API set up (adapters.base.proactive_rules): the
    follow-up goes to the Bale channel, to the number, in a conversation whose route tells
    Bale's transport to send it through that API; nothing is appended for SMS."""
    import aiohttp

    from adapters.base import proactive_rules
    from core.proactive import BY_PHONE_ROUTE
    from core.settings import Settings

    settings = Settings(environment=MappingProxyType({
        "BALE_SAFIR_API_KEY": "key", "BALE_BOT_TOKEN": "77:bale-token"}),
        secret_key="an-installation-secret-for-tests-0123456789")
    async with aiohttp.ClientSession() as session:
        rules = {platform: proactive_rules(adapter, session, settings)
                 for platform, adapter in ADAPTERS.items()}
    await store_rules()
    bale = await Channel.create(platform="bale", key="77")
    await post_event(event_type="order.shipped", phone="09121234567", platform=None,
                     user_id=None, data={"order_id": "A-9", "name": "سارا"}, now=NOON)
    assert await FollowupWorker(Clock(NOON), rules.__getitem__, lambda: None).run_due() == 1
    row = await OutboxItem.get()
    payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
    assert (row.channel_id, row.chat_id) == (bale.id, "989121234567")
    assert payload["route"] == {BY_PHONE_ROUTE: "1"}
    assert payload["text"] == "سارا عزیز، سفارش A-9 ارسال شد."
