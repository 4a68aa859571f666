"""Proactive follow-ups: scheduled from an event, sent later through the outbox.

An event (a shop's `POST /api/v1/events`, or a conversation an agent resolved) schedules one
`followup` row per matching rule of the owner's configuration, due after the rule's delay;
the pair (rule, event key) per customer is unique, so a repeated event schedules nothing
more. A rule whose placeholders the event leaves empty is skipped at once, with the reason:
a broken text is never sent.

`FollowupWorker` takes due rows and, in one transaction per batch, either moves a row past
quiet hours, skips it (opted out on every usable channel, no channel may carry it now, the
weekly cap, a conversation open with an agent, a rule removed), or writes it as a bot
message plus a low-priority outbox row and marks it queued. Writing the outbox row and
marking the row are one commit, so a crash leaves it either scheduled (sent once after the
restart) or queued (never again): no follow-up is written to the outbox twice. The time is
always passed in; nothing here reads the wall clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec
import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.db import dialect_sql, is_postgres
from core.events import ConversationStatus, OutboundKind, OutboundMessage, Platform, Template
from core.followup_config import (
    RESOLVED_EVENT,
    FollowupLimits,
    FollowupRule,
    delay_of,
    quiet_hours_of,
    template_texts,
)
from core.message_meta import MessageMeta, encode_meta
from core.models import Author, Conversation, Direction, Identity
from core.opt_outs import set_opt_out
from core.outbox_due import PROACTIVE_PRIORITY
from core.outbox_rows import OutboxEntry, enqueue
from core.proactive import (
    BY_PHONE_ROUTE,
    ProactiveRules,
    Route,
    Skip,
    choose_channel,
    missing_values,
    next_allowed,
    outside_window,
    render,
)
from core.search_index import index_messages
from core.sqlvalues import db_json, db_time, from_db_time, from_json
from core.tasks import finish
from core.text import phone_key

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RulesOf = Callable[[Platform], ProactiveRules]
# One batch of proactive messages in the caller's transaction: (handled, queued).
Pass = Callable[[BaseDBAsyncClient, datetime, RulesOf], Awaitable[tuple[int, int]]]
BATCH = 100
WEEK = timedelta(days=7)
WITH_AGENT = (ConversationStatus.PENDING.value, ConversationStatus.SNOOZED.value)


class FollowupState(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"  # written to the outbox; its message carries the delivery
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Scheduled:
    id: int
    rule: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Skipped:
    rule: str
    reason: Skip
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scheduling:
    """What an event scheduled: the API's 202 answer."""

    customer_id: int | None  # None: no rule of this event, and nobody has the number yet
    scheduled: tuple[Scheduled, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True, slots=True)
class OptOutView:
    channel_id: int
    platform: Platform
    channel_name: str
    opted_out: bool
    source: str
    changed_at: datetime


async def owner_rules(conn: BaseDBAsyncClient
                      ) -> tuple[list[FollowupRule], FollowupLimits | None]:
    """The follow-up sections of the stored configuration, read in the caller's transaction."""
    rows = await conn.execute_query_dict("SELECT document FROM owner_config WHERE id = 1")
    if not rows:
        return [], None
    document = from_json(rows[0]["document"]) or {}
    rules = msgspec.convert(document.get("followups") or [], list[FollowupRule])
    limits = document.get("followup_limits")
    return rules, (msgspec.convert(limits, FollowupLimits) if limits else None)


def event_key(event_type: str, data: Mapping[str, Any]) -> str:
    """The same event posted twice has the same key (the shop's retry schedules nothing);
    the customer is part of the follow-up's unique triple, whatever form named them."""
    canonical = orjson.dumps([event_type, data], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


async def customer_by_phone(conn: BaseDBAsyncClient, phone: str, now: datetime, *,
                            create: bool) -> int | None:
    """The customer with this phone number; with `create`, a new one (known only by the
    number) when none is, so that a channel reaching phone numbers can write to them."""
    key = phone_key(phone)
    if key is None or len(key) < 8 or len(key) > 15:
        return None
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT id FROM customer WHERE phone = ? ORDER BY id LIMIT 1"), [key])
    if rows or not create:
        return int(rows[0]["id"]) if rows else None
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "INSERT INTO customer (display_name, phone, created_at)"
                          " VALUES (?, ?, ?) RETURNING id"),
        ["", key, db_time(conn, now)])
    return int(rows[0]["id"])


async def customer_by_account(conn: BaseDBAsyncClient, platform: str, user_id: str
                              ) -> int | None:
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT i.customer_id FROM identity i JOIN channel ch"
                          " ON ch.id = i.channel_id WHERE ch.platform = ? AND i.external_id = ?"
                          " ORDER BY i.id LIMIT 1"), [platform, user_id])
    return int(rows[0]["customer_id"]) if rows else None


async def schedule(conn: BaseDBAsyncClient, *, event_type: str, key: str, customer_id: int,
                   data: Mapping[str, str], rules: Sequence[FollowupRule],
                   limits: FollowupLimits | None, now: datetime) -> Scheduling:
    """One follow-up per rule of this event, due after its delay and past quiet hours."""
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT display_name FROM customer WHERE id = ?"), [customer_id])
    name = rows[0]["display_name"] if rows else ""
    # The shop's own name for the customer, when it sends one, over a platform's display name.
    values = {"name": name, **{k: str(v) for k, v in data.items()}}
    quiet = quiet_hours_of(limits)
    scheduled: list[Scheduled] = []
    skipped: list[Skipped] = []
    for rule in rules:
        if rule.event != event_type:
            continue
        missing = tuple(dict.fromkeys(
            name for text in template_texts(rule) for name in missing_values(text, values)))
        if missing:
            skipped.append(Skipped(rule.id, Skip.MISSING_VALUE, missing))
            continue
        due = next_allowed(now + (delay_of(rule.delay) or timedelta(0)), quiet)
        inserted = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "INSERT INTO followup (rule_id, event_key, event_type, customer_id, \"values\","
                " state, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (rule_id, event_key, customer_id) DO NOTHING RETURNING id",
            ),
            [rule.id, key, event_type, customer_id, db_json(values), FollowupState.SCHEDULED.value,
             db_time(conn, due), db_time(conn, now)],
        )
        if inserted:
            scheduled.append(Scheduled(int(inserted[0]["id"]), rule.id, due))
        else:  # the same event again: report the follow-up it scheduled the first time
            found = await conn.execute_query_dict(
                dialect_sql(conn, "SELECT id, due_at FROM followup WHERE rule_id = ?"
                                  " AND event_key = ? AND customer_id = ?"),
                [rule.id, key, customer_id])
            scheduled.append(Scheduled(int(found[0]["id"]), rule.id,
                                       from_db_time(found[0]["due_at"])))
    return Scheduling(customer_id, tuple(scheduled), tuple(skipped))


async def schedule_resolved(conn: BaseDBAsyncClient, *, conversation_id: int, customer_id: int,
                            now: datetime) -> Scheduling:
    """The owner's `conversation.resolved` rules, for one resolve (its conversation id is
    the key: a conversation resolved, reopened and resolved again is followed up once)."""
    rules, limits = await owner_rules(conn)
    return await schedule(conn, event_type=RESOLVED_EVENT, key=f"conversation:{conversation_id}",
                          customer_id=customer_id, data={}, rules=rules, limits=limits, now=now)


async def opt_outs_of(conn: BaseDBAsyncClient, customer_id: int) -> list[OptOutView]:
    """The channels the customer opted out of, one record each (core/opt_outs.py keeps
    them: a record is an opt-out, opting back in removes it)."""
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT o.channel_id, o.source, o.created_at, ch.platform, ch.name"
                          " FROM opt_out o JOIN channel ch ON ch.id = o.channel_id"
                          " WHERE o.customer_id = ? ORDER BY ch.id"),
        [customer_id])
    return [OptOutView(row["channel_id"], Platform(row["platform"]), row["name"],
                       True, row["source"], from_db_time(row["created_at"]))
            for row in rows]


class UnknownCustomer(LookupError):
    """No customer has this account on this platform."""


class UnknownChannel(LookupError):
    """No channel has this id."""


async def post_event(*, event_type: str, phone: str | None, platform: str | None,
                     user_id: str | None, data: Mapping[str, str | int | float],
                     now: datetime) -> Scheduling:
    """A shop's event (the API's POST /api/v1/events): the follow-ups of its rules, in one
    transaction. A phone number nobody has yet becomes a customer known by it alone."""
    values = {name: str(value) for name, value in data.items()}
    async with in_transaction("default") as conn:
        rules, limits = await owner_rules(conn)
        if phone:
            # Someone known only by the number is added only when a rule wants to write.
            customer_id = await customer_by_phone(
                conn, phone, now, create=any(rule.event == event_type for rule in rules))
            if customer_id is None:
                return Scheduling(None, (), ())
        else:
            customer_id = await customer_by_account(conn, platform or "", user_id or "")
        if customer_id is None:
            raise UnknownCustomer(phone or user_id)
        return await schedule(conn, event_type=event_type, customer_id=customer_id,
                              key=event_key(event_type, values), data=values,
                              rules=rules, limits=limits, now=now)


async def customer_opt_outs(customer_id: int) -> list[OptOutView]:
    async with in_transaction("default") as conn:
        return await opt_outs_of(conn, customer_id)


async def change_opt_out(customer_id: int, channel_id: int, opted_out: bool, now: datetime
                         ) -> list[OptOutView]:
    """Opt a customer out of (or back in to) proactive messages on a channel, for an
    integration or an agent; the customer's records afterwards."""
    async with in_transaction("default") as conn:
        found = await conn.execute_query_dict(
            dialect_sql(conn, "SELECT id FROM channel WHERE id = ?"), [channel_id])
        if not found:
            raise UnknownChannel(channel_id)
        await set_opt_out(conn, customer_id=customer_id, channel_id=channel_id,
                          opted_out=opted_out, source="api", now=now)
        return await opt_outs_of(conn, customer_id)


class FollowupWorker:
    """Sends due follow-ups; `run_due` is one pass (what tests call, with their clock)."""

    def __init__(self, clock: Clock, rules_of: RulesOf, wake_outbox: Callable[[], None], *,
                 poll_seconds: float = 30.0, passes: Sequence[Pass] = ()) -> None:
        """`passes`: more batches of proactive messages to write on each round, each
        like `dispatch_due` (core/broadcasts.py's queue_pending)."""
        self._clock = clock
        self.rules_of = rules_of  # what each platform allows, as the settings make it
        self._passes = tuple(passes)
        self._wake_outbox = wake_outbox
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever(), name="followups")

    async def close(self) -> None:
        self._stopping = True
        self._wake.set()
        await finish(self._task)

    async def _run_forever(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_due()
            except Exception:
                log.exception("followups: a pass failed; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def run_due(self) -> int:
        """Handles every follow-up due now, then what the other passes have (a broadcast's
        recipients); how many messages were written to the outbox."""
        queued = 0
        for one_batch in (dispatch_due, *self._passes):
            while True:
                async with in_transaction("default") as conn:
                    handled, sent = await one_batch(conn, self._clock(), self.rules_of)
                queued += sent
                if sent:
                    self._wake_outbox()
                if not handled:
                    break
        return queued


async def dispatch_due(conn: BaseDBAsyncClient, now: datetime, rules_of: RulesOf
                       ) -> tuple[int, int]:
    """One batch of due follow-ups, in the caller's transaction: (handled, queued)."""
    lock = " FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT id, rule_id, customer_id, \"values\" FROM followup"  # nosec B608 # only a fixed lock clause is formatted in; values are bound
                          f" WHERE state = ? AND due_at <= ? ORDER BY due_at, id LIMIT ?{lock}"),
        [FollowupState.SCHEDULED.value, db_time(conn, now), BATCH])
    if not rows:
        return 0, 0
    rules, limits = await owner_rules(conn)
    by_id = {rule.id: rule for rule in rules}
    quiet = quiet_hours_of(limits)
    cap = (limits or FollowupLimits()).per_customer_per_week
    allowed = next_allowed(now, quiet)
    queued = 0
    for row in rows:
        rule = by_id.get(row["rule_id"])
        if rule is None:
            await _skip(conn, row["id"], Skip.RULE_REMOVED)
            continue
        if allowed > now:  # quiet hours: the send waits for their end
            await conn.execute_query(
                dialect_sql(conn, "UPDATE followup SET due_at = ? WHERE id = ?"),
                [db_time(conn, allowed), row["id"]])
            continue
        reason = await _held_back(conn, row["customer_id"], now, cap)
        if reason is not None:
            await _skip(conn, row["id"], reason)
            continue
        routes = await routes_of(conn, row["customer_id"], rules_of)
        route = choose_channel(routes, now, phone_fallback=rule.sms,
                               template=rule.template is not None)
        if route is None:
            everywhere_out = bool(routes) and all(r.opted_out for r in routes)
            await _skip(conn, row["id"], Skip.OPTED_OUT if everywhere_out else Skip.NO_CHANNEL)
            continue
        if route.identity_id is None:
            route = await phone_identity(conn, row["customer_id"], route, now)
        values = from_json(row["values"]) or {}
        text = render(rule.text, values) + route.rules.opt_out_suffix
        template = None
        if rule.template is not None and outside_window(route, now):
            template = Template(name=rule.template.name, language=rule.template.language,
                                parameters=tuple(render(parameter, values)
                                                 for parameter in rule.template.parameters))
        await _queue(conn, row, route, text, template, now)
        queued += 1
    return len(rows), queued


async def _skip(conn: BaseDBAsyncClient, followup_id: int, reason: Skip) -> None:
    await conn.execute_query(
        dialect_sql(conn, "UPDATE followup SET state = ?, reason = ? WHERE id = ?"),
        [FollowupState.SKIPPED.value, reason.value, followup_id])


async def _held_back(conn: BaseDBAsyncClient, customer_id: int, now: datetime, cap: int
                     ) -> Skip | None:
    """A conversation open with an agent, or the week's follow-ups already sent."""
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT 1 AS busy FROM conversation WHERE customer_id = ?"
                          " AND status IN (?, ?) LIMIT 1"), [customer_id, *WITH_AGENT])
    if rows:
        return Skip.WITH_AGENT
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT COUNT(*) AS sent FROM followup WHERE customer_id = ?"
                          " AND state = ? AND queued_at > ?"),
        [customer_id, FollowupState.QUEUED.value, db_time(conn, now - WEEK)])
    if int(rows[0]["sent"]) >= cap:
        return Skip.WEEKLY_CAP
    return None


async def routes_of(conn: BaseDBAsyncClient, customer_id: int, rules_of: RulesOf) -> list[Route]:
    """Every identity of the customer on an enabled channel, with its latest conversation's
    chat, when the customer last wrote there, and their opt-out for the channel."""
    return (await routes_of_many(conn, [customer_id], rules_of))[customer_id]


ROUTES_CHUNK = 500  # customers read per query: under every database's bound-values limit


async def routes_of_many(conn: BaseDBAsyncClient, customer_ids: Sequence[int],
                         rules_of: RulesOf) -> dict[int, list[Route]]:
    """`routes_of` for many customers, a few queries per ROUTES_CHUNK of them: each id
    (every one given, [] for a customer with no route) to its routes."""
    found: dict[int, list[Route]] = {int(customer_id): [] for customer_id in customer_ids}
    ids = list(found)
    for first in range(0, len(ids), ROUTES_CHUNK):
        chunk = ids[first:first + ROUTES_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "SELECT i.id, i.customer_id, i.channel_id, i.unreachable, ch.platform,"  # nosec B608 # only "?" marks are formatted in; values are bound
                " (SELECT c.chat_id FROM conversation c WHERE c.identity_id = i.id"
                "  ORDER BY c.id DESC LIMIT 1) AS chat_id,"
                " (SELECT MAX(m.created_at) FROM message m JOIN conversation c"
                "  ON c.id = m.conversation_id WHERE c.identity_id = i.id AND m.author = ?)"
                "  AS last_wrote,"
                " o.id AS opted_out FROM identity i JOIN channel ch ON ch.id = i.channel_id"
                " LEFT JOIN opt_out o ON o.customer_id = i.customer_id"
                " AND o.channel_id = i.channel_id"
                f" WHERE i.customer_id IN ({marks}) AND ch.enabled = ? ORDER BY i.id",
            ),
            [Author.CUSTOMER.value, *chunk, True])
        used: dict[int, set[int]] = {customer_id: set() for customer_id in chunk}
        for row in rows:
            customer_id = int(row["customer_id"])
            used[customer_id].add(row["channel_id"])
            if row["chat_id"] is not None:
                found[customer_id].append(Route(
                    channel_id=row["channel_id"], identity_id=row["id"], chat_id=row["chat_id"],
                    rules=rules_of(Platform(row["platform"])),
                    last_wrote=from_db_time(row["last_wrote"]) if row["last_wrote"] else None,
                    opted_out=row["opted_out"] is not None,
                    unreachable=bool(row["unreachable"])))
        for customer_id, routes in (await _phone_routes(conn, used, rules_of)).items():
            found[customer_id].extend(routes)
    return found


async def _phone_routes(conn: BaseDBAsyncClient, used: Mapping[int, set[int]],
                        rules_of: RulesOf) -> dict[int, list[Route]]:
    """Each customer's phone number on each enabled channel whose adapter reaches phone
    numbers (SMS, a business API) and that they have not used yet (`used`: the channels
    of each customer's identities): the fallback."""
    marks = ", ".join("?" * len(used))
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT cu.id AS customer_id, cu.phone, ch.id, ch.platform,"  # nosec B608 # only "?" marks are formatted in; values are bound
                          " o.id AS opted_out FROM customer cu"
                          " JOIN channel ch ON ch.enabled = ? LEFT JOIN opt_out o"
                          " ON o.customer_id = cu.id AND o.channel_id = ch.id"
                          f" WHERE cu.id IN ({marks}) AND cu.phone IS NOT NULL"
                          " ORDER BY cu.id, ch.id"),
        [True, *used])
    routes: dict[int, list[Route]] = {}
    for row in rows:
        customer_id = int(row["customer_id"])
        rules = rules_of(Platform(row["platform"]))
        if rules.reaches_phone_numbers and row["id"] not in used[customer_id] and row["phone"]:
            routes.setdefault(customer_id, []).append(Route(
                channel_id=row["id"], identity_id=None, chat_id=row["phone"], rules=rules,
                last_wrote=None, by_phone=True, opted_out=row["opted_out"] is not None))
    return routes


async def phone_identity(conn: BaseDBAsyncClient, customer_id: int, route: Route,
                          now: datetime) -> Route:
    """The customer's identity on a phone-number channel (its external id is the number in
    core.text.phone_key's form, as the channel's adapter reads inbound ones), with a
    resolved conversation to hold what is sent: made on the first proactive message."""
    identity = await Identity.create(customer_id=customer_id, channel_id=route.channel_id,
                                     external_id=route.chat_id, using_db=conn)
    await Conversation.create(channel_id=route.channel_id, customer_id=customer_id,
                              identity_id=identity.id, chat_id=route.chat_id,
                              status=ConversationStatus.RESOLVED.value, created_at=now,
                              route={BY_PHONE_ROUTE: "1"},
                              last_message_at=now, resolved_at=now, using_db=conn)
    return Route(channel_id=route.channel_id, identity_id=identity.id, chat_id=route.chat_id,
                 rules=route.rules, last_wrote=None, opted_out=False, by_phone=True)


async def _queue(conn: BaseDBAsyncClient, row: Mapping[str, Any], route: Route, text: str,
                 template: Template | None, now: datetime) -> None:
    """The follow-up written to the outbox (write_proactive), and its row marked queued in
    the same transaction."""
    message_id = await write_proactive(
        conn, route, text, template,
        MessageMeta(followup=row["rule_id"], template=template.name if template else None), now)
    await conn.execute_query(
        dialect_sql(conn, "UPDATE followup SET state = ?, channel_id = ?, message_id = ?,"
                          " queued_at = ? WHERE id = ?"),
        [FollowupState.QUEUED.value, route.channel_id, message_id, db_time(conn, now),
         row["id"]])


async def write_proactive(conn: BaseDBAsyncClient, route: Route, text: str,
                          template: Template | None, meta: MessageMeta, now: datetime) -> int:
    """A message the business starts (a follow-up, a broadcast) as a bot message in the
    customer's latest conversation on the route (the text, also when an approved template
    carries it), and its outbox row behind every reply; the message's id. The route has an
    identity (`phone_identity` made it for a phone-number route)."""
    return (await write_proactive_many(conn, [Proactive(route, text, template, meta)], now))[0]


@dataclass(frozen=True, slots=True)
class Proactive:
    """One message `write_proactive_many` writes."""

    route: Route
    text: str
    template: Template | None
    meta: MessageMeta


async def write_proactive_many(conn: BaseDBAsyncClient, items: Sequence[Proactive],
                               now: datetime) -> list[int]:
    """`write_proactive` for many messages in the caller's transaction: the conversations
    read a chunk at a time, the search entries and outbox rows written in one go each; the
    messages' ids, in the items' order."""
    if not items:
        return []
    if any(item.route.identity_id is None for item in items):
        raise ValueError("a proactive message needs the customer's identity on the channel")
    identity_ids = list(dict.fromkeys(int(str(item.route.identity_id)) for item in items))
    latest: dict[int, dict[str, Any]] = {}
    for first in range(0, len(identity_ids), ROUTES_CHUNK):
        chunk = identity_ids[first:first + ROUTES_CHUNK]
        marks = ", ".join("?" * len(chunk))
        for row in await conn.execute_query_dict(
                dialect_sql(conn, "SELECT c.id, c.identity_id, c.route, ch.platform"  # nosec B608 # only "?" marks are formatted in; values are bound
                                  " FROM conversation c JOIN channel ch ON ch.id = c.channel_id"
                                  f" WHERE c.identity_id IN ({marks}) ORDER BY c.id"), chunk):
            latest[int(row["identity_id"])] = row  # the newest one stays
    stamp = db_time(conn, now)
    ids: list[int] = []
    entries: list[OutboxEntry] = []
    for item in items:
        route = item.route
        conversation = latest[int(str(route.identity_id))]
        inserted = await conn.execute_query_dict(
            dialect_sql(conn, "INSERT INTO message (conversation_id, channel_id, direction,"
                              " author, kind, text, meta, revisions, processed, delivery,"
                              " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
            [conversation["id"], route.channel_id, Direction.OUTBOUND.value, Author.BOT.value,
             "text", item.text, encode_meta(item.meta), db_json([]), True, "queued", stamp])
        ids.append(int(inserted[0]["id"]))
        message = OutboundMessage(
            platform=Platform(conversation["platform"]), channel_id=route.channel_id,
            chat_id=route.chat_id, text=item.text, route=from_json(conversation["route"]) or {},
            kind=OutboundKind.TEMPLATE if item.template else OutboundKind.TEXT,
            template=item.template)
        entries.append(OutboxEntry(route.channel_id, ids[-1], route.identity_id, route.chat_id,
                                   message, priority=PROACTIVE_PRIORITY))
    await index_messages(conn, [(message_id, latest[int(str(item.route.identity_id))]["id"],
                                 item.text) for message_id, item in zip(ids, items, strict=True)])
    await enqueue(conn, entries, now)
    return ids
