"""Broadcasts: one text from the owner to an audience, sent through the outbox behind every
reply.

`plan` reads the audience (labels on the customer's conversations, the channels, the last
contact) and decides for each customer the channel a proactive message may take now, by
the same rules as a follow-up (core/proactive.py: the adapter's window, opt-outs, the
phone-number fallback): how many go on which channel, who is left out and why, the text
each channel shows (an SMS ends with its opt-out code) and what the texts cost.

`start` stores the broadcast with one recipient row per customer (a channel, or the reason
it is skipped). `queue_pending` then writes pending recipients to the outbox, a batch per
transaction (never during the owner's quiet hours), each recipient marked queued in the
same transaction as its outbox row: a crash mid-broadcast leaves every recipient either
pending (queued once after the restart) or queued (never again). The outbox paces the
sends by each platform's limits and sends replies first (PROACTIVE_PRIORITY). `progress`
counts what happened since: queued, sent, delivered, failed with the reasons, and the
customers who wrote back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.db import dialect_sql, is_postgres, query_rows
from core.events import Template
from core.followup_config import quiet_hours_of
from core.followups import (
    Proactive,
    RulesOf,
    owner_rules,
    phone_identity,
    routes_of_many,
    write_proactive_many,
)
from core.i18n import gettext_noop
from core.message_meta import MessageMeta
from core.models import Author, Direction
from core.proactive import (
    BadPlaceholder,
    Route,
    Skip,
    choose_channel,
    next_allowed,
    outside_window,
    placeholders,
    render,
)
from core.segments import PartBilling, count_segments
from core.sqlvalues import db_json, db_time, from_db_time, from_json

BATCH = 500  # recipients written to the outbox per transaction
MAX_TEXT = 4000
MAX_LABELS = 20
BROADCAST_VALUES = ("name",)  # the placeholders a broadcast's text may use
SAMPLE_NAME = "مریم"  # the name a preview shows when the audience is empty
ONLY_NAME = gettext_noop("Only {name} can be filled in: write nothing else in braces.")
TEMPLATE_CATEGORIES = ("utility", "marketing")
MAX_PARAMETER = 1024  # characters of one template parameter (WhatsApp's limit)


class RecipientState(StrEnum):
    PENDING = "pending"  # to be written to the outbox
    QUEUED = "queued"  # written; its message carries the delivery
    SKIPPED = "skipped"  # not sent: `reason`


class BroadcastRefused(ValueError):
    """The broadcast cannot go as written; the message (an English msgid) says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Audience:
    labels: tuple[str, ...] = ()  # any of them on one of the customer's conversations
    channel_ids: tuple[int, ...] = ()  # only these channels; () for every channel
    contacted_within_days: int | None = None  # their last conversation moved this recently

    def to_json(self) -> dict[str, object]:
        return {"labels": list(self.labels), "channel_ids": list(self.channel_ids),
                "contacted_within_days": self.contacted_within_days}

    @classmethod
    def from_json(cls, value: dict[str, object] | None) -> Audience:
        value = value or {}
        days = value.get("contacted_within_days")
        return cls(labels=tuple(str(x) for x in value.get("labels") or ()),  # type: ignore[attr-defined]
                   channel_ids=tuple(int(x) for x in value.get("channel_ids") or ()),  # type: ignore[attr-defined]
                   contacted_within_days=int(days) if isinstance(days, int) else None)


@dataclass(frozen=True, slots=True, kw_only=True)
class BroadcastTemplate:
    """The approved template (one of the owner's `whatsapp_templates`) that carries the
    broadcast to customers past a platform's window (WhatsApp's 24 hours), as a follow-up
    rule's template does; its body parameters may use {name}. Inside the window the text
    goes as it is."""

    name: str
    language: str
    category: str  # utility or marketing: what Meta bills it as
    parameters: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "language": self.language, "category": self.category,
                "parameters": list(self.parameters)}

    @classmethod
    def from_json(cls, value: dict[str, object] | None) -> BroadcastTemplate | None:
        if not value:
            return None
        return cls(name=str(value["name"]), language=str(value["language"]),
                   category=str(value["category"]),
                   parameters=tuple(str(x) for x in value.get("parameters") or ()))  # type: ignore[attr-defined]

    def for_customer(self, name: str) -> Template:
        """The template as one recipient gets it: their name in its parameters."""
        return Template(name=self.name, language=self.language, parameters=tuple(
            render(parameter, {"name": name or SAMPLE_NAME}) for parameter in self.parameters))


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelShare:
    """The recipients one channel carries, what they see and what the texts cost."""

    channel_id: int
    name: str
    platform: str
    count: int
    preview: str  # the text as the first of them gets it
    templated: int = 0  # of them, those past the window, who get the template instead
    template_preview: tuple[str, ...] = ()  # its parameters as the first of those gets them
    text_parts: int  # parts of that text where the channel bills per part, else 0
    cost: int  # the sum of every recipient's parts × the part's price; 0 when unknown


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    customer_id: int
    name: str
    route: Route | None
    reason: Skip | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    shares: tuple[ChannelShare, ...]
    excluded: tuple[tuple[str, int], ...]  # (reason, how many)
    choices: tuple[Choice, ...]

    @property
    def reached(self) -> int:
        return sum(share.count for share in self.shares)

    @property
    def cost(self) -> int:
        return sum(share.cost for share in self.shares)


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    id: int
    text: str
    audience: Audience
    created_at: datetime
    total: int
    pending: int
    queued: int
    sent: int
    delivered: int
    failed: tuple[tuple[str, int], ...]  # (the reason the platform gave, how many)
    skipped: tuple[tuple[str, int], ...]
    replied: int  # recipients who wrote to the channel after it was queued

    @property
    def failed_count(self) -> int:
        return sum(count for _, count in self.failed)

    @property
    def done(self) -> int:
        """Recipients whose message has an outcome (sent, delivered or failed)."""
        return self.sent + self.delivered + self.failed_count

    @property
    def to_send(self) -> int:
        return self.pending + self.queued

    @property
    def percent(self) -> int:
        return 100 if not self.to_send else int(100 * self.done / self.to_send)

    @property
    def finished(self) -> bool:
        return self.done >= self.to_send


def check_text(text: str) -> str:
    """The text, stripped; BroadcastRefused when it is empty, too long or has a placeholder
    other than {name}."""
    text = text.strip()
    if not text:
        raise BroadcastRefused(gettext_noop("Write the message first."))
    if len(text) > MAX_TEXT:
        raise BroadcastRefused(gettext_noop("The message is longer than 4000 characters."))
    _check_only_name(text)
    return text


def _check_only_name(text: str) -> None:
    """BroadcastRefused unless {name} is the only placeholder in the text."""
    try:
        names = placeholders(text)
    except BadPlaceholder:
        raise BroadcastRefused(ONLY_NAME) from None
    if any(name not in BROADCAST_VALUES for name in names):
        raise BroadcastRefused(ONLY_NAME)


async def listed_templates(conn: BaseDBAsyncClient) -> list[tuple[str, str, int, str]]:
    """The owner's approved templates (`whatsapp_templates`): name, language, how many body
    parameters, description."""
    rows = await conn.execute_query_dict("SELECT document FROM owner_config WHERE id = 1")
    document = (from_json(rows[0]["document"]) or {}) if rows else {}
    return [(str(t.get("name", "")), str(t.get("language", "")), int(t.get("parameters") or 0),
             str(t.get("description") or ""))
            for t in document.get("whatsapp_templates") or () if isinstance(t, dict)]


async def check_template(conn: BaseDBAsyncClient, template: BroadcastTemplate | None
                         ) -> BroadcastTemplate | None:
    """The template, when it is one of the owner's with as many parameters as it has, each
    filled in with only {name} as a placeholder; else BroadcastRefused."""
    if template is None:
        return None
    if template.category not in TEMPLATE_CATEGORIES:
        raise BroadcastRefused(gettext_noop("Choose the template's category: utility or "
                                            "marketing."))
    listed = {(name, language): count
              for name, language, count, _ in await listed_templates(conn)}
    count = listed.get((template.name, template.language))
    if count is None:
        raise BroadcastRefused(gettext_noop("Choose one of the approved templates listed in "
                                            "the settings."))
    parameters = tuple(p.strip() for p in template.parameters)
    if len(parameters) != count or not all(parameters):
        raise BroadcastRefused(gettext_noop("Fill in each of the template's parameters, one "
                                            "per line, as many as it has."))
    if any(len(p) > MAX_PARAMETER for p in parameters):
        raise BroadcastRefused(gettext_noop("A template's parameter is at most 1024 "
                                            "characters."))
    for parameter in parameters:
        _check_only_name(parameter)
    return replace(template, parameters=parameters)


async def _audience(conn: BaseDBAsyncClient, audience: Audience, now: datetime
                    ) -> list[dict[str, object]]:
    """The customers the audience names (id, display name), in order."""
    where, values = ["(EXISTS (SELECT 1 FROM identity i WHERE i.customer_id = cu.id) OR"
                     " cu.phone IS NOT NULL)"], []
    if audience.labels:
        marks = ", ".join("?" * len(audience.labels))
        where.append("EXISTS (SELECT 1 FROM conversation c JOIN conversation_label l ON"  # nosec B608 # only "?" marks are formatted in; values are bound
                     " l.conversation_id = c.id WHERE c.customer_id = cu.id"
                     f" AND l.name IN ({marks}))")
        values.extend(audience.labels)
    if audience.contacted_within_days is not None:
        where.append("EXISTS (SELECT 1 FROM conversation c WHERE c.customer_id = cu.id"
                     " AND c.last_message_at >= ?)")
        values.append(db_time(conn, now - timedelta(days=audience.contacted_within_days)))
    return await query_rows(
        conn, "SELECT cu.id, cu.display_name FROM customer cu WHERE "  # nosec B608 # only fixed clauses and "?" marks are formatted in; values are bound
              + " AND ".join(where) + " ORDER BY cu.id", values)


async def plan(conn: BaseDBAsyncClient, audience: Audience, text: str, now: datetime,
               rules_of: RulesOf, billing: PartBilling,
               template: BroadcastTemplate | None = None) -> Plan:
    """Who the broadcast would reach now, on which channel (past a window, with the
    template where the channel takes one), and who not and why."""
    names = {row["id"]: row["name"] for row in await query_rows(
        conn, "SELECT id, name FROM channel", [])}
    platforms = {row["id"]: row["platform"] for row in await query_rows(
        conn, "SELECT id, platform FROM channel", [])}
    customers = await _audience(conn, audience, now)
    routes_by_customer = await routes_of_many(
        conn, [int(str(row["id"])) for row in customers], rules_of)
    choices: list[Choice] = []
    for row in customers:
        customer_id = int(str(row["id"]))
        routes = routes_by_customer[customer_id]
        if audience.channel_ids:
            routes = [r for r in routes if r.channel_id in audience.channel_ids]
        route = choose_channel(routes, now, template=template is not None)
        choices.append(Choice(customer_id=customer_id, name=str(row["display_name"] or ""),
                              route=route,
                              reason=None if route else _skip_reason(routes, now)))
    shares = []
    by_channel: dict[int, list[Choice]] = {}
    for choice in choices:
        if choice.route is not None:
            by_channel.setdefault(choice.route.channel_id, []).append(choice)
    for channel_id, chosen in sorted(by_channel.items()):
        platform = platforms[channel_id]
        texts = [message_text(text, c.name, c.route) for c in chosen if c.route is not None]
        billed = platform in billing.platforms
        price = billing.price(channel_id) if billed else 0
        parts = [count_segments(t).parts for t in texts] if billed else []
        templated = [c for c in chosen if template is not None and c.route is not None
                     and outside_window(c.route, now)]
        shares.append(ChannelShare(
            channel_id=channel_id, name=names[channel_id], platform=platform,
            count=len(chosen), preview=texts[0], text_parts=parts[0] if parts else 0,
            cost=sum(parts) * price, templated=len(templated),
            template_preview=template.for_customer(templated[0].name).parameters
            if template is not None and templated else ()))
    excluded = Counter(c.reason.value for c in choices if c.reason is not None)
    return Plan(shares=tuple(shares), excluded=tuple(sorted(excluded.items())),
                choices=tuple(choices))


def _skip_reason(routes: Sequence[Route], now: datetime) -> Skip:
    """Why no route may carry the message: opted out on every channel, past a window that
    an approved template would pass (none was chosen), or none may now."""
    if routes and all(r.opted_out for r in routes):
        return Skip.OPTED_OUT
    if any(not r.opted_out and not r.unreachable and r.rules.templates_outside_window
           and outside_window(r, now) for r in routes):
        return Skip.NEEDS_TEMPLATE
    return Skip.NO_CHANNEL


def message_text(text: str, name: str, route: Route | None) -> str:
    """The text as one recipient gets it: their name in, and the channel's opt-out suffix."""
    suffix = route.rules.opt_out_suffix if route is not None else ""
    return render(text, {"name": name or SAMPLE_NAME}) + suffix


def interleaved(choices: Sequence[Choice]) -> list[Choice]:
    """The recipients in the order they are written to the outbox: each channel's share
    spread evenly over the broadcast (the k-th of n on a channel at (k + ½) / n), so that
    the outbox, which serves what is due first, works on every channel from the start
    instead of one channel's queue holding the others back. Skipped ones last."""
    reached = [c for c in choices if c.route is not None]
    counts = Counter(c.route.channel_id for c in reached if c.route is not None)
    seen: Counter[int] = Counter()
    keyed = []
    for choice in reached:
        channel_id = choice.route.channel_id if choice.route is not None else 0
        keyed.append(((seen[channel_id] + 0.5) / counts[channel_id], channel_id, choice))
        seen[channel_id] += 1
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [choice for _, _, choice in keyed] + [c for c in choices if c.route is None]


async def start(audience: Audience, text: str, now: datetime, rules_of: RulesOf,
                billing: PartBilling, *, user_id: int | None,
                template: BroadcastTemplate | None = None) -> int:
    """Stores the broadcast and its recipients (each with its channel, or skipped with the
    reason); the worker writes them to the outbox. Its id."""
    text = check_text(text)
    async with in_transaction("default") as conn:
        template = await check_template(conn, template)
        planned = await plan(conn, audience, text, now, rules_of, billing, template)
        inserted = await query_rows(
            conn, "INSERT INTO broadcast (text, audience, template, total, created_by_id,"
                  " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [text, db_json(audience.to_json()),
             db_json(template.to_json()) if template else None, len(planned.choices), user_id,
             db_time(conn, now)])
        broadcast_id = int(str(inserted[0]["id"]))
        rows = [[broadcast_id, c.customer_id,
                 c.route.channel_id if c.route else None,
                 (RecipientState.PENDING if c.route else RecipientState.SKIPPED).value,
                 c.reason.value if c.reason else None] for c in interleaved(planned.choices)]
        if rows:
            await conn.execute_many(
                dialect_sql(conn, "INSERT INTO broadcast_recipient (broadcast_id, customer_id,"
                                  " channel_id, state, reason) VALUES (?, ?, ?, ?, ?)"), rows)
    return broadcast_id


async def queue_pending(conn: BaseDBAsyncClient, now: datetime, rules_of: RulesOf
                        ) -> tuple[int, int]:
    """One batch of pending recipients, in the caller's transaction: (handled, queued).
    Each is checked again (an opt-out since the broadcast started is honoured). Nothing
    during the owner's quiet hours (followup_limits): the broadcast waits for their end."""
    _, limits = await owner_rules(conn)
    if next_allowed(now, quiet_hours_of(limits)) > now:
        return 0, 0
    lock = " FOR UPDATE OF r SKIP LOCKED" if is_postgres(conn) else ""
    rows = await query_rows(
        conn, "SELECT r.id, r.customer_id, r.channel_id, b.text, b.template,"
              " b.id AS broadcast_id,"  # nosec B608 # only a fixed lock clause is formatted in; values are bound
              " cu.display_name FROM broadcast_recipient r JOIN broadcast b"
              " ON b.id = r.broadcast_id JOIN customer cu ON cu.id = r.customer_id"
              f" WHERE r.state = ? ORDER BY r.id LIMIT ?{lock}",
        [RecipientState.PENDING.value, BATCH])
    routes_by_customer = await routes_of_many(
        conn, [int(str(row["customer_id"])) for row in rows], rules_of)
    by_phone: dict[tuple[int, int], Route] = {}  # identities made in this batch
    skipped: list[list[object]] = []
    # (recipient, route, the template when it goes as one past the window)
    chosen: list[tuple[dict[str, object], Route, Template | None]] = []
    for row in rows:
        customer_id = int(str(row["customer_id"]))
        routes = [r for r in routes_by_customer[customer_id] if r.channel_id == row["channel_id"]]
        template = BroadcastTemplate.from_json(from_json(row["template"]))
        route = choose_channel(routes, now, template=template is not None)
        if route is None:
            skipped.append([RecipientState.SKIPPED.value, _skip_reason(routes, now).value,
                            row["id"]])
            continue
        if route.identity_id is None:
            key = (customer_id, route.channel_id)
            if key not in by_phone:
                by_phone[key] = await phone_identity(conn, customer_id, route, now)
            route = by_phone[key]
        chosen.append((row, route, template.for_customer(str(row["display_name"] or ""))
                       if template is not None and outside_window(route, now) else None))
    if skipped:
        await conn.execute_many(
            dialect_sql(conn, "UPDATE broadcast_recipient SET state = ?, reason = ?"
                              " WHERE id = ?"), skipped)
    message_ids = await write_proactive_many(conn, [Proactive(
        route, message_text(str(row["text"]), str(row["display_name"] or ""), route), template,
        MessageMeta(broadcast=int(str(row["broadcast_id"])), template=template.name
                    if template else None)) for row, route, template in chosen], now)
    if chosen:
        stamp = db_time(conn, now)
        await conn.execute_many(
            dialect_sql(conn, "UPDATE broadcast_recipient SET state = ?, message_id = ?,"
                              " queued_at = ? WHERE id = ?"),
            [[RecipientState.QUEUED.value, message_id, stamp, row["id"]]
             for message_id, (row, _, _) in zip(message_ids, chosen, strict=True)])
    queued = len(chosen)
    return len(rows), queued


async def progress(broadcast_id: int) -> Progress | None:
    async with in_transaction("default") as conn:
        found = await query_rows(conn, "SELECT id, text, audience, total, created_at"
                                       " FROM broadcast WHERE id = ?", [broadcast_id])
        if not found:
            return None
        states = await query_rows(
            conn, "SELECT r.state, r.reason, m.delivery, m.delivery_error, COUNT(*) AS n"
                  " FROM broadcast_recipient r LEFT JOIN message m ON m.id = r.message_id"
                  " WHERE r.broadcast_id = ? GROUP BY r.state, r.reason, m.delivery,"
                  " m.delivery_error", [broadcast_id])
        replied = await query_rows(
            conn, "SELECT COUNT(DISTINCT r.id) AS n FROM broadcast_recipient r"
                  " JOIN message q ON q.id = r.message_id JOIN message m"
                  " ON m.conversation_id IN (SELECT c.id FROM conversation c"
                  "  WHERE c.customer_id = r.customer_id AND c.channel_id = r.channel_id)"
                  " AND m.author = ? AND m.direction = ? AND m.created_at > q.created_at"
                  " WHERE r.broadcast_id = ?",
            [Author.CUSTOMER.value, Direction.INBOUND.value, broadcast_id])
    count: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for row in states:
        n = int(str(row["n"]))
        if row["state"] == RecipientState.SKIPPED.value:
            skipped[str(row["reason"])] += n
        elif row["state"] == RecipientState.PENDING.value:
            count["pending"] += n
        elif row["delivery"] == "failed":
            failed[str(row["delivery_error"] or "")] += n
        else:
            count["queued"] += n
            if row["delivery"] in ("sent", "delivered", "read", "played"):
                count["delivered" if row["delivery"] != "sent" else "sent"] += n
    head = found[0]
    return Progress(
        id=broadcast_id, text=str(head["text"]),
        audience=Audience.from_json(from_json(head["audience"])),
        created_at=from_db_time(head["created_at"]), total=int(str(head["total"])),
        pending=count["pending"], queued=count["queued"] + sum(failed.values()),
        sent=count["sent"], delivered=count["delivered"],
        failed=tuple(sorted(failed.items())), skipped=tuple(sorted(skipped.items())),
        replied=int(str(replied[0]["n"])))


async def recent(limit: int = 20) -> list[Progress]:
    async with in_transaction("default") as conn:
        rows = await query_rows(conn, "SELECT id FROM broadcast ORDER BY id DESC LIMIT ?",
                                [limit])
    found = [await progress(int(str(row["id"]))) for row in rows]
    return [item for item in found if item is not None]


async def channels() -> list[tuple[int, str, str]]:
    """The enabled channels an audience can be limited to: (id, name, platform)."""
    async with in_transaction("default") as conn:
        rows = await query_rows(conn, "SELECT id, name, platform FROM channel WHERE enabled = ?"
                                      " ORDER BY id", [True])
    return [(int(str(row["id"])), str(row["name"]), str(row["platform"])) for row in rows]


async def templates() -> list[tuple[str, str, int, str]]:
    """The owner's approved templates a broadcast may choose (`listed_templates`)."""
    async with in_transaction("default") as conn:
        return await listed_templates(conn)


async def preview(audience: Audience, text: str, now: datetime, rules_of: RulesOf,
                  billing: PartBilling, template: BroadcastTemplate | None = None) -> Plan:
    """The plan of a broadcast not started yet (the owner's preview)."""
    text = check_text(text)
    async with in_transaction("default") as conn:
        template = await check_template(conn, template)
        return await plan(conn, audience, text, now, rules_of, billing, template)
