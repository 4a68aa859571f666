"""Issue 17 (4): outgoing webhooks, delivered over real HTTP to a fake receiver.

Signatures are checked with `standardwebhooks`, the specification's reference library, not
with core/webhook_signing.py. Time is a clock the test moves: no test sleeps for a retry.
"""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from core import webhooks
from core.address_policy import AddressPolicy
from core.desk import wake_snoozed
from core.models import WebhookDelivery, WebhookEndpoint
from core.webhook_sender import (
    RETENTION,
    SCHEDULE,
    RetrySchedule,
    WebhookSender,
    prune,
    retry_after,
)
from tests.core.desk.helpers import running_world
from tests.fakes.receiver import FakeReceiver
from tests.panel.helpers import make_user

LOCAL = AddressPolicy(allow_private=True)  # the fake receiver listens on loopback


class Clock:
    """Starts at the real time (the reference library refuses a timestamp five minutes
    off) and moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
async def receiver():
    async with FakeReceiver() as fake:
        yield fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sender(clock):
    made = WebhookSender(LOCAL, clock=clock, rng=random.Random(7))
    yield made
    await made.close()


async def _endpoint(url: str, clock: Clock, types=webhooks.EVENT_TYPES) -> webhooks.Endpoint:
    return await webhooks.create_endpoint(LOCAL, url=url, event_types=types,
                                          description="CRM", now=clock())


def _verified(secret: str, received) -> dict:
    """The payload, verified as an integrator's Standard Webhooks library would."""
    return Webhook(secret).verify(received.body, received.headers)


def _signed_at_its_time(secret: str, received) -> dict:
    """The same check at the timestamp the attempt carries, for attempts made at a time the
    test moved to (the library compares timestamps with the real clock)."""
    moment = datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(received.headers["webhook-id"], moment,
                                    received.body.decode())
    assert expected in received.headers["webhook-signature"].split(" ")
    return orjson.loads(received.body)


async def test_an_event_arrives_signed_as_the_standard_says(database, receiver, sender, clock):
    endpoint = await _endpoint(receiver.url, clock)
    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 24
    async for world in running_world():
        conversation_id = await world.message(5, "سلام، سفارشم کجاست؟")
    clock.advance(timedelta(seconds=1))  # the inbox stamps rows with the real time
    assert await sender.deliver_due() == 2
    # Sent side by side: in whichever order they arrived.
    first, second = sorted(receiver.received, key=lambda r: orjson.loads(r.body)["type"])
    created, message = _verified(endpoint.secret, first), _verified(endpoint.secret, second)
    assert created["type"] == "conversation.created"
    assert created["data"]["conversation"]["id"] == conversation_id
    assert message["type"] == "message.created"
    assert message["data"]["message"]["text"] == "سلام، سفارشم کجاست؟"
    assert message["data"]["message"]["direction"] == "in"
    assert first.headers["webhook-id"] != second.headers["webhook-id"]
    assert first.headers["webhook-timestamp"] == str(int(clock().timestamp()))
    rows = await WebhookDelivery.all().order_by("id")
    assert [row.state for row in rows] == ["delivered", "delivered"]
    assert await sender.deliver_due() == 0  # delivered once


async def test_a_wrong_secret_or_a_changed_body_does_not_verify(database, receiver, sender,
                                                                clock):
    from standardwebhooks.webhooks import WebhookVerificationError

    endpoint = await _endpoint(receiver.url, clock)
    await webhooks.send_test(endpoint.id, clock())
    await sender.deliver_due()
    (received,) = receiver.received
    assert _verified(endpoint.secret, received)["type"] == "webhook.test"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(b"x" * 24).decode()).verify(received.body,
                                                                         received.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(received.body + b" ", received.headers)


async def test_the_desk_and_the_survey_tell_integrators(database, receiver, sender, clock):
    endpoint = await _endpoint(receiver.url, clock, types=(
        webhooks.MESSAGE_CREATED, webhooks.CONVERSATION_STATUS_CHANGED,
        webhooks.CONVERSATION_ASSIGNED))
    async for world in running_world():
        owner = await world.desk.viewer(await make_user("o@example.com", role="owner"))
        conversation_id = await world.message(6, "سلام")
        await world.desk.reply(owner, conversation_id, "در خدمتم")
        await world.desk.assign(owner, conversation_id, assignee_id=owner.user_id, team_id=None)
        await world.desk.snooze(owner, conversation_id, datetime.now(UTC) + timedelta(hours=1))
        assert await wake_snoozed(world.bus, datetime.now(UTC) + timedelta(hours=2)) == [
            conversation_id]
        await world.desk.resolve(owner, conversation_id)
    clock.advance(timedelta(hours=3))  # the desk stamps rows with the real time
    while await sender.deliver_due():
        pass
    payloads = [_signed_at_its_time(endpoint.secret, r) for r in receiver.received]
    by_type: dict[str, list[dict]] = {}
    for payload in payloads:
        by_type.setdefault(payload["type"], []).append(payload["data"])
    assert sorted(m["message"]["author"] for m in by_type["message.created"]) == [
        "agent", "customer"]
    assert by_type["conversation.assigned"] == [{
        "conversation_id": conversation_id, "assignee_id": owner.user_id, "team_id": None}]
    assert sorted((c["previous_status"], c["status"])
                  for c in by_type["conversation.status_changed"]) == [
        ("open", "snoozed"), ("pending", "resolved"), ("snoozed", "pending")]
    assert len(payloads) == 6


async def test_a_change_rolled_back_tells_nothing(database, receiver, sender, clock):
    """Recorded in the change's transaction: no event for what did not happen."""
    from tortoise.transactions import in_transaction

    await _endpoint(receiver.url, clock)
    with pytest.raises(RuntimeError):
        async with in_transaction("default") as conn:
            await webhooks.record(conn, [webhooks.assigned(1, None, None)], clock())
            raise RuntimeError("the change failed")
    assert await WebhookDelivery.all().count() == 0


async def test_retries_keep_the_id_and_are_signed_anew(database, receiver, sender, clock):
    endpoint = await _endpoint(receiver.url, clock)
    receiver.answers = [(500, {}), (503, {}), (200, {})]
    delivery_id = await webhooks.send_test(endpoint.id, clock())
    assert await sender.deliver_due() == 1
    row = await WebhookDelivery.get(id=delivery_id)
    assert (row.state, row.attempts, row.last_status) == ("pending", 1, 500)
    first_wait = row.next_attempt_at - clock()
    assert SCHEDULE[0] * 0.8 <= first_wait <= SCHEDULE[0] * 1.2
    assert await sender.deliver_due() == 0  # not due yet
    clock.advance(first_wait)
    assert await sender.deliver_due() == 1
    clock.advance((await WebhookDelivery.get(id=delivery_id)).next_attempt_at - clock())
    assert await sender.deliver_due() == 1
    assert (await WebhookDelivery.get(id=delivery_id)).state == "delivered"
    ids = {r.headers["webhook-id"] for r in receiver.received}
    stamps = [r.headers["webhook-timestamp"] for r in receiver.received]
    assert len(receiver.received) == 3 and len(ids) == 1 and len(set(stamps)) == 3
    for received in receiver.received:  # each attempt verifies at its own timestamp
        _signed_at_its_time(endpoint.secret, received)


def test_the_schedule_spans_about_three_days_with_jitter():
    schedule = RetrySchedule()
    assert timedelta(hours=70) < sum(SCHEDULE, timedelta()) < timedelta(hours=74)
    rng = random.Random(1)
    waits = {schedule.delay(3, None, rng) for _ in range(50)}
    assert len(waits) > 40  # spread, not one instant for every failure of a burst
    assert all(SCHEDULE[2] * 0.8 <= wait <= SCHEDULE[2] * 1.2 for wait in waits)
    assert schedule.max_attempts == len(SCHEDULE) + 1


async def test_giving_up_after_the_last_attempt(database, receiver, clock):
    sender = WebhookSender(LOCAL, clock=clock, schedule=RetrySchedule(
        steps=(timedelta(seconds=1),), jitter=0.0))
    try:
        endpoint = await _endpoint(receiver.url, clock)
        receiver.answers = [(500, {}), (502, {})]
        delivery_id = await webhooks.send_test(endpoint.id, clock())
        await sender.deliver_due()
        clock.advance(timedelta(seconds=1))
        await sender.deliver_due()
    finally:
        await sender.close()
    row = await WebhookDelivery.get(id=delivery_id)
    assert row.state == "failed" and row.last_error.startswith("gave up after 2 attempts")


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured(database, receiver, sender, clock, status):
    endpoint = await _endpoint(receiver.url, clock)
    receiver.answers = [(status, {"Retry-After": "3600"})]
    delivery_id = await webhooks.send_test(endpoint.id, clock())
    await sender.deliver_due()
    row = await WebhookDelivery.get(id=delivery_id)
    assert row.next_attempt_at - clock() == timedelta(hours=1)
    clock.advance(timedelta(minutes=59))
    assert await sender.deliver_due() == 0
    clock.advance(timedelta(minutes=1))
    assert await sender.deliver_due() == 1
    assert (await WebhookDelivery.get(id=delivery_id)).state == "delivered"


def test_retry_after_as_a_date_and_garbage():
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert retry_after("Wed, 02 Dec 2026 12:10:00 GMT", now) == timedelta(minutes=10)
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None
    assert retry_after("120", now) == timedelta(seconds=120)


async def test_410_disables_the_endpoint(database, receiver, sender, clock):
    endpoint = await _endpoint(receiver.url, clock)
    receiver.answers = [(410, {})]
    gone = await webhooks.send_test(endpoint.id, clock())
    await sender.deliver_due()
    waiting = await webhooks.send_test(endpoint.id, clock())
    assert await sender.deliver_due() == 0  # nothing goes to a disabled endpoint
    assert (await WebhookDelivery.get(id=gone)).state == "failed"
    stored = await WebhookEndpoint.get(id=endpoint.id)
    assert not stored.enabled and "410" in stored.disabled_reason
    await webhooks.set_enabled(endpoint.id, True, clock())
    assert await sender.deliver_due() == 1
    assert (await WebhookDelivery.get(id=waiting)).state == "delivered"


async def test_a_redirect_is_not_followed(database, receiver, sender, clock):
    endpoint = await _endpoint(f"{receiver.base_url}/moved", clock)
    delivery_id = await webhooks.send_test(endpoint.id, clock())
    await sender.deliver_due()
    assert [r.path for r in receiver.received] == ["/moved"]
    row = await WebhookDelivery.get(id=delivery_id)
    assert row.state == "pending" and row.last_status == 307
    assert "not followed" in row.last_error


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://[::1]/hook", "http://10.0.0.8/hook",
    "http://169.254.169.254/latest/meta-data", "http://localhost:8080/hook",
    "http://[::ffff:127.0.0.1]/hook", "ftp://example.com/hook", "http://user:pw@example.com/",
])
async def test_a_private_or_odd_url_is_refused_at_registration(database, clock, url):
    with pytest.raises(webhooks.WebhookError):
        await webhooks.create_endpoint(AddressPolicy(), url=url, event_types=["message.created"],
                                       description="", now=clock())
    assert await WebhookEndpoint.all().count() == 0


async def test_a_name_that_resolves_to_loopback_is_refused_when_sending(database, receiver,
                                                                         clock):
    """Registered while private addresses were allowed (or a name re-pointed since):
    the connection itself refuses, and nothing reaches the receiver."""
    endpoint = await _endpoint(f"http://localhost:{receiver.port}/hook", clock)
    strict = WebhookSender(AddressPolicy(), clock=clock)
    try:
        delivery_id = await webhooks.send_test(endpoint.id, clock())
        await strict.deliver_due()
    finally:
        await strict.close()
    row = await WebhookDelivery.get(id=delivery_id)
    assert row.state == "pending" and row.last_error.startswith("refused")
    assert receiver.received == []


async def test_a_claim_left_by_a_killed_process_is_delivered_after_restart(
        any_database, receiver, clock):
    endpoint = await _endpoint(receiver.url, clock)
    delivery_id = await webhooks.send_test(endpoint.id, clock())
    # The first process claims the delivery and dies before its request goes out.
    from core.db import connection
    dead = WebhookSender(LOCAL, clock=clock)
    assert len(await dead._claim(connection())) == 1
    restarted = WebhookSender(LOCAL, clock=clock)
    try:
        assert await restarted.deliver_due() == 0  # its lease still runs
        clock.advance(timedelta(seconds=61))
        assert await restarted.deliver_due() == 1
    finally:
        await restarted.close()
        await dead.close()
    row = await WebhookDelivery.get(id=delivery_id)
    assert (row.state, row.attempts) == ("delivered", 2)
    assert len(receiver.received) == 1


async def test_rotation_signs_with_both_secrets_for_a_day(database, receiver, sender, clock):
    endpoint = await _endpoint(receiver.url, clock)
    rotated = await webhooks.rotate_secret(endpoint.id, clock())
    assert rotated.secret != endpoint.secret and rotated.previous_secret_until is not None
    await webhooks.send_test(endpoint.id, clock())
    await sender.deliver_due()
    received = receiver.received[-1]
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    _verified(rotated.secret, received)
    _verified(endpoint.secret, received)  # a receiver not yet switched still verifies
    clock.advance(timedelta(hours=25))
    await webhooks.send_test(endpoint.id, clock())
    await sender.deliver_due()
    assert len(receiver.received[-1].headers["webhook-signature"].split(" ")) == 1


async def test_replay_sends_the_same_event_again(database, receiver, sender, clock):
    endpoint = await _endpoint(receiver.url, clock)
    original = await webhooks.send_test(endpoint.id, clock())
    await sender.deliver_due()
    await webhooks.replay(endpoint.id, original, clock())
    await sender.deliver_due()
    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert first.body == again.body
    log = await webhooks.deliveries(endpoint.id)
    assert [entry.state for entry in log] == ["delivered", "delivered"]
    with pytest.raises(webhooks.EndpointNotFound):
        await webhooks.replay(endpoint.id + 1, original, clock())


async def test_the_secret_is_sealed_at_rest(database, clock):
    from core.db import connection, query_rows

    endpoint = await _endpoint("https://hooks.example.com/pasokh", clock)
    (row,) = await query_rows(connection(), "SELECT secret FROM webhook_endpoint")
    assert row["secret"].startswith("fernet:") and endpoint.secret not in row["secret"]
    assert "whsec" not in repr(endpoint)


async def test_unknown_types_and_no_types_are_refused(database, clock):
    for types in ([], ["message.deleted"]):
        with pytest.raises(webhooks.WebhookError):
            await _endpoint("https://hooks.example.com/", clock, types=types)


async def test_the_sender_runs_on_its_own(database, receiver, clock):
    """The loop the runtime starts: it finds due deliveries without being called."""
    running = WebhookSender(LOCAL, poll_seconds=0.01)
    endpoint = await _endpoint(receiver.url, clock)
    await running.start()
    try:
        await webhooks.send_test(endpoint.id, datetime.now(UTC))
        await receiver.wait_for(lambda fake: len(fake.received) == 1)
    finally:
        await running.close()
    assert orjson.loads(receiver.received[0].body)["type"] == "webhook.test"


async def test_finished_deliveries_leave_the_log_after_thirty_days(database, receiver, sender,
                                                                   clock):
    endpoint = await _endpoint(receiver.url, clock)
    old = await webhooks.send_test(endpoint.id, clock())
    await sender.deliver_due()
    clock.advance(RETENTION + timedelta(minutes=1))
    waiting = await webhooks.send_test(endpoint.id, clock())
    assert await prune(clock()) == 1
    assert [row.id for row in await WebhookDelivery.all()] == [waiting]
    assert old != waiting


async def test_a_bus_notice_wakes_the_sender(database, receiver, clock):
    """After a commit the senders hear of it on the bus instead of waiting for a poll."""
    from core.bus import InProcessBus

    bus = InProcessBus()
    await bus.start()
    waking = WebhookSender(LOCAL, poll_seconds=3600)  # a poll would never come in time
    endpoint = await _endpoint(receiver.url, clock)
    await waking.start(bus)
    try:
        await receiver.wait_for(lambda fake: True)  # the first, empty pass is done
        await webhooks.send_test(endpoint.id, datetime.now(UTC))
        await bus.publish(webhooks.DUE_TOPIC, {})
        await receiver.wait_for(lambda fake: len(fake.received) == 1)
    finally:
        await waking.close()
        await bus.close()


async def test_a_hanging_receiver_does_not_hold_up_another(database, receiver, clock):
    running = WebhookSender(LOCAL, poll_seconds=0.01)
    stuck = await _endpoint(f"{receiver.base_url}/stuck", clock)
    healthy = await _endpoint(receiver.url, clock)
    await running.start()
    try:
        await webhooks.send_test(stuck.id, datetime.now(UTC))
        await receiver.wait_for(lambda fake: [r.path for r in fake.received] == ["/stuck"])
        await webhooks.send_test(healthy.id, datetime.now(UTC))
        await receiver.wait_for(lambda fake: [r.path for r in fake.received] == [
            "/stuck", "/hook"])
        receiver.release.set()
        await receiver.wait_for(lambda fake: True)
    finally:
        await running.close()
    assert {row.state for row in await WebhookDelivery.all()} == {"delivered"}


async def test_an_opt_out_tells_integrators_once(database, receiver, sender, clock):
    """The SMS line's «۱۱» (or a provider's "blocked") opts a customer out: customer.opted_out,
    in the opt-out's own transaction; the same opt-out again tells nothing more."""
    from tortoise.transactions import in_transaction

    from core.models import Channel, Customer
    from core.opt_outs import set_opt_out

    endpoint = await _endpoint(receiver.url, clock, types=(webhooks.CUSTOMER_OPTED_OUT,))
    customer = await Customer.create(display_name="مریم")
    channel = await Channel.create(platform="sms", key="kavenegar:1000", name="SMS")
    for _ in range(2):
        async with in_transaction("default") as conn:
            await set_opt_out(conn, customer_id=customer.id, channel_id=channel.id,
                              opted_out=True, now=clock())
    while await sender.deliver_due():
        pass
    (payload,) = [_verified(endpoint.secret, received) for received in receiver.received]
    assert payload["type"] == "customer.opted_out"
    assert payload["data"]["customer_id"] == customer.id
    assert payload["data"]["channel_id"] == channel.id
