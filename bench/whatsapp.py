#!/usr/bin/env python3
"""WhatsApp benchmark for Pasokh: signed Meta webhooks in, Graph API replies out, beside
the bare-aiohttp ceiling measured in the same run with the same load generator.

    python bench/whatsapp.py [--quick] [--duration S] [--concurrency N] [--batches 1,20]

For each batch size (messages per webhook, each message from a distinct customer):

ceiling     bench/bare_server.py (aiohttp that reads the body and answers 200): the same
            signed bodies, same generator, same concurrency; best of 2 short rounds;
pasokh      a fresh `pasokh serve` (SQLite in a temporary data directory) and a fresh fake
            Graph API (`python -m tests.fakes.meta --no-limits --no-window`): webhooks
            answered 200 (Pasokh answers only once the batch is stored) times the batch
            size = messages stored per second; replies per second counted at the fake
            (GET /__stats) over the same window; the replies still owed when it ended.

Pasokh paces one WhatsApp number at 80 messages/s (less 2 % safety), so replies/s cannot
pass about 78/s however fast messages are stored; the table shows that cap beside it.
The fake runs without its window check because the benchmark posts straight to Pasokh, so
the fake never sees the customers write; Pasokh's outbox enforces the 24 h window itself,
and every message carries the current time so that none is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import itertools
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import (  # noqa: E402
    BENCH,
    LOCALHOST,
    ROOT,
    Child,
    Children,
    HttpConnection,
    LoadResult,
    Pinning,
    clean_env,
    free_port,
    log,
    problems_in_log,
    wait_for_health,
    wait_for_line,
)

PHONE_NUMBER_ID = "1122334455667"
ACCESS_TOKEN = "test-access-token"  # noqa: S105 - the fake's test token
APP_SECRET = "test-app-secret"  # noqa: S105 - the fake's test secret
PASOKH_PATH = "/webhooks/whatsapp"
# bench/bare_server.py serves only this path; it ignores headers, so the same signed bodies
# measure the same HTTP work.
CEILING_PATH = "/webhooks/telegram"
NUMBER_CAP = 80 / 1.02  # adapters/whatsapp/transport.py: 80/s with a 2 % safety margin
# Customer numbers, one range per use, so no customer writes twice in a run and every
# wa_id has the same digit count (same body size throughout).
WARMUP_CUSTOMERS = 989_100_000_000
LOAD_CUSTOMERS = 989_300_000_000
CEILING_CUSTOMERS = 989_500_000_000
WARMUP_MESSAGES = 60
RESULTS = BENCH / "results" / "whatsapp.md"


# --------------------------------------------------------------------------- bodies


def whatsapp_batch(wa_ids: list[int], serial: int) -> bytes:
    """One webhook with one change per message, as Meta batches them (see
    tests/data/corpus/whatsapp/batch_two_changes.json), each from its own customer."""
    now = str(int(time.time()))
    changes = [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "989120000000", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "مشتری"}, "wa_id": str(wa_id)}],
        "messages": [{"from": str(wa_id), "id": f"wamid.bench{serial:09d}{index:02d}",
                      "timestamp": now, "type": "text", "text": {"body": "سلام"}}],
    }} for index, wa_id in enumerate(wa_ids)]
    return orjson.dumps({"object": "whatsapp_business_account",
                         "entry": [{"id": "1234567890987654321", "changes": changes}]})


def signed_request(port: int, path: str, body: bytes) -> bytes:
    signature = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    head = (f"POST {path} HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\n"
            f"Content-Type: application/json\r\nX-Hub-Signature-256: sha256={signature}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class Batches:
    """Signed webhook requests of `size` messages from customers counted up from `first`."""

    def __init__(self, port: int, path: str, size: int, first: int) -> None:
        self._port, self._path, self._size = port, path, size
        self._customers = itertools.count(first)
        self._serials = itertools.count(first % 1_000_000_000)

    def next(self) -> bytes:
        wa_ids = [next(self._customers) for _ in range(self._size)]
        return signed_request(self._port, self._path,
                              whatsapp_batch(wa_ids, next(self._serials)))


# --------------------------------------------------------------------------- load


async def closed_loop(port: int, batches: Batches, *, concurrency: int, duration: float,
                      limit: int | None = None) -> LoadResult:
    """`concurrency` keep-alive connections, each posting its next webhook as soon as the
    previous one is answered, until `duration` is over (or `limit` webhooks were sent)."""
    load = LoadResult()
    budget = itertools.count() if limit is None else iter(range(limit))
    cpu_before = time.process_time()
    load.started = time.monotonic()
    deadline = load.started + duration

    async def worker() -> None:
        connection: HttpConnection | None = None
        try:
            while time.monotonic() < deadline and next(budget, None) is not None:
                try:
                    if connection is None or connection.broken:
                        connection = await HttpConnection.open(port)
                    status = await connection.request(batches.next())
                except (OSError, ConnectionError, TimeoutError) as error:
                    load.errors[type(error).__name__] += 1
                    if connection is not None:
                        connection.close()
                    connection = None
                    await asyncio.sleep(0.05)
                    continue
                load.statuses[status] += 1
        finally:
            if connection is not None:
                connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    load.stopped = time.monotonic()
    load.cpu_seconds = time.process_time() - cpu_before
    return load


# --------------------------------------------------------------------------- children


class FakeGraph:
    """tests/fakes/meta as a child process, read through GET /__stats."""

    def __init__(self, child: Child, base: str, http: aiohttp.ClientSession) -> None:
        self.child, self.base, self._http = child, base, http

    @classmethod
    async def start(cls, children: Children, http: aiohttp.ClientSession) -> FakeGraph:
        argv = [sys.executable, "-m", "tests.fakes.meta", "--port", "0", "--no-limits",
                "--no-window", "--record-limit", "0"]
        child = children.spawn("fake-meta", argv, env=clean_env(), cwd=ROOT, server=False)
        match = await wait_for_line(child, r"READY (http://127\.0\.0\.1:\d+)", within=30)
        return cls(child, match.group(1), http)

    async def stats(self) -> dict[str, Any]:
        async with self._http.get(f"{self.base}/__stats") as response:
            response.raise_for_status()
            return orjson.loads(await response.read())

    async def sent(self) -> int:
        return int((await self.stats())["sent"])

    async def wait_quiet(self, at_least: int, within: float) -> int:
        """Polls until `at_least` sends, then until the count stops moving for 1 s."""
        deadline = time.monotonic() + within
        last, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            sent = await self.sent()
            if sent != last:
                last, last_change = sent, time.monotonic()
            elif sent >= at_least and time.monotonic() - last_change >= 1.0:
                break
            await asyncio.sleep(0.2)
        return last


def meta_env(**extra: str) -> dict[str, str]:
    """clean_env without the parent's Meta settings, then `extra`."""
    env = clean_env()
    for key in [key for key in env if key.startswith(("META_", "WHATSAPP_", "INSTAGRAM_"))]:
        del env[key]
    env.update(extra)
    return env


async def start_pasokh(children: Children, fake: FakeGraph,
                       data: Path) -> tuple[Child, int, Path]:
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="pasokh-wa-", dir=data))  # fresh DB, no `.env`
    env = meta_env(
        PASOKH_HOST=LOCALHOST, PASOKH_PORT=str(port), PASOKH_DATA_DIR=str(workdir),
        PASOKH_LOG_LEVEL="WARNING", WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=ACCESS_TOKEN, META_APP_SECRET=APP_SECRET, META_VERIFY_TOKEN="x",
        META_GRAPH_BASE=fake.base,
    )
    child = children.spawn("pasokh", [sys.executable, "-m", "bots.cli", "serve"], env=env,
                           cwd=workdir, server=True)
    await wait_for_health(child, f"http://{LOCALHOST}:{port}/healthz", 60)
    return child, port, workdir / "pasokh.db"


def stored_counts(database: Path) -> tuple[int, Counter[str]]:
    """Inbound message rows and outbox rows by state, read from a stopped Pasokh's SQLite
    file: the check that every webhook answered 200 was really stored."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        inbound = db.execute("SELECT count(*) FROM message WHERE direction = 'in'").fetchone()[0]
        states = Counter(dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state")))
    return inbound, states


async def start_bare(children: Children) -> tuple[Child, int]:
    port = free_port()
    child = children.spawn("bare-aiohttp", [sys.executable, str(BENCH / "bare_server.py"),
                                            "--port", str(port)],
                           env=clean_env(), cwd=Path(tempfile.gettempdir()), server=True)
    await wait_for_line(child, r"READY", 30)
    return child, port


# --------------------------------------------------------------------------- scenarios


@dataclass
class Figures:
    batch: int
    ceiling: float = 0.0  # messages/s through bare aiohttp
    ceiling_rounds: list[float] = field(default_factory=list)
    ceiling_cpu: float = 0.0
    ceiling_generator_cpu: float = 0.0
    stored: float = 0.0  # messages/s answered 200 by Pasokh
    webhooks: float = 0.0
    replied: float = 0.0  # replies/s at the fake in the same window
    replies_per_message: float = 0.0  # from the warm-up
    owed: int = 0  # replies still to send when the window ended
    answered: int = 0  # inbound messages answered 200, warm-up included
    rows: int = 0  # inbound message rows found in the database afterwards
    outbox: Counter[str] = field(default_factory=Counter)  # outbox rows by state, afterwards
    drained: float = 0.0  # replies/s in the seconds after the load stopped
    failures: str = "none"
    pasokh_cpu: float = 0.0
    pasokh_runqueue: float = 0.0  # share of the window Pasokh's threads waited for a CPU
    fake_cpu: float = 0.0
    generator_cpu: float = 0.0
    problems: list[str] = field(default_factory=list)


def runqueue_seconds(child: Child) -> float:
    """Time all of the child's threads have spent runnable but waiting for a CPU (the
    second field of /proc/PID/task/TID/schedstat): high when other processes took the
    core, near zero when the child was idle or blocked on I/O or locks."""
    waited = 0
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{child.pid}/task").iterdir():
            with contextlib.suppress(OSError, IndexError, ValueError):
                waited += int((task / "schedstat").read_text().split()[1])
    return waited / 1e9


def cpu_share(child: Child, before: float | None, seconds: float) -> float:
    after = child.cpu_seconds()
    return 0.0 if before is None or after is None else (after - before) / seconds


async def ceiling(children: Children, figures: Figures, options: argparse.Namespace) -> None:
    child, port = await start_bare(children)
    try:
        batches = Batches(port, CEILING_PATH, figures.batch, CEILING_CUSTOMERS)
        await closed_loop(port, batches, concurrency=options.concurrency, duration=1.0)
        for _ in range(options.ceiling_rounds):
            before = child.cpu_seconds()
            load = await closed_loop(port, batches, concurrency=options.concurrency,
                                     duration=options.ceiling_duration)
            rate = load.accepted * figures.batch / load.elapsed
            figures.ceiling_rounds.append(rate)
            if rate >= figures.ceiling:
                figures.ceiling = rate
                figures.ceiling_cpu = cpu_share(child, before, load.elapsed)
                figures.ceiling_generator_cpu = load.cpu_seconds / load.elapsed
        log(f"batch {figures.batch}: ceiling {figures.ceiling:,.0f} messages/s (rounds: "
            + ", ".join(f"{rate:,.0f}" for rate in figures.ceiling_rounds) + ")")
    finally:
        child.stop()


async def pasokh(children: Children, data: Path, figures: Figures,
                 options: argparse.Namespace) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        fake = await FakeGraph.start(children, http)
        server, port, database = await start_pasokh(children, fake, data)
        try:
            warm = Batches(port, PASOKH_PATH, 1, WARMUP_CUSTOMERS)
            warm_load = await closed_loop(port, warm, concurrency=4, duration=30,
                                          limit=WARMUP_MESSAGES)
            warm_replies = await fake.wait_quiet(WARMUP_MESSAGES, within=30)
            figures.replies_per_message = warm_replies / WARMUP_MESSAGES

            batches = Batches(port, PASOKH_PATH, figures.batch, LOAD_CUSTOMERS)
            sent_before = await fake.sent()
            server_before, fake_before = server.cpu_seconds(), fake.child.cpu_seconds()
            waited_before = runqueue_seconds(server)
            load = await closed_loop(port, batches, concurrency=options.concurrency,
                                     duration=options.duration)
            sent_after = await fake.sent()
            figures.pasokh_cpu = cpu_share(server, server_before, load.elapsed)
            figures.pasokh_runqueue = (runqueue_seconds(server) - waited_before) / load.elapsed
            figures.fake_cpu = cpu_share(fake.child, fake_before, load.elapsed)
            figures.generator_cpu = load.cpu_seconds / load.elapsed
            figures.webhooks = load.accepted / load.elapsed
            figures.stored = load.accepted * figures.batch / load.elapsed
            figures.replied = (sent_after - sent_before) / load.elapsed
            expected = round(load.accepted * figures.batch * figures.replies_per_message)
            figures.owed = max(0, expected - (sent_after - sent_before))
            figures.failures = load.describe_failures()
            figures.answered = warm_load.accepted + load.accepted * figures.batch
            # With no webhooks coming in, the outbox has Pasokh to itself: does it reach
            # the number's cap then?
            drain_started = time.monotonic()
            await asyncio.sleep(options.drain_duration)
            figures.drained = (await fake.sent() - sent_after) / (time.monotonic()
                                                                  - drain_started)
            log(f"batch {figures.batch}: {figures.stored:,.0f} messages/s stored "
                f"({figures.webhooks:,.0f} webhooks/s), {figures.replied:,.1f} replies/s, "
                f"{figures.owed:,} replies owed, then {figures.drained:,.1f} replies/s; "
                f"failures: {figures.failures}")
        finally:
            server.stop()
            fake.child.stop()
            figures.problems = problems_in_log(server)
        figures.rows, figures.outbox = stored_counts(database)
        log(f"batch {figures.batch}: {figures.rows:,} inbound rows for {figures.answered:,} "
            f"messages answered 200; outbox: {dict(figures.outbox)}")


# --------------------------------------------------------------------------- report


def table(results: list[Figures], options: argparse.Namespace) -> list[str]:
    lines = [
        "| figure | " + " | ".join(f"batch of {r.batch}" for r in results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]

    def row(figure: str, cells: list[str]) -> None:
        lines.append(f"| {figure} | " + " | ".join(cells) + " |")

    row(f"Messages stored/s, Pasokh ({options.concurrency} webhooks in flight, "
        f"{options.duration:.0f} s)", [f"{r.stored:,.0f}" for r in results])
    row("Webhooks answered 200/s, Pasokh", [f"{r.webhooks:,.0f}" for r in results])
    row("Messages/s, bare aiohttp ceiling (same run)", [f"{r.ceiling:,.0f}" for r in results])
    row("Share of the ceiling", [f"{r.stored / r.ceiling:.1%}" if r.ceiling else "—"
                                 for r in results])
    row(f"Replies/s at the fake, same window (cap {NUMBER_CAP:.1f}/s per number)",
        [f"{r.replied:,.1f} = {r.replied / NUMBER_CAP:.0%} of cap" for r in results])
    row("Replies per inbound message (warm-up)", [f"{r.replies_per_message:.2f}"
                                                 for r in results])
    row("Replies still owed when the window ended", [f"{r.owed:,}" for r in results])
    row(f"Replies/s in the {options.drain_duration:.0f} s after the load stopped",
        [f"{r.drained:,.1f} = {r.drained / NUMBER_CAP:.0%} of cap" for r in results])
    row("Failed webhooks", [r.failures for r in results])
    row("Inbound rows in the database / messages answered 200 (warm-up included)",
        [f"{r.rows:,} / {r.answered:,}" for r in results])
    row("Outbox rows by state when Pasokh was stopped",
        [", ".join(f"{state} {count:,}" for state, count in sorted(r.outbox.items()))
         for r in results])
    row("CPU (share of a core): Pasokh / fake / generator",
        [f"{r.pasokh_cpu:.0%} / {r.fake_cpu:.0%} / {r.generator_cpu:.0%}" for r in results])
    row("Pasokh's threads waiting for a CPU (summed, share of the window)",
        [f"{r.pasokh_runqueue:.0%}" for r in results])
    row("CPU in the ceiling run: bare aiohttp / generator",
        [f"{r.ceiling_cpu:.0%} / {r.ceiling_generator_cpu:.0%}" for r in results])
    return lines


def load_average() -> list[str]:
    with contextlib.suppress(OSError):
        return Path("/proc/loadavg").read_text().split()[:3]
    return ["?"]


def header(pinning: Pinning) -> list[str]:
    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, timeout=10).stdout.strip()
    return [
        f"Pasokh WhatsApp benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), load average "
        f"{' '.join(load_average())} at the start",
        "Pinning: " + ("none" if pinning.load is None else
                       f"load generator and fake Graph API on CPU {min(pinning.load)}, the "
                       f"server under test (Pasokh or bare aiohttp) on CPU "
                       f"{min(pinning.server or {0})}"),
        f"Command: {' '.join([Path(sys.executable).name, *sys.argv])}",
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5 s windows instead of 15 s")
    parser.add_argument("--duration", type=float, help="Pasokh's window in seconds")
    parser.add_argument("--concurrency", type=int, default=32, help="webhooks in flight")
    parser.add_argument("--batches", default="1,20", help="messages per webhook, comma list")
    parser.add_argument("--no-pin", dest="pin", action="store_false")
    options = parser.parse_args(argv)
    options.duration = options.duration or (5.0 if options.quick else 15.0)
    options.ceiling_duration = 3.0 if options.quick else 5.0
    options.ceiling_rounds = 2
    options.drain_duration = 3.0 if options.quick else 5.0
    options.batch_sizes = [int(size) for size in options.batches.split(",")]
    return options


async def run(options: argparse.Namespace, children: Children, data: Path) -> list[Figures]:
    results = []
    for size in options.batch_sizes:
        figures = Figures(batch=size)
        await ceiling(children, figures, options)
        await pasokh(children, data, figures, options)
        results.append(figures)
    return results


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    pinning = Pinning.choose(options.pin)
    if pinning.load is not None:
        os.sched_setaffinity(0, pinning.load)
    data = Path(tempfile.mkdtemp(prefix="pasokh-wa-bench-"))
    children = Children(data, pinning)
    intro = header(pinning)
    for line in intro:
        log(line)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.default_int_handler)
    failed = True
    try:
        results = asyncio.run(run(options, children, data))
        failed = False
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        children.stop_all()
        if failed:
            log(f"children's logs kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    out = [*intro, "", *table(results, options), "",
           f"Load average at the end: {' '.join(load_average())}"]
    problems = [f"batch {r.batch}: {p}" for r in results for p in r.problems]
    if problems:
        out += ["", "Problems seen in Pasokh's log:", *(f"- {p}" for p in problems)]
    print("\n" + "\n".join(out), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("# WhatsApp benchmark\n\n" + "\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
