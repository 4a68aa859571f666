"""Outgoing webhooks: the endpoints owners register, and the events recorded for them.

An event is recorded in the transaction of the change it tells of (a stored message, a
resolve, an assignment): one `webhook_delivery` row per endpoint that wants its type, so an
event is never told of a change that was rolled back, and never lost once the change is
committed. core/webhook_sender.py delivers the rows (at least once, signed per attempt).

Errors are `WebhookError`s whose text is a translation key; `detail` adds what was refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.address_policy import AddressPolicy, AddressRefused
from core.db import dialect_sql, query_rows
from core.events import InboundEvent
from core.i18n import gettext_noop
from core.models import Author, Direction, WebhookDelivery, WebhookEndpoint, WebhookState
from core.sqlvalues import db_time
from core.webhook_signing import new_message_id, new_secret

MESSAGE_CREATED = "message.created"
CONVERSATION_CREATED = "conversation.created"
CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
CONVERSATION_ASSIGNED = "conversation.assigned"
CSAT_SUBMITTED = "csat.submitted"
CUSTOMER_OPTED_OUT = "customer.opted_out"
EVENT_TYPES = (MESSAGE_CREATED, CONVERSATION_CREATED, CONVERSATION_STATUS_CHANGED,
               CONVERSATION_ASSIGNED, CSAT_SUBMITTED, CUSTOMER_OPTED_OUT)
# Published on the bus after a test, a replay or a resume, so that a sender looks at once.
DUE_TOPIC = "webhook.due"
TEST_EVENT = "webhook.test"  # sent by "send a test event" only, to the one endpoint

MAX_ENDPOINTS = 20
MAX_DESCRIPTION_CHARS = 128
# After a rotation the previous secret signs too, for this long (receivers switch over).
ROTATION_OVERLAP = timedelta(hours=24)
LOG_PAGE = 50
MAX_TEXT_CHARS = 20_000  # as the inbox stores it


class WebhookError(ValueError):
    """Cannot register, change or replay; str() is a translation key."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(key)
        self.detail = detail


class EndpointNotFound(WebhookError):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookEvent:
    """Something that happened, as receivers get it in `data`."""

    type: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    id: int
    url: str
    description: str
    event_types: tuple[str, ...]
    secret: str  # whsec_…: shown to the owner exactly as it signs
    previous_secret_until: datetime | None  # the old secret still signs until then
    enabled: bool
    disabled_reason: str | None
    created_at: datetime

    def __repr__(self) -> str:
        return f"Endpoint(id={self.id}, enabled={self.enabled})"  # never the secret


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRecord:
    id: int
    message_id: str
    event_type: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    finished_at: datetime | None


def _types_column(types: Sequence[str]) -> str:
    return "," + ",".join(types) + ","


def _endpoint(row: WebhookEndpoint, now: datetime) -> Endpoint:
    overlap = row.previous_secret_until
    return Endpoint(
        id=row.id, url=row.url, description=row.description,
        event_types=tuple(t for t in row.event_types.split(",") if t),
        secret=row.secret,
        previous_secret_until=overlap if overlap is not None and overlap > now else None,
        enabled=row.enabled, disabled_reason=row.disabled_reason, created_at=row.created_at)


def checked_types(types: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(t.strip() for t in types if t.strip()))
    if not chosen:
        raise WebhookError(gettext_noop("Choose at least one event."))
    unknown = [t for t in chosen if t not in EVENT_TYPES]
    if unknown:
        raise WebhookError(gettext_noop("There is no such event type."), ", ".join(unknown))
    return chosen


async def checked_url(policy: AddressPolicy, raw_url: str) -> str:
    """The URL as it will be called, once its form and its host's addresses pass."""
    try:
        url = policy.check_url(raw_url)
        await policy.check_resolved(url.raw_host or "", url.port or 0)
    except AddressRefused as error:
        raise WebhookError(gettext_noop(
            "Pasokh calls only public internet addresses over http(s)."), str(error)) from None
    return str(url)


async def create_endpoint(policy: AddressPolicy, *, url: str, event_types: Sequence[str],
                          description: str, now: datetime) -> Endpoint:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise WebhookError(gettext_noop("The description is too long."))
    types = checked_types(event_types)
    checked = await checked_url(policy, url)
    if await WebhookEndpoint.all().count() >= MAX_ENDPOINTS:
        raise WebhookError(gettext_noop("There are as many endpoints as Pasokh keeps."))
    row = await WebhookEndpoint.create(url=checked, description=description,
                                       event_types=_types_column(types), secret=new_secret(),
                                       enabled=True, created_at=now)
    return _endpoint(row, now)


async def list_endpoints(now: datetime) -> list[Endpoint]:
    return [_endpoint(row, now) for row in await WebhookEndpoint.all().order_by("id")]


async def _row(endpoint_id: int) -> WebhookEndpoint:
    row = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if row is None:
        raise EndpointNotFound(gettext_noop("There is no such webhook endpoint."))
    return row


async def get_endpoint(endpoint_id: int, now: datetime) -> Endpoint:
    return _endpoint(await _row(endpoint_id), now)


async def delete_endpoint(endpoint_id: int) -> None:
    await (await _row(endpoint_id)).delete()  # its deliveries go with it (cascade)


async def set_enabled(endpoint_id: int, enabled: bool, now: datetime) -> Endpoint:
    """Enabling again is how an owner resumes after a 410: what waited goes out then."""
    row = await _row(endpoint_id)
    row.enabled = enabled
    row.disabled_reason = None if enabled else gettext_noop("Disabled by an owner.")
    await row.save(update_fields=["enabled", "disabled_reason"])
    return _endpoint(row, now)


async def rotate_secret(endpoint_id: int, now: datetime) -> Endpoint:
    """A new secret signs from now on; the previous one signs as well for ROTATION_OVERLAP."""
    row = await _row(endpoint_id)
    row.previous_secret, row.secret = row.secret, new_secret()
    row.previous_secret_until = now + ROTATION_OVERLAP
    await row.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return _endpoint(row, now)


async def deliveries(endpoint_id: int, *, before: int | None = None,
                     limit: int = LOG_PAGE) -> list[DeliveryRecord]:
    """The endpoint's delivery log, newest first."""
    await _row(endpoint_id)
    query = WebhookDelivery.filter(endpoint_id=endpoint_id)
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(limit)
    return [DeliveryRecord(id=row.id, message_id=row.message_id, event_type=row.event_type,
                           state=row.state, attempts=row.attempts, last_status=row.last_status,
                           last_error=row.last_error, created_at=row.created_at,
                           next_attempt_at=row.next_attempt_at, finished_at=row.finished_at)
            for row in rows]


async def replay(endpoint_id: int, delivery_id: int, now: datetime) -> int:
    """The same event (same webhook-id and body) once more, as a new delivery: a receiver
    that deduplicates by webhook-id sees it as the redelivery it is."""
    original = await WebhookDelivery.get_or_none(id=delivery_id, endpoint_id=endpoint_id)
    if original is None:
        raise EndpointNotFound(gettext_noop("There is no such delivery."))
    copy = await WebhookDelivery.create(
        endpoint_id=endpoint_id, message_id=original.message_id,
        event_type=original.event_type, body=original.body, state=WebhookState.PENDING.value,
        attempts=0, next_attempt_at=now, created_at=now)
    return copy.id


async def send_test(endpoint_id: int, now: datetime) -> int:
    """A `webhook.test` event to this endpoint alone, whatever types it takes."""
    row = await _row(endpoint_id)
    body = _body(WebhookEvent(type=TEST_EVENT, data={"endpoint_id": row.id}), now)
    test = await WebhookDelivery.create(
        endpoint_id=row.id, message_id=new_message_id(), event_type=TEST_EVENT, body=body,
        state=WebhookState.PENDING.value, attempts=0, next_attempt_at=now, created_at=now)
    return test.id


def _body(event: WebhookEvent, now: datetime) -> str:
    """The payload shape of Standard Webhooks: type, timestamp, data."""
    return orjson.dumps({"type": event.type, "timestamp": now.isoformat(),
                         "data": event.data}).decode()


async def subscribed(conn: BaseDBAsyncClient) -> list[dict[str, Any]]:
    """The enabled endpoints (id, event_types): empty, the caller need not build events."""
    return await query_rows(conn, "SELECT id, event_types FROM webhook_endpoint"
                                  " WHERE enabled = ?", [True])


def wants(endpoints: Sequence[Mapping[str, Any]], event_type: str) -> bool:
    return any(f",{event_type}," in endpoint["event_types"] for endpoint in endpoints)


async def record(conn: BaseDBAsyncClient, events: Sequence[WebhookEvent], now: datetime,
                 endpoints: Sequence[Mapping[str, Any]] | None = None) -> None:
    """One delivery per event per enabled endpoint that takes its type, written in the
    caller's transaction. One query when no endpoint wants any of them (none when the
    caller passes `subscribed`'s answer)."""
    if not events:
        return
    if endpoints is None:
        endpoints = await subscribed(conn)
    if not endpoints:
        return
    stamp = db_time(conn, now)
    rows: list[list[Any]] = []
    for event in events:
        wanted = [e["id"] for e in endpoints if f",{event.type}," in e["event_types"]]
        if not wanted:
            continue
        body, message_id = _body(event, now), new_message_id()
        rows += [[endpoint_id, message_id, event.type, body, WebhookState.PENDING.value,
                  stamp, stamp] for endpoint_id in wanted]
    if rows:
        await conn.execute_many(
            dialect_sql(conn, "INSERT INTO webhook_delivery (endpoint_id, message_id,"
                              " event_type, body, state, attempts, next_attempt_at, created_at)"
                              " VALUES (?, ?, ?, ?, ?, 0, ?, ?)"),
            rows)


async def record_inbound(conn: BaseDBAsyncClient,
                         messages: Sequence[tuple[int, int, InboundEvent]],
                         created: set[int], now: datetime) -> None:
    """The inbox's new customer messages (message id, conversation id, event) and the
    conversations it made for them, in the inbox's transaction."""
    endpoints = await subscribed(conn) if messages else []
    if not endpoints:
        return
    kept = sorted(created & {conversation_id for _, conversation_id, _ in messages})
    events: list[WebhookEvent] = []
    if kept and wants(endpoints, CONVERSATION_CREATED):
        rows = await query_rows(conn, "SELECT id, channel_id, customer_id FROM conversation"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                                      f" WHERE id IN ({', '.join('?' * len(kept))})"
                                      " ORDER BY id", kept)
        events += [conversation_created(conversation_id=row["id"], channel_id=row["channel_id"],
                                        customer_id=row["customer_id"], created_at=now)
                   for row in rows]
    events += [message_created(
        message_id=message_id, conversation_id=conversation_id, channel_id=event.channel_id,
        direction=Direction.INBOUND.value, author=Author.CUSTOMER.value,
        kind=event.message_kind.value, text=(event.text or "")[:MAX_TEXT_CHARS],
        created_at=event.occurred_at) for message_id, conversation_id, event in messages]
    await record(conn, events, now, endpoints)


async def record_now(events: Sequence[WebhookEvent], now: datetime) -> None:
    """`record` in a transaction of its own, for a change already committed on its own."""
    async with in_transaction("default") as conn:
        await record(conn, events, now)


# What each event's `data` holds: ids and the facts of the change, never secrets.

def message_created(*, message_id: int, conversation_id: int, channel_id: int, direction: str,
                    author: str, kind: str, text: str, created_at: datetime) -> WebhookEvent:
    return WebhookEvent(type=MESSAGE_CREATED, data={"message": {
        "id": message_id, "conversation_id": conversation_id, "channel_id": channel_id,
        "direction": direction, "author": author, "kind": kind, "text": text,
        "created_at": created_at.isoformat()}})


def conversation_created(*, conversation_id: int, channel_id: int, customer_id: int,
                         created_at: datetime) -> WebhookEvent:
    return WebhookEvent(type=CONVERSATION_CREATED, data={"conversation": {
        "id": conversation_id, "channel_id": channel_id, "customer_id": customer_id,
        "created_at": created_at.isoformat()}})


def status_changed(conversation_id: int, status: str, previous: str | None) -> WebhookEvent:
    return WebhookEvent(type=CONVERSATION_STATUS_CHANGED, data={
        "conversation_id": conversation_id, "status": status, "previous_status": previous})


def assigned(conversation_id: int, assignee_id: int | None, team_id: int | None
             ) -> WebhookEvent:
    return WebhookEvent(type=CONVERSATION_ASSIGNED, data={
        "conversation_id": conversation_id, "assignee_id": assignee_id, "team_id": team_id})


def customer_opted_out(*, customer_id: int, channel_id: int, at: datetime) -> WebhookEvent:
    return WebhookEvent(type=CUSTOMER_OPTED_OUT, data={
        "customer_id": customer_id, "channel_id": channel_id, "opted_out_at": at.isoformat()})


def csat_submitted(conversation_id: int, score: int) -> WebhookEvent:
    return WebhookEvent(type=CSAT_SUBMITTED, data={"conversation_id": conversation_id,
                                                   "score": score})
