#!/usr/bin/env python3
"""Broadcast benchmark (issue 16): a broadcast to RECIPIENTS customers across Telegram, Bale,
WhatsApp and SMS fakes that enforce their limits, while 20 customers keep writing in.

    python bench/broadcast.py [--recipients 10000] [--writers 20] [--baseline 20]

In one process, on a fresh SQLite database: the real inbox, conversation engine, outbox
and follow-up worker (which writes the broadcast to the outbox), and the adapters' real
transports talking HTTP to the fakes of tests/fakes (Telegram and Bale: 30 messages/s per
bot and 1/s per chat; WhatsApp: 80/s per number; Kavenegar: SMS_SENDS_PER_SECOND=10 a
second per line), each answering as the real service does when a limit is passed.

1. Baseline: for `--baseline` seconds the writers (spread over the four channels) each
   send a message every second; an answer's latency is from the message handed to the
   inbox to its answer accepted by the fake (the transport's send returned).
2. Broadcast: the recipients (already customers, split over the channels in proportion to
   the pace Pasokh keeps on each: 30, 30, 80 and 10) get one text; the writers go on as
   before until the last broadcast message is accepted.

The headline, "floor with the answers first" (goal ≥ 0.9): the issue's own rule sends the
answers to people writing now before any broadcast traffic, so what a channel carried of
them while the broadcast went out is capacity the broadcast could never have had. The
floor the published limits allow is, per channel, its recipients / (its published pace −
the answers it carried meanwhile, a second), the largest over the channels; the ratio is
that floor over the time the broadcast took (by SMS five writers take up to half of the
line's 10/s, so SMS sets the floor). Printed beside it, clearly named, the raw figure:
recipients / the summed paces (10,000 / 150 = 66.7 s), which leaves the answers out and so
is a floor no broadcast can reach while customers write. Then each channel's own time
against its own floor, the answers' p50/p99 in both phases with the ratio of the p99s
(goal ≤ 1.2), and the rate-limit refusals the fakes answered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import MappingProxyType

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters import ADAPTERS  # noqa: E402
from adapters.base import proactive_rules  # noqa: E402
from core import broadcasts, db  # noqa: E402
from core.broadcasts import Audience  # noqa: E402
from core.bus import InProcessBus  # noqa: E402
from core.conversations import ConversationEngine  # noqa: E402
from core.delivery import Pace, RetryLater, Transport  # noqa: E402
from core.events import (  # noqa: E402
    ChannelCredentials,
    ChatType,
    EventKind,
    InboundEvent,
    OutboundMessage,
    Platform,
    SendResult,
)
from core.followups import FollowupWorker  # noqa: E402
from core.inbox import Inbox  # noqa: E402
from core.models import Channel  # noqa: E402
from core.outbox import OutboxWorker  # noqa: E402
from core.segments import PartBilling  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.sqlvalues import db_time  # noqa: E402
from flows import FlowConfig, decide  # noqa: E402
from tests.fakes.kavenegar import API_KEY, LINE, FakeKavenegar  # noqa: E402
from tests.fakes.meta.server import DEFAULT_ACCESS_TOKEN, FakeMeta  # noqa: E402
from tests.fakes.telegram.server import BALE_API, FakeTelegram  # noqa: E402

TELEGRAM_TOKEN = "123456:TEST-TOKEN"  # noqa: S105 - the fake's test token
BALE_TOKEN = "654321:BALE-TOKEN"  # noqa: S105 - the fake's test token
PHONE_NUMBER_ID = "1122334455667"
# The pace Pasokh keeps per channel (its defaults), which the floor is made of.
FIRST = 1_000_000  # the seeded rows' ids start here
LABEL = "bench"  # on the recipients' conversations: the writers are not in the audience
PACES = {Platform.TELEGRAM: 30.0, Platform.BALE: 30.0, Platform.WHATSAPP: 80.0,
         Platform.SMS: 10.0}


@dataclass
class Timed:
    """A transport that notes when each send was accepted, by chat."""

    inner: Transport
    accepted: dict[str, list[float]]
    sent: asyncio.Condition
    recipients: set[str]  # the broadcast's chats: how many of them got it is `reached`
    reached: list[int]
    last: dict[str, float]  # per platform: when its latest recipient's text was accepted
    refused: dict[str, int]  # per platform: sends the fake refused for a limit (429 & co)

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        return self.inner.pacing(message)

    def reply_window(self, message: OutboundMessage) -> timedelta | None:
        return self.inner.reply_window(message)

    async def send(self, message: OutboundMessage) -> SendResult:
        try:
            result = await self.inner.send(message)
        except RetryLater:
            self.refused[message.platform.value] = self.refused.get(message.platform.value, 0) + 1
            raise
        times = self.accepted.setdefault(message.chat_id, [])
        times.append(time.perf_counter())
        if len(times) == 1 and message.chat_id in self.recipients:
            self.reached[0] += 1
            self.last[message.platform.value] = times[0]
        async with self.sent:
            self.sent.notify_all()
        return result


def user_of(platform: Platform, index: int) -> str:
    """A chat id per customer and platform: a phone number by SMS, else a number."""
    if platform is Platform.SMS:
        return f"98912{index:07d}"
    return str(100_000 + index)


async def seed(channels: dict[Platform, int], counts: dict[Platform, int], now: datetime
               ) -> set[str]:
    """The broadcast's recipients, customers who wrote an hour ago on their channel: their
    chat ids."""
    conn = db.connection()
    stamp = db_time(conn, now - timedelta(hours=1))
    chats: set[str] = set()
    index = 0
    for platform, count in counts.items():
        for start in range(0, count, 1000):
            rows = range(index + start, index + min(count, start + 1000))
            chats.update(user_of(platform, i) for i in rows)
            await conn.execute_many(
                "INSERT INTO customer (id, display_name, created_at) VALUES (?, ?, ?)",
                [[FIRST + i, f"مشتری {i}", stamp] for i in rows])
            await conn.execute_many(
                "INSERT INTO identity (id, customer_id, channel_id, external_id, display_name,"
                " unreachable, created_at) VALUES (?, ?, ?, ?, '', ?, ?)",
                [[FIRST + i, FIRST + i, channels[platform], user_of(platform, i), False, stamp]
                 for i in rows])
            await conn.execute_many(
                "INSERT INTO conversation (id, channel_id, customer_id, identity_id, chat_id,"
                " chat_type, route, status, flow_state, created_at, last_message_at,"
                " resolved_at, reopen_count) VALUES (?, ?, ?, ?, ?, 'private', '{}', 'resolved',"
                " '{}', ?, ?, ?, 0)",
                [[FIRST + i, channels[platform], FIRST + i, FIRST + i, user_of(platform, i),
                  stamp, stamp, stamp] for i in rows])
            await conn.execute_many(
                "INSERT INTO message (conversation_id, channel_id, direction, author, kind,"
                " text, external_id, meta, revisions, processed, created_at)"
                " VALUES (?, ?, 'in', 'customer', 'text', 'سلام', ?, '{}', '[]', ?, ?)",
                [[FIRST + i, channels[platform], f"seed-{i}", True, stamp] for i in rows])
            await conn.execute_many(
                "INSERT INTO conversation_label (conversation_id, name, created_at)"
                " VALUES (?, ?, ?)", [[FIRST + i, LABEL, stamp] for i in rows])
        index += count
    return chats


def split(recipients: int) -> dict[Platform, int]:
    total = sum(PACES.values())
    counts = {p: int(recipients * pace / total) for p, pace in PACES.items()}
    counts[Platform.WHATSAPP] += recipients - sum(counts.values())
    return counts


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=20, help="0: no answers measured")
    parser.add_argument("--baseline", type=float, default=20.0)
    parser.add_argument("--limit", type=float, default=600.0,
                        help="give up on the broadcast after this many seconds")
    args = parser.parse_args()

    telegram = FakeTelegram(tokens=(TELEGRAM_TOKEN,), record_limit=1000, message_limit=1000)
    bale = FakeTelegram(tokens=(BALE_TOKEN,), dialect=BALE_API, record_limit=1000,
                        message_limit=1000)
    meta = FakeMeta(enforce_window=False)
    kavenegar = FakeKavenegar(sends_per_second=int(PACES[Platform.SMS]), clock=time.monotonic)
    kavenegar.credit = 10**12
    for fake in (telegram, bale, meta, kavenegar):
        await fake.start()
    folder = tempfile.TemporaryDirectory()
    settings = Settings(data_dir=Path(folder.name), environment=MappingProxyType({
        "TELEGRAM_API_BASE": telegram.base_url, "BALE_API_BASE": bale.base_url,
        "META_GRAPH_BASE": meta.base_url, "KAVENEGAR_API_BASE": kavenegar.base_url,
        "SMS_SENDS_PER_SECOND": str(PACES[Platform.SMS])}),
        secret_key="a-benchmark-installation-secret-0123456789")
    await db.migrate(settings)
    await db.open_database(settings)
    session = aiohttp.ClientSession()
    try:
        credentials = {
            Platform.TELEGRAM: ("123456", TELEGRAM_TOKEN),
            Platform.BALE: ("654321", BALE_TOKEN),
            Platform.WHATSAPP: (PHONE_NUMBER_ID, DEFAULT_ACCESS_TOKEN),
            Platform.SMS: (f"kavenegar:{LINE}", API_KEY),
        }
        channels: dict[Platform, int] = {}
        accepted: dict[str, list[float]] = {}
        sent = asyncio.Condition()
        recipients: set[str] = set()
        reached = [0]
        last: dict[str, float] = {}
        refused: dict[str, int] = {}
        transports: dict[int, Transport] = {}
        for platform, (key, token) in credentials.items():
            channel = await Channel.create(platform=platform.value, key=key, name=platform.value)
            channels[platform] = channel.id
            transports[channel.id] = Timed(ADAPTERS[platform].transport(ChannelCredentials(
                channel_id=channel.id, token=token, webhook_secret="", key=key),
                session, settings), accepted, sent, recipients, reached, last, refused)
        now = datetime.now(UTC)
        counts = split(args.recipients)
        recipients.update(await seed(channels, counts, now))
        print(f"seeded {len(recipients):,} recipients", flush=True)

        bus = InProcessBus()
        outbox = OutboxWorker(transports.get, bus)
        engine = ConversationEngine(partial(decide, config=FlowConfig()), bus, outbox.wake)
        inbox = Inbox(bus)
        inbox.on_new_messages(engine.submit)
        rules = {p: proactive_rules(a, session, settings) for p, a in ADAPTERS.items()}
        followups = FollowupWorker(lambda: datetime.now(UTC), rules.__getitem__, outbox.wake,
                                   passes=(broadcasts.queue_pending,))
        for part in (inbox, engine, outbox, followups):
            await part.start()

        writers = [(platform, user_of(platform, 9_000_000 + n))
                   for n, platform in zip(range(args.writers),
                                          [*PACES] * args.writers, strict=False)]
        latencies: dict[str, list[float]] = {"baseline": [], "broadcast": []}
        by_channel: dict[tuple[str, Platform], list[float]] = {}
        platform_of = {user: platform for platform, user in writers}
        sequence = iter(range(10**9))

        async def write(phase: str, stop: asyncio.Event) -> None:
            while not stop.is_set():
                tick = time.perf_counter()
                pending = []
                for platform, user in writers:
                    before = len(accepted.get(user, []))
                    started = time.perf_counter()
                    await inbox.ingest([InboundEvent(
                        platform=platform, channel_id=channels[platform],
                        kind=EventKind.MESSAGE, external_id=f"w{next(sequence)}",
                        sender=_sender(user), chat_id=user, chat_type=ChatType.PRIVATE,
                        text="سلام", occurred_at=datetime.now(UTC))])
                    pending.append((user, before, started))
                asyncio.get_running_loop().create_task(collect(phase, pending))
                await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - tick)))

        async def collect(phase: str, pending: list[tuple[str, int, float]]) -> None:
            for user, before, started in pending:
                with contextlib.suppress(TimeoutError):
                    async with sent:
                        await asyncio.wait_for(sent.wait_for(
                            lambda user=user, before=before: len(accepted.get(user, [])) > before),
                            timeout=30)
                if len(accepted.get(user, [])) > before:
                    latency = accepted[user][before] - started
                    latencies[phase].append(latency)
                    by_channel.setdefault((phase, platform_of[user]), []).append(latency)

        stop = asyncio.Event()
        writing = asyncio.create_task(write("baseline", stop))
        await asyncio.sleep(args.baseline)
        stop.set()
        await writing
        await asyncio.sleep(2)

        stop = asyncio.Event()
        started = time.perf_counter()
        broadcast_id = await broadcasts.start(
            Audience(labels=(LABEL,)), "{name} عزیز، حراج پاییزی شروع شد.",
            datetime.now(UTC), rules.__getitem__, PartBilling(), user_id=None)
        queued_by = time.perf_counter()
        followups.wake()
        writing = asyncio.create_task(write("broadcast", stop))
        print(f"broadcast stored in {queued_by - started:.1f} s", flush=True)
        while reached[0] < len(recipients) and time.perf_counter() - started < args.limit:
            with contextlib.suppress(TimeoutError):
                async with sent:
                    await asyncio.wait_for(sent.wait_for(
                        lambda: reached[0] >= len(recipients)), timeout=10)
            waiting = await db.connection().execute_query_dict(
                "SELECT COUNT(*) AS n FROM broadcast_recipient WHERE broadcast_id = ?"
                " AND state = 'pending'", [broadcast_id])
            print(f"  {time.perf_counter() - started:5.0f} s: {reached[0]:,} of"
                  f" {len(recipients):,} accepted, {waiting[0]['n']:,} not yet written to"
                  " the outbox", flush=True)
        finished = time.perf_counter() - started
        stop.set()
        await writing
        await asyncio.sleep(2)
        progress = await broadcasts.progress(broadcast_id)
        for part in (followups, outbox, engine, inbox):
            await part.close()
    finally:
        await session.close()
        await db.close_database()
        for fake in (telegram, bale, meta, kavenegar):
            await fake.close()
        folder.cleanup()

    # Per channel: how long its part took, and the answers it carried meanwhile (they go
    # first, so their share of the channel's pace was never the broadcast's).
    took = {p: last[p.value] - started if p.value in last else finished for p in PACES}
    answered = {p: sum(sum(started <= at <= started + took[p] for at in accepted.get(user, ()))
                       for q, user in writers if q is p) for p in PACES}
    floors = {p: counts[p] / max(PACES[p] - answered[p] / took[p], 1e-9) for p in PACES}
    report(args, counts, queued_by - started, finished, progress, reached[0], floors)
    print("per channel, its part's time against its own floor (recipients / (pace − answers"
          " meanwhile)): " + ", ".join(
              f"{p.value} {took[p]:.1f} s / {floors[p]:.1f} s = {floors[p] / took[p]:.2f}"
              f" ({answered[p]:,} answers, {answered[p] / took[p]:.1f}/s)" for p in PACES))
    answers(latencies["baseline"], latencies["broadcast"])
    for phase in ("baseline", "broadcast"):
        print(f"answers' p99 by channel, {phase}: " + ", ".join(
            f"{p.value} {1000 * percentile(by_channel.get((phase, p), []), 0.99):.0f} ms"
            for p in PACES))
    print("rate-limit refusals the fakes answered (429 & co): " + ", ".join(
        f"{p.value} {refused.get(p.value, 0)}" for p in PACES))


def report(args: argparse.Namespace, counts: dict[Platform, int], stored: float,
           finished: float, progress: broadcasts.Progress | None, accepted: int,
           floors: dict[Platform, float]) -> None:
    shares = ", ".join(f"{p.value} {c:,}" for p, c in counts.items())
    print(f"recipients {args.recipients:,} ({shares}), writers {args.writers}")
    floor = max(floors.values())
    slowest = max(floors, key=floors.__getitem__)
    raw = args.recipients / sum(PACES.values())
    if accepted >= args.recipients:
        took = finished
        print(f"broadcast stored in {stored:.1f} s; finished in {finished:.1f} s")
    else:  # stopped at --limit: the time it would take at the rate so far
        took = finished * args.recipients / max(accepted, 1)
        print(f"broadcast stored in {stored:.1f} s; NOT finished: {accepted:,} accepted in"
              f" {finished:.1f} s (--limit); at that rate {took:.0f} s (projected)")
    print(f"floor with the answers first: {floor:.1f} s (set by {slowest.value});"
          f" ratio floor/time = {floor / took:.2f} (goal ≥ 0.9)")
    print(f"raw, leaving the answers out: {args.recipients:,} / {sum(PACES.values()):.0f} a"
          f" second = {raw:.1f} s; ratio {raw / took:.2f} (not the goal's measure: no"
          " broadcast can reach it while customers write, as answers go first)")
    if progress is not None:
        print(f"results: sent {progress.sent:,}, delivered {progress.delivered:,},"
              f" failed {progress.failed_count:,},"
              f" skipped {sum(n for _, n in progress.skipped):,}")


def answers(base: list[float], during: list[float]) -> None:
    for name, values in (("without the broadcast", base), ("during the broadcast", during)):
        print(f"answers {name}: n={len(values)}"
              f" p50 {1000 * percentile(values, 0.5):.0f} ms"
              f" p99 {1000 * percentile(values, 0.99):.0f} ms")
    if base and during:
        print(f"p99 ratio = {percentile(during, 0.99) / percentile(base, 0.99):.2f}"
              " (goal ≤ 1.2)")


def _sender(user: str):
    from core.events import Sender

    return Sender(external_id=user, display_name="نویسنده", phone=user if user.startswith("98")
                  else None)


if __name__ == "__main__":
    asyncio.run(main())
