"""The outbox: every reply is a row first and a platform call second.

A worker claims due rows (state `sending`, committed before the HTTP call), paces them
with the limits the platform's transport declares, sends, and records the outcome in
batches. What it means when things go wrong:

- killed before the claim: the row is still `pending` and goes out after restart;
- killed after the claim, before the send started (a row is claimed up to a couple of
  seconds ahead of its slot): sent again on restart, not flagged — nothing was sent;
- killed after the send started (`send_started`, committed just before the platform
  call), before the outcome is recorded: the platform may or may not have the message, so
  the row is sent again on restart and flagged `possibly_duplicated` — a reply is never
  lost. A platform that takes an idempotency key gets the row's id
  (`OutboundMessage.outbox_id`) and answers the repeat with the first send;
- 429 / 5xx / timeouts: retried with exponential backoff and jitter, honouring the
  platform's `retry_after`, up to `max_attempts`; then `failed` with the reason;
- a permanent refusal: `failed` at once with the platform's reason; a blocked bot marks the
  customer unreachable and cancels what else was waiting for them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from math import ceil
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.bus import Bus, Subscription
from core.clock import SYSTEM_CLOCK, Clock
from core.db import connection, dialect_sql, is_postgres
from core.delivery import (
    AnswerLost,
    Pace,
    PermanentError,
    RecipientUnreachable,
    RetryLater,
    SendError,
    TransientError,
    Transport,
    furthest_delivery,
)
from core.events import OutboundMessage
from core.leadership import SenderLease
from core.models import OutboxState
from core.outbox_due import REPLY_PRIORITY, due_rows
from core.ratelimit import Pacer, SendWindows, Spacing
from core.reply_window import last_customer_messages, window_closed_reason
from core.sqlvalues import db_time, from_json
from core.tasks import finish

log = logging.getLogger(__name__)

TransportLookup = Callable[[int], Transport | None]
_Decoded = tuple[OutboundMessage, Transport | None]
PAGE = 64  # rows looked at per pass; a pass repeats at once while pages come back full
WAKE_TOPIC = "outbox.wake"  # rows were written for the sender, which may be another process
RECORD_BATCH_SECONDS = 0.02  # outcomes arriving this close together share one transaction
MAX_REACH_SECONDS = 2.0  # how far ahead of their slots a slow pass claims, at most
FASTEST_RATE = 100  # sends/s of the fastest pace (a WhatsApp number: 80/s), sizing a page


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 300.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        backoff = min(self.max_delay, self.base_delay * 2 ** max(0, attempt - 1))
        jittered = backoff * random.uniform(0.5, 1.0)  # spread retries of a burst apart  # nosec B311
        return max(jittered, retry_after or 0.0)


@dataclass(slots=True)
class _Outcomes:
    sent: list[tuple[int, int | None, str | None]] = field(default_factory=list)
    retry: list[tuple[int, float, str]] = field(default_factory=list)
    failed: list[tuple[int, int | None, str]] = field(default_factory=list)
    cancelled: list[tuple[int, int | None, str]] = field(default_factory=list)
    unreachable: set[int] = field(default_factory=set)
    answer_lost: set[int] = field(default_factory=set)  # items the platform may have sent

    def __len__(self) -> int:
        return len(self.sent) + len(self.retry) + len(self.failed) + len(self.cancelled)

    def merge(self, earlier: _Outcomes) -> None:
        self.sent[:0] = earlier.sent
        self.retry[:0] = earlier.retry
        self.failed[:0] = earlier.failed
        self.cancelled[:0] = earlier.cancelled
        self.unreachable |= earlier.unreachable


@dataclass(frozen=True, slots=True)
class _Claim:
    id: int
    message_id: int | None
    identity_id: int | None
    attempts: int
    message: OutboundMessage
    transport: Transport
    paces: Sequence[Pace]
    at: float  # the worker clock's monotonic() of its slot
    priority: int  # the row's: replies (REPLY_PRIORITY) go first where sends wait for room


class OutboxWorker:
    """Claims, paces, sends and records. One per process; several processes may share a
    PostgreSQL database (claims use `FOR UPDATE SKIP LOCKED`). Every wait and every time
    it reads goes through `clock`, so tests move time instead of waiting for it."""

    def __init__(
        self,
        transports: TransportLookup,
        bus: Bus,
        *,
        policy: RetryPolicy | None = None,
        max_in_flight: int = 256,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
        horizon_seconds: float = 0.05,
        sender_lease: SenderLease | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._transports = transports
        self._bus = bus
        self._policy = policy or RetryPolicy()
        self._max_in_flight = max_in_flight
        self._lease = lease_seconds
        self._poll = poll_seconds
        self._horizon = horizon_seconds
        self._sender_lease = sender_lease
        self._clock = clock
        self._pacer = Pacer()
        self._windows = SendWindows(clock)
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._outcomes = _Outcomes()
        # Claims about to be sent, by id: (attempt, answer) once `send_started` is committed
        # (False: the row is not ours any more, or we are stopping).
        self._starting: dict[int, tuple[int, asyncio.Future[bool]]] = {}
        self._wake = asyncio.Event()
        self._wake_sender = asyncio.Event()  # another process sends: wake it (`wake`)
        self._recorded = asyncio.Event()
        self._to_record = asyncio.Event()  # outcomes wait to be recorded
        self._tasks: list[asyncio.Task[None]] = []
        self._wake_tasks: list[asyncio.Task[None]] = []  # no transaction in them: cancelled
        self._next_prune = 0.0
        self._decoded: dict[int, _Decoded] = {}
        self._wrote_at: dict[int, datetime] = {}  # see _too_late
        self._spacing = Spacing(clock)
        # The slowest recent pass, from when it was due (a timer fires late on a loaded
        # machine) to its claim committed, database waits included; fading.
        self._pass_seconds = 0.0
        self._look_at = 0.0  # when the next pass is due, by the worker clock
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()
        if self._sender_lease is not None and not self._sender_lease.held.is_set():
            # The sender is another process: tell it, or the row waits for its next poll
            # (up to a second; a web-chat reply made here for a stream held there did).
            self._wake_sender.set()

    async def start(self) -> None:
        if self._sender_lease is None:
            await self.reclaim()  # one process, one sender: every claim left was ours
        else:
            await self._sender_lease.start()
            woken = self._bus.subscribe(WAKE_TOPIC)
            self._wake_tasks = [
                asyncio.create_task(self._hear_wakes(woken), name="outbox-hear-wakes"),
                asyncio.create_task(self._pass_wakes_on(), name="outbox-pass-wakes"),
            ]
        self._look_at = self._clock.monotonic()  # the first pass is not late
        self._tasks = [
            asyncio.create_task(self._dispatch_forever(), name="outbox-dispatch"),
            asyncio.create_task(self._record_forever(), name="outbox-record"),
        ]

    async def _hear_wakes(self, woken: Subscription) -> None:
        try:
            async for _ in woken:
                self._wake.set()
        finally:
            await woken.aclose()

    async def _pass_wakes_on(self) -> None:
        """One notice for every wake() made while the last one was being published."""
        while True:
            await self._wake_sender.wait()
            self._wake_sender.clear()
            await self._bus.publish(WAKE_TOPIC, {})

    async def close(self) -> None:
        """Stops claiming, lets sends in flight finish, records their outcomes."""
        self._stopping = True
        for task in self._wake_tasks:
            task.cancel()
        await asyncio.gather(*self._wake_tasks, return_exceptions=True)
        self._wake.set()
        self._recorded.set()
        self._to_record.set()
        for task in self._tasks:
            await finish(task)
        self._answer_starts(set())  # not started: they go out after the next start
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=5)
        await self._flush()
        if self._sender_lease is not None:
            await self._sender_lease.close()

    async def reclaim(self) -> None:
        """Claims left by a sender that stopped go out again; those whose send had started
        are flagged, since the platform may have them. Called by the only sender when it
        starts sending, so every claim left is a dead one."""
        conn = connection()
        rows = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "UPDATE outbox SET state = ?, possibly_duplicated = (possibly_duplicated OR"
                " send_started), send_started = ?, claimed_until = NULL WHERE state = ?"
                " RETURNING possibly_duplicated",
            ),
            [OutboxState.PENDING.value, False, OutboxState.SENDING.value],
        )
        if rows:
            log.warning(
                "outbox: %d message(s) were claimed when the last sender stopped; they will be"
                " sent again, %d marked possibly duplicated (their send had started)",
                len(rows), sum(1 for row in rows if row["possibly_duplicated"]),
            )

    async def _dispatch_forever(self) -> None:
        while not self._stopping:
            if self._sender_lease is not None and not self._sender_lease.held.is_set():
                await self._become_sender()
                self._look_at = self._clock.monotonic()  # not late: it was not sending
                continue
            # Cleared before looking, not after: a wake() that arrives while we read the
            # table must not be lost, or a reply would wait for the next poll.
            self._wake.clear()
            try:
                pause = await self._dispatch_due()
            except Exception:
                log.exception("outbox: could not read due messages")
                pause = self._poll
            self._look_at = self._clock.monotonic() + max(pause, 0)
            if pause > 0:
                await self._clock.wait(self._wake, pause)
            now = self._clock.monotonic()
            if now >= self._next_prune:
                self._pacer.prune(now)
                self._windows.prune(now)
                self._spacing.prune(now)
                self._next_prune = now + 1.0

    async def _become_sender(self) -> None:
        """Waits until this process holds the sender lease, then takes over what the
        previous sender left claimed."""
        assert self._sender_lease is not None  # nosec B101 # narrows a type for the checker; not a check of input
        await self._clock.wait(self._sender_lease.held, self._poll)
        if self._sender_lease.held.is_set() and not self._stopping:
            await self._wait_for_sends()
            await self.reclaim()

    async def _wait_for_sends(self) -> None:
        """Our own sends from an earlier term finish and are recorded before reclaiming."""
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()))
        await self._flush()

    async def _dispatch_due(self) -> float:
        """Claims what may go now; returns how long to wait before looking again."""
        room = self._max_in_flight - len(self._in_flight)
        if room <= 0:
            self._recorded.clear()
            await self._clock.wait(self._recorded, self._poll)
            return 0
        reach = self._reach()
        # A channel's page holds what the fastest pace could send within the reach.
        limit = min(room, max(PAGE, ceil(reach * FASTEST_RATE)))
        started = self._clock.monotonic()
        due = min(started, self._look_at)  # a wake() before the pass was due: from now
        # One transaction, so one wait for a database busy with ingest (SQLite's single
        # connection) rather than one per statement; the claim commits before any send.
        async with in_transaction("default") as conn:
            rows, claims, next_look = await self._claim_due(conn, limit, reach, due)
        for claim in claims:
            self._decoded.pop(claim.id, None)
            self._in_flight[claim.id] = asyncio.create_task(self._send(claim))
        # The slowest recent pass, fading: one quick pass amid slow ones must not shrink the
        # reach and leave slots unclaimed until the next slow one.
        self._pass_seconds = max(self._clock.monotonic() - due, self._pass_seconds * 0.8)
        if _a_full_page_went(rows, claims, limit):
            return 0  # there may be more of that channel's right away
        return next_look

    async def _claim_due(self, conn: BaseDBAsyncClient, limit: int, reach: float, due: float
                         ) -> tuple[list[dict[str, Any]], list[_Claim], float]:
        """The due rows read, those claimed, and when to look again. `due`: when this pass
        was due; slots since then that it came too late for are made up (`Pacer`)."""
        rows = await self._due_rows(conn, limit)
        now = self._clock.monotonic()
        claims: list[_Claim] = []
        next_look = self._poll
        decoded: dict[int, _Decoded] = {}
        for row in rows:
            if row["id"] not in self._in_flight:
                decoded[row["id"]] = self._decoded.get(row["id"]) or self._decode(row)
        late = await self._too_late(conn, rows, decoded)
        for row in rows:
            if row["id"] not in decoded:
                continue
            if row["id"] in late:
                self._outcomes.failed.append((row["id"], row["message_id"], late[row["id"]]))
                del decoded[row["id"]]
                continue
            claim = self._plan(row, decoded[row["id"]], now, reach, due)
            if isinstance(claim, float):
                next_look = min(next_look, claim)
            elif claim is not None:
                claims.append(claim)
        self._decoded = decoded  # only what is still waiting: one page per channel
        if self._outcomes:
            self._to_record.set()
        if claims:
            claims = await self._claim(conn, claims)
        return rows, claims, next_look

    def _reach(self) -> float:
        """How far ahead of its slot a row is claimed: the horizon, or three recent passes
        when they took longer (a burst of ingest on SQLite's one connection, a timer firing
        late on a loaded machine). The next pass is due when half the reach is left
        (`_plan`), so one as slow as the slowest recent pass still claims before the slots
        this one could not see have come; the send itself still waits for its slot
        (`_send`). A row claimed ahead whose process is killed before its slot goes out
        after the restart, not flagged: its send had not started (`send_started`). A reply
        due meanwhile goes ahead of the proactive rows claimed before it under a windowed
        limit (`_plan`); under another limit of theirs it waits at most the reach."""
        return min(MAX_REACH_SECONDS, max(self._horizon, 3 * self._pass_seconds))

    async def _due_rows(self, conn: BaseDBAsyncClient, limit: int) -> list[dict[str, Any]]:
        """Due rows, up to `limit` per channel (`due_rows`)."""
        return await due_rows(conn, self._clock.now(), limit)

    async def _too_late(
        self, conn: BaseDBAsyncClient, rows: list[dict[str, Any]], decoded: dict[int, _Decoded]
    ) -> dict[int, str]:
        """Rows the platform would refuse because the customer wrote too long ago, with
        the reason an agent reads (WhatsApp's and Instagram's customer-service windows)."""
        windows: dict[int, tuple[int, timedelta]] = {}
        for row in rows:
            message, transport = decoded.get(row["id"], (None, None))
            if message is None or transport is None or row["identity_id"] is None:
                continue
            window = transport.reply_window(message)
            if window is not None:
                windows[row["id"]] = (row["identity_id"], window)
        now = self._clock.now()

        def closed(identity_id: int, window: timedelta) -> bool:
            wrote_at = self._wrote_at.get(identity_id)
            return wrote_at is None or now - wrote_at > window

        # A customer's last message only gets newer, so a time read on an earlier pass that
        # still keeps the window open is true now; only the others are read again (a
        # broadcast's rows wait through many passes, each of which read them all).
        unsure = {i for i, window in windows.values() if closed(i, window)}
        if unsure:
            self._wrote_at.update(await last_customer_messages(conn, unsure))
        self._wrote_at = {i: self._wrote_at[i] for i, _ in windows.values()
                          if i in self._wrote_at}  # only the customers still waiting
        return {row_id: window_closed_reason(window)
                for row_id, (identity_id, window) in windows.items()
                if closed(identity_id, window)}

    def _decode(self, row: dict[str, Any]) -> _Decoded:
        message = OutboundMessage.from_payload(from_json(row["payload"]))
        return message, self._transports(message.channel_id)

    def _plan(self, row: dict[str, Any], decoded: _Decoded, now: float, reach: float,
              due: float) -> _Claim | float | None:
        """A claim if it may go within `reach`, else seconds until it is worth looking again:
        when half the reach is left before its slot. A pass then claims half a reach of
        each channel's slots, not the one slot that came since the last pass: passes follow
        the reach, not the fastest pace (one per 12.75 ms at WhatsApp's 80/s, each a
        transaction that waited behind ingest and missed slots)."""
        if row["unreachable"]:
            self._outcomes.cancelled.append(
                (row["id"], row["message_id"], "the customer blocked the bot")
            )
            return None
        message, transport = decoded
        if transport is None:
            self._outcomes.failed.append(
                (row["id"], row["message_id"], "the channel is not connected any more")
            )
            return None
        paces = transport.pacing(message)
        # A reply is not planned behind the proactive sends claimed ahead of it under a
        # windowed limit: it goes before them where they wait for room (`SendWindows`).
        first = row["priority"] == REPLY_PRIORITY
        wait = self._pacer.wait_time(paces, now, since=due, first=first)
        if not first:  # nor behind more than the sends already waiting there can keep busy
            wait = max(wait, self._windows.queued(paces))
        if wait > reach:
            return wait - reach / 2
        self._pacer.take(paces, now + wait, since=due, first=first)
        return _Claim(
            id=row["id"],
            message_id=row["message_id"],
            identity_id=row["identity_id"],
            attempts=row["attempts"] + 1,
            message=message,
            transport=transport,
            paces=paces,
            at=now + wait,
            priority=row["priority"],
        )

    async def _claim(self, conn: BaseDBAsyncClient, claims: list[_Claim]) -> list[_Claim]:
        """Marks the rows `sending`, committed before any HTTP call. One statement, so one
        round trip on the reply's path: on PostgreSQL the inner `FOR UPDATE SKIP LOCKED`
        leaves rows that another process is claiming to it; the state check makes a row
        claimed meanwhile (a reclaim) stay unclaimed here."""
        marks = ", ".join("?" * len(claims))
        lock = " FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""
        lease = db_time(conn, self._clock.now() + timedelta(seconds=self._lease))
        rows = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "UPDATE outbox SET state = ?, attempts = attempts + 1, claimed_until = ?,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                " send_started = ? WHERE id IN (SELECT id FROM outbox WHERE id IN"
                f" ({marks}) AND state = ?{lock}) RETURNING id",
            ),
            [OutboxState.SENDING.value, lease, False, *(c.id for c in claims),
             OutboxState.PENDING.value],
        )
        ours = {row["id"] for row in rows}
        return [c for c in claims if c.id in ours]

    async def _send(self, claim: _Claim) -> None:
        try:
            # Until the slot itself, not for a delay counted from the claim: the claim's
            # round trip (longer while ingest holds the database) must not shift the send.
            if (early := claim.at - self._clock.monotonic()) > 0:
                await self._clock.sleep(early)
            # Spacing first: it may wait most of a chat's interval (Telegram: 1 s), unsent.
            await self._spacing.keep(claim.paces)
            if not await self._start(claim):
                return  # not sent, no outcome: the row is another sender's now, or waits
            # Held last, right at the call: the waits above bunch sends planned apart.
            async with self._windows.sending(claim.paces, (claim.priority, claim.at)):
                result = await claim.transport.send(replace(claim.message, outbox_id=claim.id))
        except RetryLater as error:
            for pace in claim.paces:
                self._pacer.hold(pace, self._clock.monotonic() + (error.retry_after or 1.0))
            self._retry_or_fail(claim, error, error.retry_after)
        except RecipientUnreachable as error:
            self._outcomes.failed.append((claim.id, claim.message_id, str(error)))
            if claim.identity_id is not None:
                self._outcomes.unreachable.add(claim.identity_id)
        except PermanentError as error:
            self._outcomes.failed.append((claim.id, claim.message_id, str(error)))
        except AnswerLost as error:
            self._outcomes.answer_lost.add(claim.id)
            self._retry_or_fail(claim, error, None)
        except (TransientError, SendError) as error:
            self._retry_or_fail(claim, error, None)
        except Exception as error:
            log.exception("outbox: unexpected error sending item %s", claim.id)
            self._retry_or_fail(claim, TransientError(type(error).__name__), None)
        else:
            self._outcomes.sent.append((claim.id, claim.message_id, result.external_id))
        finally:
            self._in_flight.pop(claim.id, None)
            self._recorded.set()
            self._to_record.set()

    async def _start(self, claim: _Claim) -> bool:
        """Commits `send_started` before the platform call (with the next batch of
        outcomes, not a transaction of its own); False when the row is no longer this
        claim's (another sender took it over after our lease was lost) or we are stopping."""
        if self._stopping:
            return False
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._starting[claim.id] = (claim.attempts, answer)
        self._to_record.set()
        return await answer

    def _answer_starts(self, started: set[int], only: set[int] | None = None) -> None:
        """Lets the sends waiting in `_starting` (or those in `only`) go or not, oldest row
        first: the sends resume in this order, so one chat's messages keep theirs."""
        for item in sorted(self._starting if only is None else only):
            _, answer = self._starting.pop(item, (None, None))
            if answer is not None and not answer.done():
                answer.set_result(item in started)

    def _retry_or_fail(self, claim: _Claim, error: SendError, retry_after: float | None) -> None:
        if claim.attempts >= self._policy.max_attempts:
            reason = f"gave up after {claim.attempts} attempts: {error}"
            self._outcomes.failed.append((claim.id, claim.message_id, reason))
            log.warning("outbox: item %s %s", claim.id, reason)
            return
        delay = self._policy.delay(claim.attempts, retry_after)
        self._outcomes.retry.append((claim.id, delay, str(error)))

    async def _record_forever(self) -> None:
        """Records outcomes in batches; sleeps on an event while there are none, so an idle
        worker does not wake (and a test's clock is not held back by empty rounds)."""
        while not self._stopping:
            await self._to_record.wait()
            self._to_record.clear()
            await self._clock.sleep(RECORD_BATCH_SECONDS)
            if self._outcomes or self._starting:
                try:
                    await self._flush()
                except Exception:
                    log.exception("outbox: could not record outcomes; will try again")
                    self._to_record.set()

    async def _flush(self) -> None:
        outcomes, self._outcomes = self._outcomes, _Outcomes()
        starting = {item: attempt for item, (attempt, _) in self._starting.items()}
        if not outcomes and not outcomes.unreachable and not starting:
            return
        try:
            async with in_transaction("default") as tx:
                await _record(tx, outcomes, self._clock.now())
                started = await _mark_started(tx, starting)
        except Exception:
            self._outcomes.merge(outcomes)  # recorded with the next flush
            raise  # the sends waiting to start wait for the next flush
        self._answer_starts(started, only=set(starting))
        if outcomes.retry:
            self.wake()
        await self._bus.publish_many("message.delivery", [
            {"message_id": message_id, "state": state}
            for message_id, state in _delivery_notices(outcomes)
        ])


def _a_full_page_went(rows: list[dict[str, Any]], claims: list[_Claim], limit: int) -> bool:
    """Some channel's page came back full and was claimed whole."""
    channel_of = {row["id"]: row["channel_id"] for row in rows}
    pages = Counter(channel_of.values())
    claimed = Counter(channel_of[claim.id] for claim in claims)
    return any(count == limit and claimed[channel] == count for channel, count in pages.items())


async def _apply_early_receipts(tx: BaseDBAsyncClient, message_ids: list[int]) -> None:
    """Receipts that came in before the ids they name were recorded (see EarlyReceipt)."""
    if not message_ids:
        return
    marks = ", ".join("?" * len(message_ids))
    rows = await tx.execute_query_dict(
        dialect_sql(tx, "SELECT r.id, r.status, r.error, m.id AS message_id FROM early_receipt r"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                        " JOIN message m ON m.channel_id = r.channel_id"
                        f" AND m.external_id = r.external_id WHERE m.id IN ({marks})"),
        message_ids,
    )
    if not rows:
        return
    receipts: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        receipts.setdefault(row["message_id"], []).append(row)
    updates = []
    for message_id, found in receipts.items():
        state = furthest_delivery("sent", [r["status"] for r in found])
        error = next((r["error"] for r in found if r["status"] == state), None)
        updates.append([state, error, message_id])
    await tx.execute_many(
        dialect_sql(tx, "UPDATE message SET delivery = ?, delivery_error = ? WHERE id = ?"),
        updates)
    marks = ", ".join("?" * len(rows))
    await tx.execute_query(dialect_sql(tx, f"DELETE FROM early_receipt WHERE id IN ({marks})"),  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                           [row["id"] for row in rows])


def _delivery_notices(outcomes: _Outcomes) -> list[tuple[int, str]]:
    sent = [(message_id, "sent") for _, message_id, _ in outcomes.sent if message_id]
    failed = [(message_id, "failed") for _, message_id, _ in
              outcomes.failed + outcomes.cancelled if message_id]
    return sent + failed


async def _mark_started(tx: BaseDBAsyncClient, starting: dict[int, int]) -> set[int]:
    """`send_started` on the claims about to be sent (id → attempt), if still theirs: a row
    another sender has taken back (state or attempt changed) is not ours to send."""
    if not starting:
        return set()
    claims = " OR ".join(["(id = ? AND attempts = ?)"] * len(starting))
    rows = await tx.execute_query_dict(
        dialect_sql(tx, "UPDATE outbox SET send_started = ? WHERE state = ?"  # nosec B608 # only "?" marks are formatted in; values are bound
                        f" AND ({claims}) RETURNING id"),
        [True, OutboxState.SENDING.value,
         *(value for item, attempt in starting.items() for value in (item, attempt))],
    )
    return {row["id"] for row in rows}


async def _record(tx: BaseDBAsyncClient, outcomes: _Outcomes, now: datetime) -> None:
    stamp = db_time(tx, now)
    if outcomes.sent:
        await tx.execute_many(
            dialect_sql(tx, "UPDATE outbox SET state = ?, sent_at = ?, last_error = NULL"
                        " WHERE id = ?"),
            [[OutboxState.SENT.value, stamp, item] for item, _, _ in outcomes.sent],
        )
        await tx.execute_many(
            dialect_sql(tx, "UPDATE message SET delivery = ? WHERE id = ?"),
            [["sent", message] for _, message, _ in outcomes.sent if message],
        )
        # The platform's id is kept for receipts; a clash with a stored id of the same
        # direction (an echo stored first) must not wedge recording.
        await tx.execute_many(
            dialect_sql(
                tx,
                "UPDATE message SET external_id = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM"
                " message AS other WHERE other.channel_id = message.channel_id"
                " AND other.direction = message.direction AND other.external_id = ?)",
            ),
            [[external, message, external] for _, message, external in outcomes.sent
             if message and external],
        )
        await _apply_early_receipts(
            tx, [message for _, message, external in outcomes.sent if message and external])
    if outcomes.retry:
        await tx.execute_many(
            dialect_sql(
                tx,
                "UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?,"
                " claimed_until = NULL WHERE id = ?",
            ),
            [
                [OutboxState.PENDING.value, db_time(tx, now + timedelta(seconds=delay)), error,
                 item]
                for item, delay, error in outcomes.retry
            ],
        )
    if outcomes.answer_lost:
        await tx.execute_many(
            dialect_sql(tx, "UPDATE outbox SET possibly_duplicated = ? WHERE id = ?"),
            [[True, item] for item in outcomes.answer_lost],
        )
    for state, items in ((OutboxState.FAILED, outcomes.failed),
                         (OutboxState.CANCELLED, outcomes.cancelled)):
        if not items:
            continue
        await tx.execute_many(
            dialect_sql(tx, "UPDATE outbox SET state = ?, last_error = ? WHERE id = ?"),
            [[state.value, error, item] for item, _, error in items],
        )
        await tx.execute_many(
            dialect_sql(tx, "UPDATE message SET delivery = ?, delivery_error = ? WHERE id = ?"),
            [["failed", error, message] for _, message, error in items if message],
        )
    for identity_id in outcomes.unreachable:
        await tx.execute_query(
            dialect_sql(tx, "UPDATE identity SET unreachable = ? WHERE id = ?"),
            [True, identity_id],
        )
        await tx.execute_query(
            dialect_sql(
                tx,
                "UPDATE outbox SET state = ?, last_error = ? WHERE identity_id = ? AND state = ?",
            ),
            [OutboxState.CANCELLED.value, "the customer blocked the bot", identity_id,
             OutboxState.PENDING.value],
        )
