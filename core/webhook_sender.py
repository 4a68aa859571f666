"""Delivers outgoing webhooks: claims due `webhook_delivery` rows, signs, posts, records.

At least once, the way core/outbox.py sends replies: a row is claimed (`sending`, with a
lease) in a committed statement before the HTTP call, and its outcome recorded after. A
process killed in between leaves the claim to expire; the row is then due again and is
delivered again with the same webhook-id (receivers deduplicate on it). Several processes
may deliver from one PostgreSQL database (`FOR UPDATE SKIP LOCKED`).

What an answer means:
- 2xx: delivered.
- 410 Gone: the receiver is gone for good: the endpoint is disabled (an owner enables it
  again), the delivery failed.
- 429 and 5xx: retried, not before the `Retry-After` the receiver asked for.
- anything else, a redirect (never followed), a refused address, a timeout: retried.
Retries follow SCHEDULE (about three days in all) with jitter, then the delivery fails with
the last reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.address_policy import AddressPolicy, AddressRefused
from core.bus import Bus, Subscription
from core.clock import utcnow
from core.db import connection, dialect_sql, is_postgres
from core.i18n import gettext_noop
from core.models import WebhookEndpoint, WebhookState
from core.sqlvalues import db_time
from core.tasks import finish
from core.webhook_signing import headers
from core.webhooks import DUE_TOPIC

log = logging.getLogger(__name__)

# Waits after the 1st, 2nd, … failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h,
# 20 h — 71.6 hours (about three days) from the first attempt to the last.
SCHEDULE = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30),
            timedelta(hours=2), timedelta(hours=5), timedelta(hours=10), timedelta(hours=14),
            timedelta(hours=20), timedelta(hours=20))
JITTER = 0.2  # each wait is drawn from ±20% of its step, so a burst of failures spreads out
LONGEST_RETRY_AFTER = timedelta(hours=24)  # a receiver cannot park an event for longer
REQUEST_SECONDS = 15.0
ERROR_CHARS = 300  # of a refusal's body, kept in the delivery log
BATCH = 32
MAX_PASSES = 4  # passes in flight at once in one process
WAKING_TOPICS = ("message.new", "conversation.updated", DUE_TOPIC)
RETENTION = timedelta(days=30)  # finished deliveries stay in the log this long
PRUNE_EVERY = timedelta(hours=1)
# Due: waiting and its time has come, or claimed by a process that did not record (killed).
_DUE = ("(({table}state = ? AND {table}next_attempt_at <= ?)"
        " OR ({table}state = ? AND {table}claimed_until <= ?))")
GONE_REASON = gettext_noop("The endpoint answered 410 Gone: it is disabled until an owner "
                           "enables it again.")


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    steps: tuple[timedelta, ...] = SCHEDULE
    jitter: float = JITTER

    @property
    def max_attempts(self) -> int:
        return len(self.steps) + 1

    def delay(self, attempt: int, retry_after: timedelta | None, rng: random.Random
              ) -> timedelta:
        """The wait after failed attempt number `attempt` (1-based)."""
        step = self.steps[min(attempt, len(self.steps)) - 1]
        jittered = step * rng.uniform(1 - self.jitter, 1 + self.jitter)
        if retry_after is not None:
            return max(jittered, min(retry_after, LONGEST_RETRY_AFTER))
        return jittered


@dataclass(frozen=True, slots=True)
class _Claim:
    id: int
    endpoint_id: int
    message_id: str
    body: str
    attempts: int


@dataclass(slots=True)
class _Outcomes:
    delivered: list[tuple[int, int]] = field(default_factory=list)  # id, status
    retry: list[tuple[int, datetime, int | None, str]] = field(default_factory=list)
    failed: list[tuple[int, int | None, str]] = field(default_factory=list)
    gone: set[int] = field(default_factory=set)  # endpoints that answered 410


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value[:9]))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(moment - now, timedelta(0))


class WebhookSender:
    """One per process; `deliver_due` is one pass, `start` runs passes until `close`."""

    def __init__(self, policy: AddressPolicy, *, clock: Callable[[], datetime] = utcnow,
                 rng: random.Random | None = None, schedule: RetrySchedule | None = None,
                 lease: timedelta = timedelta(seconds=60), poll_seconds: float = 1.0,
                 request_seconds: float = REQUEST_SECONDS) -> None:
        self._policy = policy
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret  # nosec B311
        self._schedule = schedule or RetrySchedule()
        self._lease = lease
        self._poll = poll_seconds
        self._timeout = aiohttp.ClientTimeout(total=request_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._next_prune = datetime.min.replace(tzinfo=UTC)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Its own session: the resolver refuses names that lead to private addresses.
            connector = aiohttp.TCPConnector(resolver=self._policy.resolver(), limit=BATCH)
            self._session = aiohttp.ClientSession(connector=connector, trust_env=False)
        return self._session

    def wake(self) -> None:
        self._wake.set()

    async def start(self, bus: Bus | None = None) -> None:
        """Passes run until `close`; with a bus, a committed change wakes them at once
        (otherwise within `poll_seconds`)."""
        self._tasks.append(asyncio.create_task(self._run_forever(), name="webhook-sender"))
        if bus is not None:
            subscription = bus.subscribe(*WAKING_TOPICS)
            self._tasks.append(asyncio.create_task(self._listen(subscription),
                                                   name="webhook-sender-wake"))

    async def close(self) -> None:
        """Stops starting passes; those in flight record their outcomes first."""
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            if task.get_name() == "webhook-sender-wake":
                task.cancel()  # only waits on the bus: nothing to cut in half
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            else:
                await finish(task)
        if self._session is not None:
            await self._session.close()

    async def _listen(self, subscription: Subscription) -> None:
        try:
            async for _ in subscription:
                self._wake.set()
        finally:
            await subscription.aclose()

    async def _run_forever(self) -> None:
        """Starts a pass on every wake-up or poll, up to MAX_PASSES at once: a pass waits
        for its slowest receiver (up to REQUEST_SECONDS), and the next one must not."""
        passes: set[asyncio.Task[None]] = set()
        while not self._stopping:
            self._wake.clear()
            if len(passes) < MAX_PASSES:
                started = asyncio.create_task(self._pass(), name="webhook-pass")
                passes.add(started)
                started.add_done_callback(passes.discard)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
        if passes:
            await asyncio.wait(passes)

    async def _pass(self) -> None:
        try:
            if await self.deliver_due() == BATCH:
                self._wake.set()  # a full batch: there may be more due now
            now = self._clock()
            if now >= self._next_prune:
                self._next_prune = now + PRUNE_EVERY
                await prune(now)
        except Exception:
            log.exception("webhooks: could not deliver due events")

    async def deliver_due(self) -> int:
        """Claims what is due, delivers it, records the outcomes; how many it claimed."""
        conn = connection()
        claims = await self._claim(conn)
        if not claims:
            return 0
        endpoints = {row.id: row for row in await WebhookEndpoint.filter(
            id__in={claim.endpoint_id for claim in claims})}
        outcomes = _Outcomes()
        await asyncio.gather(*(self._deliver(claim, endpoints.get(claim.endpoint_id), outcomes)
                               for claim in claims))
        async with in_transaction("default") as tx:
            await self._record(tx, outcomes)
        return len(claims)

    async def _claim(self, conn: BaseDBAsyncClient) -> list[_Claim]:
        """Marks due rows `sending` until the lease ends, committed before any request.
        Read first: most passes find nothing, and on SQLite an UPDATE would take the
        database's one write lock, every second, from ingest."""
        now = self._clock()
        stamp = db_time(conn, now)
        due = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "SELECT d.id FROM webhook_delivery d JOIN webhook_endpoint e"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                f" ON e.id = d.endpoint_id WHERE e.enabled = ? AND {_DUE.format(table='d.')}"
                " ORDER BY d.next_attempt_at, d.id LIMIT ?",
            ),
            [True, *self._due_values(stamp), BATCH],
        )
        if not due:
            return []
        marks = ", ".join("?" * len(due))
        lock = " FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""
        # The due condition again: another process may have claimed a row meanwhile.
        rows = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "UPDATE webhook_delivery SET state = ?, attempts = attempts + 1,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                " claimed_until = ? WHERE id IN (SELECT id FROM webhook_delivery"
                f" WHERE id IN ({marks}) AND {_DUE.format(table='')}{lock})"
                " RETURNING id, endpoint_id, message_id, body, attempts",
            ),
            [WebhookState.SENDING.value, db_time(conn, now + self._lease),
             *(row["id"] for row in due), *self._due_values(stamp)],
        )
        return [_Claim(id=row["id"], endpoint_id=row["endpoint_id"],
                       message_id=row["message_id"], body=row["body"],
                       attempts=row["attempts"]) for row in rows]

    @staticmethod
    def _due_values(stamp: Any) -> list[Any]:
        return [WebhookState.PENDING.value, stamp, WebhookState.SENDING.value, stamp]

    async def _deliver(self, claim: _Claim, endpoint: WebhookEndpoint | None,
                       outcomes: _Outcomes) -> None:
        if endpoint is None:  # deleted meanwhile: its rows went with it
            return
        now = self._clock()
        secrets = [endpoint.secret]
        if endpoint.previous_secret and endpoint.previous_secret_until is not None \
                and endpoint.previous_secret_until > now:
            secrets.append(endpoint.previous_secret)
        body = claim.body.encode()
        signed = headers(secrets, claim.message_id, int(now.timestamp()), body)
        try:
            self._policy.check_url(endpoint.url)  # an IP literal never reaches the resolver
            async with self._http().post(endpoint.url, data=body, headers=signed,
                                         allow_redirects=False, timeout=self._timeout
                                         ) as response:
                status = response.status
                wait = retry_after(response.headers.get("Retry-After"), now)
                location = response.headers.get("Location", "")
                answer = await response.content.read(ERROR_CHARS) if status >= 300 else b""
        except AddressRefused as error:
            self._retry_or_fail(claim, outcomes, None, None, f"refused: {error}")
            return
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            self._retry_or_fail(claim, outcomes, None, None,
                                f"no answer: {type(error).__name__}")
            return
        if 200 <= status < 300:
            outcomes.delivered.append((claim.id, status))
        elif status == 410:
            outcomes.failed.append((claim.id, status, "410 Gone: the endpoint is disabled"))
            outcomes.gone.add(endpoint.id)
        elif 300 <= status < 400:
            self._retry_or_fail(claim, outcomes, status, None,
                                f"redirect to {location[:200]} not followed")
        else:
            honoured = wait if status == 429 or status >= 500 else None
            text = answer.decode("utf-8", "replace").strip()
            self._retry_or_fail(claim, outcomes, status, honoured,
                                f"HTTP {status}" + (f": {text}" if text else ""))

    def _retry_or_fail(self, claim: _Claim, outcomes: _Outcomes, status: int | None,
                       wait: timedelta | None, reason: str) -> None:
        if claim.attempts >= self._schedule.max_attempts:
            outcomes.failed.append((claim.id, status,
                                    f"gave up after {claim.attempts} attempts: {reason}"))
            log.warning("webhooks: delivery %s gave up after %d attempts", claim.id,
                        claim.attempts)
            return
        at = self._clock() + self._schedule.delay(claim.attempts, wait, self._rng)
        outcomes.retry.append((claim.id, at, status, reason))

    async def _record(self, tx: BaseDBAsyncClient, outcomes: _Outcomes) -> None:
        stamp = db_time(tx, self._clock())
        if outcomes.delivered:
            await tx.execute_many(
                dialect_sql(tx, "UPDATE webhook_delivery SET state = ?, last_status = ?,"
                                " last_error = NULL, claimed_until = NULL, finished_at = ?"
                                " WHERE id = ?"),
                [[WebhookState.DELIVERED.value, status, stamp, item]
                 for item, status in outcomes.delivered])
        if outcomes.retry:
            await tx.execute_many(
                dialect_sql(tx, "UPDATE webhook_delivery SET state = ?, next_attempt_at = ?,"
                                " last_status = ?, last_error = ?, claimed_until = NULL"
                                " WHERE id = ?"),
                [[WebhookState.PENDING.value, db_time(tx, at), status, reason, item]
                 for item, at, status, reason in outcomes.retry])
        if outcomes.failed:
            await tx.execute_many(
                dialect_sql(tx, "UPDATE webhook_delivery SET state = ?, last_status = ?,"
                                " last_error = ?, claimed_until = NULL, finished_at = ?"
                                " WHERE id = ?"),
                [[WebhookState.FAILED.value, status, reason, stamp, item]
                 for item, status, reason in outcomes.failed])
        await self._disable(tx, sorted(outcomes.gone))

    @staticmethod
    async def _disable(tx: BaseDBAsyncClient, endpoint_ids: Sequence[int]) -> None:
        for endpoint_id in endpoint_ids:
            await tx.execute_query(
                dialect_sql(tx, "UPDATE webhook_endpoint SET enabled = ?, disabled_reason = ?"
                                " WHERE id = ?"),
                [False, GONE_REASON, endpoint_id])
            log.warning("webhooks: endpoint %s answered 410 Gone and is disabled", endpoint_id)


async def prune(now: datetime) -> int:
    """Finished deliveries older than RETENTION leave the log; how many."""
    conn = connection()
    count, _ = await conn.execute_query(
        dialect_sql(conn, "DELETE FROM webhook_delivery WHERE state IN (?, ?)"
                          " AND finished_at < ?"),
        [WebhookState.DELIVERED.value, WebhookState.FAILED.value,
         db_time(conn, now - RETENTION)],
    )
    return count
