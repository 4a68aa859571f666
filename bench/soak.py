"""Soak: a long run of load with faults, then an audit that nothing was lost or doubled.

    python bench/soak.py [--minutes 10] [--rate 20] [--kill-every 45] [--fault-share 0.1]

What it does, for the whole duration:
- customers write to the bot through its webhook at `--rate` updates/s (several messages
  each, and one update in ten delivered twice, as Telegram does after a timeout);
- the fake Bot API (in this process) answers a share of sendMessage calls with a 429
  (`retry_after` 1 s), a 502 or a slow answer;
- every `--kill-every` seconds Pasokh is killed with SIGKILL and started again on the same
  data directory; updates it did not answer 200 are delivered again until it does, as
  Telegram would.
Then it stops writing, waits for the replies to settle, and audits the SQLite file against
what was answered 200 and what reached the fake:
- every update answered 200 is stored exactly once (no loss, no duplicate row);
- every stored customer message was handled by the flows, and no reply is left pending;
- replies sent twice at the fake are no more than those flagged `possibly_duplicated`;
- peak RSS of each Pasokh run, and the webhook latency percentiles.
Exit status 1 when an audit line fails. `make soak` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import (  # noqa: E402 (the repository root is put on the path first)
    LOCALHOST,
    SECRET,
    TOKEN,
    Children,
    Pinning,
    clean_env,
    free_port,
    log,
    percentile,
    wait_for_health,
)
from tests.fakes.telegram import FakeTelegram  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MESSAGES_PER_CUSTOMER = 4
TEXTS = ("سلام", "سفارشم کی میرسه؟", "اپراتور", "ممنون")


@dataclass
class Tally:
    answered: set[tuple[int, int]] = field(default_factory=set)  # (chat, message id) got 200
    posts: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # status or error while down
    latencies: list[float] = field(default_factory=list)
    kills: int = 0
    peak_rss_mib: list[float] = field(default_factory=list)


def update(update_id: int, chat: int, message_id: int) -> bytes:
    return orjson.dumps({"update_id": update_id, "message": {
        "message_id": message_id, "date": int(time.time()),
        "chat": {"id": chat, "type": "private", "first_name": "مشتری"},
        "from": {"id": chat, "is_bot": False, "first_name": "مشتری"},
        "text": TEXTS[(message_id - 1) % len(TEXTS)],
    }})


class Pasokh:
    """`pasokh serve` as a child process that the soak kills and starts again."""

    def __init__(self, children: Children, data: Path, api_base: str) -> None:
        self.children = children
        self.data = data
        self.port = free_port()
        self.env = clean_env(
            PASOKH_HOST=LOCALHOST, PASOKH_PORT=str(self.port), PASOKH_DATA_DIR=str(data),
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_MODE="webhook",
            TELEGRAM_API_BASE=api_base, PASOKH_LOG_LEVEL="WARNING",
        )
        self.child = None

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}/webhooks/telegram"

    async def start(self) -> None:
        self.child = self.children.spawn("pasokh", [sys.executable, "-m", "bots.cli", "serve"],
                                         env=self.env, cwd=self.data, server=True)
        await wait_for_health(self.child, f"http://{LOCALHOST}:{self.port}/healthz", 60)

    def kill(self) -> float | None:
        assert self.child is not None
        peak = self.child.peak_rss_mib()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.child.pid, signal.SIGKILL)
        self.child.proc.wait(timeout=10)
        return peak


async def deliver(http: aiohttp.ClientSession, pasokh: Pasokh, body: bytes, key: tuple[int, int],
                  tally: Tally, stop: asyncio.Event) -> None:
    """Like Telegram: again and again until Pasokh answers 200."""
    while True:
        started = time.monotonic()
        try:
            async with http.post(pasokh.url, data=body, headers={
                    "X-Telegram-Bot-Api-Secret-Token": SECRET,
                    "Content-Type": "application/json"}) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            status, reason = 0, type(error).__name__
        else:
            reason = str(status)
        tally.posts += 1
        if status == 200:
            tally.answered.add(key)
            tally.latencies.append(time.monotonic() - started)
            return
        tally.refused[reason] += 1
        await asyncio.sleep(1.0 if not stop.is_set() else 0.2)


async def write_for(args: argparse.Namespace, http: aiohttp.ClientSession, pasokh: Pasokh,
                    tally: Tally, stop: asyncio.Event) -> None:
    update_ids = itertools.count(1)
    chats = itertools.count(900_000)
    pending: set[asyncio.Task[None]] = set()
    deadline = time.monotonic() + args.minutes * 60
    customers: list[tuple[int, int]] = []  # (chat, messages sent so far)
    while time.monotonic() < deadline:
        if not customers or random.random() < 1 / MESSAGES_PER_CUSTOMER:
            customers.append((next(chats), 0))
        index = random.randrange(len(customers))
        chat, sent = customers[index]
        message_id = sent + 1
        customers[index] = (chat, message_id)
        if message_id >= MESSAGES_PER_CUSTOMER:
            customers.pop(index)
        body = update(next(update_ids), chat, message_id)
        copies = 2 if random.random() < 0.1 else 1  # a redelivery racing the first
        for _ in range(copies):
            task = asyncio.create_task(deliver(http, pasokh, body, (chat, message_id), tally,
                                               stop))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.sleep(1 / args.rate)
    stop.set()
    await asyncio.gather(*pending)


def inject_faults(fake: FakeTelegram, share: float) -> None:
    """Queue the next faults: each kind gets a third of the share of the next 100 calls."""
    count = max(1, round(100 * share / 3))
    fake.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1",
                   retry_after=1, times=count)
    fake.fail_next("sendMessage", status=502, description="Bad Gateway", times=count)
    fake.delay_next("sendMessage", 3.0, times=count)


async def keep_killing(args: argparse.Namespace, pasokh: Pasokh, fake: FakeTelegram,
                       tally: Tally, stop: asyncio.Event) -> None:
    while not stop.is_set():
        inject_faults(fake, args.fault_share)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), args.kill_every)
        if stop.is_set():
            return
        peak = pasokh.kill()
        tally.kills += 1
        if peak is not None:
            tally.peak_rss_mib.append(peak)
        log(f"killed Pasokh (SIGKILL #{tally.kills}); starting it again")
        await pasokh.start()


async def settle(fake: FakeTelegram, database: Path, within: float) -> None:
    """Until no reply is pending and the fake has seen no new send for a few seconds."""
    deadline = time.monotonic() + within
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        sent = len(fake.sent_messages())
        if sent != last:
            last, quiet_since = sent, time.monotonic()
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            waiting = db.execute("SELECT COUNT(*) FROM outbox WHERE state IN"
                                 " ('pending', 'sending')").fetchone()[0]
        if waiting == 0 and time.monotonic() - quiet_since > 3:
            return
        await asyncio.sleep(0.5)


def audit(database: Path, fake: FakeTelegram, tally: Tally) -> list[tuple[str, str, bool]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT external_id FROM message WHERE direction = 'in'"
                          " AND author = 'customer'").fetchall()
        unprocessed = db.execute("SELECT COUNT(*) FROM message WHERE direction = 'in'"
                                 " AND processed = 0").fetchone()[0]
        states = dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
        flagged = db.execute("SELECT COUNT(*) FROM outbox WHERE possibly_duplicated = 1"
                             " AND message_id IS NOT NULL").fetchone()[0]
        recorded = db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sent'"
                              " AND message_id IS NOT NULL").fetchone()[0]
        failures = db.execute("SELECT last_error, COUNT(*) FROM outbox WHERE state = 'failed'"
                              " GROUP BY last_error").fetchall()
    stored = Counter(row[0] for row in rows)
    answered = {f"{chat}:{message}" for chat, message in tally.answered}
    missing = answered - set(stored)
    doubled = [key for key, count in stored.items() if count > 1]
    # A send the process was killed before recording is made again: the fake then has
    # more sends than the outbox has sent rows, and only flagged rows may explain them.
    sent_twice = len(fake.sent_messages()) - recorded
    checks = [
        ("updates answered 200", f"{len(answered):,}", True),
        ("… stored exactly once", f"{len(answered) - len(missing):,} stored, {len(missing)}"
         f" missing, {len(doubled)} doubled", not missing and not doubled),
        ("stored customer messages the flows have not handled", str(unprocessed),
         unprocessed == 0),
        ("outbox rows by state", ", ".join(f"{k} {v:,}" for k, v in sorted(states.items())),
         not states.get("pending") and not states.get("sending")),
        ("replies given up", "; ".join(f"{n} × {e}" for e, n in failures) or "none",
         not failures),
        ("replies at the fake beyond those recorded sent / flagged possibly_duplicated",
         f"{sent_twice} / {flagged}", 0 <= sent_twice <= flagged),
    ]
    return checks


async def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="pasokh-soak-"))
    logs = workdir / "logs"
    logs.mkdir()
    children = Children(logs, Pinning.choose(enabled=not args.no_pin))
    tally = Tally()
    stop = asyncio.Event()
    async with FakeTelegram(tokens=[TOKEN], enforce_limits=True) as fake:
        pasokh = Pasokh(children, workdir, fake.base_url)
        try:
            await pasokh.start()
            log(f"soak: {args.minutes} min at {args.rate}/s, SIGKILL every {args.kill_every} s,"
                f" {args.fault_share:.0%} of sends faulty; logs in {logs}")
            started = time.monotonic()
            timeout = aiohttp.ClientTimeout(total=30)
            connector = aiohttp.TCPConnector(limit=256)
            async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
                await asyncio.gather(write_for(args, http, pasokh, tally, stop),
                                     keep_killing(args, pasokh, fake, tally, stop))
            database = workdir / "pasokh.db"
            await settle(fake, database, within=600)
            elapsed = time.monotonic() - started
            peak = pasokh.child.peak_rss_mib() if pasokh.child else None
            if peak is not None:
                tally.peak_rss_mib.append(peak)
        finally:
            children.stop_all()
        checks = audit(workdir / "pasokh.db", fake, tally)
    latencies = sorted(tally.latencies)
    print(f"\nPasokh soak, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}:"
          f" {elapsed / 60:.1f} min, {tally.posts:,} posts, {tally.kills} SIGKILLs,"
          f" refused while down: {dict(tally.refused) or 'none'}\n")
    print("| check | result | ok? |\n|---|---|---|")
    for name, result, ok in checks:
        print(f"| {name} | {result} | {'yes' if ok else '**no**'} |")
    if latencies:
        print(f"| webhook latency p50 / p99 (answered 200) | {percentile(latencies, 50) * 1000:.1f}"
              f" / {percentile(latencies, 99) * 1000:.1f} ms | — |")
    if tally.peak_rss_mib:
        print(f"| peak RSS per run (MiB) | {', '.join(f'{m:.0f}' for m in tally.peak_rss_mib)}"
              " | — |")
    return 0 if all(ok for _, _, ok in checks) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/soak.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=20.0, help="updates per second")
    parser.add_argument("--kill-every", type=float, default=45.0, help="seconds between kills")
    parser.add_argument("--fault-share", type=float, default=0.1,
                        help="share of sendMessage calls answered 429, 502 or slowly")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
