"""Issue 16, broadcasts: the audience (labels, channels, last contact), opted-in only, the
channel each customer gets it on by the platforms' rules, who is excluded and why, the SMS
cost, the outbox behind replies, no double send after a crash mid-broadcast, the results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from adapters import ADAPTERS
from core import broadcasts
from core.broadcasts import Audience, BroadcastRefused, check_text, plan, queue_pending
from core.events import Platform
from core.followups import FollowupWorker
from core.models import (
    BroadcastRecipient,
    Channel,
    Conversation,
    ConversationLabel,
    Customer,
    Identity,
    Message,
    OutboxItem,
)
from core.opt_outs import set_opt_out
from core.proactive import ProactiveRules, Route, Skip
from core.segments import PartBilling

pytestmark = pytest.mark.usefixtures("any_database")

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
PRICE = 1_500  # rials per text part
BILLING = PartBilling(platforms=frozenset({"sms"}), price=lambda _: PRICE)


def rules_of(platform: Platform) -> ProactiveRules:
    return ADAPTERS[platform].proactive


async def customer(platform: Platform, user: str, *, wrote: timedelta, name: str = "مریم",
                   phone: str | None = None, label: str | None = None) -> Customer:
    channel, _ = await Channel.get_or_create(platform=platform.value,
                                             key=f"{platform.value}-1",
                                             defaults={"name": f"{platform.value} line"})
    person = await Customer.create(display_name=name, phone=phone)
    identity = await Identity.create(customer=person, channel=channel, external_id=user)
    conversation = await Conversation.create(
        channel=channel, customer=person, identity=identity, chat_id=user,
        created_at=NOW - wrote, last_message_at=NOW - wrote, status="resolved")
    await Message.create(conversation=conversation, channel=channel, direction="in",
                         author="customer", kind="text", text="سلام", external_id=f"m{user}",
                         created_at=NOW - wrote, processed=True)
    if label:
        await ConversationLabel.create(conversation=conversation, name=label, created_at=NOW)
    return person


async def planned(audience: Audience, text: str = "{name} عزیز، حراج شروع شد."):
    async with in_transaction("default") as conn:
        return await plan(conn, audience, text, NOW, rules_of, BILLING)


def test_the_text_may_name_the_customer_and_nothing_else():
    assert check_text("  {name} عزیز، سلام ") == "{name} عزیز، سلام"
    for bad in ("", "   ", "{order_id}", "{a.b}", "x" * 4001):
        with pytest.raises(BroadcastRefused):
            check_text(bad)


async def test_who_gets_it_where_and_who_is_left_out_and_why():
    await customer(Platform.TELEGRAM, "1", wrote=timedelta(days=40), label="vip")
    await customer(Platform.WHATSAPP, "2", wrote=timedelta(hours=2), label="vip")
    await customer(Platform.WHATSAPP, "3", wrote=timedelta(days=2), label="vip")  # window
    out = await customer(Platform.BALE, "4", wrote=timedelta(days=1), label="vip")
    await customer(Platform.TELEGRAM, "5", wrote=timedelta(days=1))  # not labelled
    async with in_transaction("default") as conn:
        await set_opt_out(conn, customer_id=out.id, channel_id=(
            await Identity.get(customer_id=out.id)).channel_id, opted_out=True, now=NOW)
    result = await planned(Audience(labels=("vip",)))
    assert [(s.platform, s.count) for s in result.shares] == [("telegram", 1), ("whatsapp", 1)]
    assert result.excluded == (("needs_template", 1), ("opted_out", 1))
    assert result.shares[0].preview == "مریم عزیز، حراج شروع شد."
    assert result.cost == 0
    recent = await planned(Audience(labels=("vip",), contacted_within_days=7))
    assert recent.reached == 1 and len(recent.choices) == 3
    telegram = await Channel.get(platform="telegram")
    only = await planned(Audience(channel_ids=(telegram.id,)))
    assert [(s.platform, s.count) for s in only.shares] == [("telegram", 2)]


async def test_by_text_the_preview_ends_with_the_opt_out_code_and_is_priced_per_part():
    await customer(Platform.SMS, "989121234567", wrote=timedelta(days=3), name="سارا")
    await customer(Platform.SMS, "989121234568", wrote=timedelta(days=3), name="علی")
    text = "{name} عزیز، " + "ب" * 60  # over one UCS-2 part with the name and «لغو۱۱»
    result = await planned(Audience(), text)
    (share,) = result.shares
    assert share.preview.endswith("\nلغو۱۱") and share.preview.startswith("سارا عزیز")
    assert share.text_parts == 2 and share.cost == 2 * 2 * PRICE


async def test_sent_through_the_outbox_behind_replies_once_even_after_a_crash():
    for user in ("1", "2", "3"):
        await customer(Platform.TELEGRAM, user, wrote=timedelta(days=1))
    broadcast_id = await broadcasts.start(Audience(), "{name} عزیز، حراج!", NOW, rules_of,
                                          BILLING, user_id=None)
    assert await BroadcastRecipient.filter(state="pending").count() == 3

    class Crash(Exception):
        pass

    with pytest.raises(Crash):
        async with in_transaction("default") as conn:
            assert await queue_pending(conn, NOW, rules_of) == (3, 3)
            raise Crash  # the process dies before the commit
    assert not await OutboxItem.exists()
    worker = FollowupWorker(lambda: NOW, rules_of, lambda: None,
                            passes=(queue_pending,))
    assert await worker.run_due() == 3
    assert await worker.run_due() == 0
    assert await FollowupWorker(lambda: NOW, rules_of, lambda: None,
                                passes=(queue_pending,)).run_due() == 0
    rows = await OutboxItem.all()
    assert len(rows) == 3 and {row.priority for row in rows} == {1}
    progress = await broadcasts.progress(broadcast_id)
    assert progress is not None
    assert (progress.total, progress.pending, progress.queued, progress.done) == (3, 0, 3, 0)
    assert progress.percent == 0 and not progress.finished


async def test_the_results_count_sent_delivered_failed_with_reasons_and_replies():
    people = [await customer(Platform.TELEGRAM, str(n), wrote=timedelta(days=1))
              for n in range(4)]
    broadcast_id = await broadcasts.start(Audience(), "حراج!", NOW, rules_of, BILLING,
                                          user_id=None)
    await FollowupWorker(lambda: NOW, rules_of, lambda: None,
                         passes=(queue_pending,)).run_due()
    sent = await Message.filter(direction="out").order_by("id")
    await Message.filter(id=sent[0].id).update(delivery="delivered")
    await Message.filter(id=sent[1].id).update(delivery="sent")
    await Message.filter(id=sent[2].id).update(delivery="failed",
                                               delivery_error="ربات مسدود شده است")
    conversation = await Conversation.get(customer_id=people[0].id)
    await Message.create(conversation=conversation, channel_id=conversation.channel_id,
                         direction="in", author="customer", kind="text", text="ممنون",
                         external_id="reply-1", created_at=NOW + timedelta(minutes=5),
                         processed=True)
    progress = await broadcasts.progress(broadcast_id)
    assert progress is not None
    assert (progress.delivered, progress.sent, progress.failed, progress.replied) == (
        1, 1, (("ربات مسدود شده است", 1),), 1)
    assert progress.done == 3 and progress.to_send == 4 and progress.percent == 75


async def test_an_opt_out_after_the_start_is_honoured():
    person = await customer(Platform.TELEGRAM, "1", wrote=timedelta(days=1))
    broadcast_id = await broadcasts.start(Audience(), "حراج!", NOW, rules_of, BILLING,
                                          user_id=None)
    async with in_transaction("default") as conn:
        await set_opt_out(conn, customer_id=person.id, channel_id=(
            await Identity.get(customer_id=person.id)).channel_id, opted_out=True, now=NOW)
    assert await FollowupWorker(lambda: NOW, rules_of, lambda: None,
                                passes=(queue_pending,)).run_due() == 0
    progress = await broadcasts.progress(broadcast_id)
    assert progress is not None and progress.skipped == (("opted_out", 1),)
    assert not await OutboxItem.exists()


async def test_nothing_goes_during_quiet_hours_the_broadcast_waits():
    from core.models import OwnerConfig

    await OwnerConfig.create(id=1, document={"followup_limits": {"quiet_hours": "22:00-08:00"}},
                             updated_at=NOW)
    await customer(Platform.TELEGRAM, "1", wrote=timedelta(hours=1))
    night = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 23:30 in Tehran
    await broadcasts.start(Audience(), "حراج!", night, rules_of, BILLING, user_id=None)
    assert await FollowupWorker(lambda: night, rules_of, lambda: None,
                                passes=(queue_pending,)).run_due() == 0
    morning = datetime(2026, 12, 3, 4, 30, tzinfo=UTC)  # 08:00 in Tehran
    assert await FollowupWorker(lambda: morning, rules_of, lambda: None,
                                passes=(queue_pending,)).run_due() == 1


def test_each_channels_share_is_spread_over_the_broadcast():
    from core.broadcasts import Choice, interleaved

    def on(channel_id: int, n: int) -> list[Choice]:
        return [Choice(customer_id=channel_id * 100 + i, name="", reason=None, route=Route(
            channel_id=channel_id, identity_id=1, chat_id="1", rules=ProactiveRules(),
            last_wrote=None, opted_out=False)) for i in range(n)]

    skipped = Choice(customer_id=1, name="", route=None, reason=Skip.OPTED_OUT)
    order = [c.route.channel_id if c.route else None
             for c in interleaved([skipped, *on(1, 2), *on(2, 6)])]
    assert order == [2, 1, 2, 2, 2, 1, 2, 2, None]


async def test_one_batch_queues_each_recipient_in_its_own_conversation_and_skips_the_opted_out():
    """The batch is read and written in bulk: each message lands in its recipient's
    conversation with their name, an opted-out one is skipped in the same batch, and a
    customer known only by phone in two broadcasts gets one identity on the SMS channel."""
    people = [await customer(Platform.TELEGRAM, str(n), wrote=timedelta(days=1),
                             name=f"مشتری {n}") for n in range(3)]
    await customer(Platform.SMS, "989121234567", wrote=timedelta(days=3))  # the SMS line
    by_phone = await Customer.create(display_name="رضا", phone="989121234599")
    async with in_transaction("default") as conn:
        await set_opt_out(conn, customer_id=people[1].id, channel_id=(
            await Identity.get(customer_id=people[1].id)).channel_id, opted_out=True, now=NOW)
    first = await broadcasts.start(Audience(), "{name}: یک", NOW, rules_of, BILLING,
                                   user_id=None)
    await broadcasts.start(Audience(), "{name}: دو", NOW, rules_of, BILLING, user_id=None)
    async with in_transaction("default") as conn:
        await set_opt_out(conn, customer_id=people[2].id, channel_id=(
            await Identity.get(customer_id=people[2].id)).channel_id, opted_out=True, now=NOW)
        handled, queued = await queue_pending(conn, NOW, rules_of)
    assert (handled, queued) == (8, 6)  # 2 × 4 reached when started; people[2] since
    for person in (people[0], by_phone):
        conversation = await Conversation.get(customer_id=person.id)
        texts = sorted(m.text for m in await Message.filter(conversation_id=conversation.id,
                                                            direction="out"))
        assert [t.split("\n")[0] for t in texts] == [f"{person.display_name}: دو",
                                                     f"{person.display_name}: یک"]
    assert await Identity.filter(customer_id=by_phone.id).count() == 1
    assert await OutboxItem.filter(priority=1).count() == 6
    recipients = await BroadcastRecipient.filter(broadcast_id=first).order_by("id")
    for row in recipients:
        if row.state == "queued":
            message = await Message.get(id=row.message_id).prefetch_related("conversation")
            assert message.conversation.customer_id == row.customer_id
    progress = await broadcasts.progress(first)
    assert progress is not None and progress.skipped == (("opted_out", 2),)


TEMPLATE = broadcasts.BroadcastTemplate(name="autumn_sale", language="fa", category="marketing",
                                        parameters=("{name}", "۳۰٪"))


async def _list_templates() -> None:
    from core.owner_config import parse, store
    await store(parse("whatsapp_templates:\n  - name: autumn_sale\n    language: fa\n"
                      "    parameters: 2\n"))


async def test_past_whatsapps_window_the_chosen_template_carries_it_in_the_preview():
    await _list_templates()
    await customer(Platform.WHATSAPP, "2", wrote=timedelta(hours=2), name="سارا")
    await customer(Platform.WHATSAPP, "3", wrote=timedelta(days=2), name="رضا")  # window
    without = await broadcasts.preview(Audience(), "{name} عزیز، حراج!", NOW, rules_of,
                                       BILLING)
    assert without.excluded == (("needs_template", 1),)
    result = await broadcasts.preview(Audience(), "{name} عزیز، حراج!", NOW, rules_of,
                                      BILLING, TEMPLATE)
    assert result.excluded == ()
    [share] = result.shares
    assert (share.count, share.templated) == (2, 1)
    assert share.template_preview == ("رضا", "۳۰٪")


async def test_the_template_is_sent_as_one_past_the_window_and_the_text_inside_it():
    await _list_templates()
    inside = await customer(Platform.WHATSAPP, "2", wrote=timedelta(hours=2), name="سارا")
    await customer(Platform.WHATSAPP, "3", wrote=timedelta(days=2), name="رضا")
    await broadcasts.start(Audience(), "{name} عزیز، حراج!", NOW, rules_of, BILLING,
                           user_id=None, template=TEMPLATE)
    assert await FollowupWorker(lambda: NOW, rules_of, lambda: None,
                                passes=(queue_pending,)).run_due() == 2
    payloads = {row.chat_id: row.payload for row in await OutboxItem.all()}
    assert payloads["2"]["kind"] == "text" and payloads["2"]["text"] == "سارا عزیز، حراج!"
    assert payloads["3"]["kind"] == "template"
    assert payloads["3"]["template"] == ["autumn_sale", "fa", ["رضا", "۳۰٪"]]
    assert await Message.filter(conversation__customer_id=inside.id, author="bot").count() == 1


async def test_a_template_must_be_listed_with_its_parameters_and_a_category():
    await _list_templates()
    for wrong in (broadcasts.BroadcastTemplate(name="other", language="fa", category="utility",
                                               parameters=("a", "b")),
                  broadcasts.BroadcastTemplate(name="autumn_sale", language="fa",
                                               category="utility", parameters=("a",)),
                  broadcasts.BroadcastTemplate(name="autumn_sale", language="fa",
                                               category="promo", parameters=("a", "b")),
                  broadcasts.BroadcastTemplate(name="autumn_sale", language="fa",
                                               category="utility", parameters=("{order}", "b"))):
        with pytest.raises(BroadcastRefused):
            await broadcasts.preview(Audience(), "حراج!", NOW, rules_of, BILLING, wrong)
