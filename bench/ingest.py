#!/usr/bin/env python3
"""Ingest benchmark for Pasokh: webhooks in, Telegram replies out, each figure beside a
reference measured in the same run.

    python bench/ingest.py [--quick] [--only ceiling,throughput,latency,limits]

Scenarios (see bench/README.md for the method):

ceiling     a bare aiohttp server that only answers 200: webhooks/s the load generator
            pushes through it (same generator, bodies and concurrency as for Pasokh);
throughput  Pasokh + the fake Bot API without limits, TELEGRAM_SENDS_PER_SECOND=0:
            accepted webhooks/s and replies/s at a fixed concurrency for a fixed time;
latency     open-loop 100 webhooks/s, distinct chats: webhook start -> sendMessage at the
            fake, p50/p99, for Pasokh and for an aiogram echo bot (bench/aiogram_echo.py);
limits      the fake WITH Telegram's limits, Pasokh with its default 30 sends/s: a burst
            of distinct customers; reply rate first->last reply, and the 429s.

Only 127.0.0.1 is used. Every child runs in its own process group and is killed at the end.
The final Markdown table is printed and written to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results" / "latest.md"
TOKEN = "123456:TEST-TOKEN"  # noqa: S105 - the fake's test token
SECRET = "bench-secret"  # noqa: S105
WEBHOOK_PATH = "/webhooks/telegram"
LOCALHOST = "127.0.0.1"
SCENARIOS = ("ceiling", "throughput", "latency", "limits")
CLIENTS = {
    "raw": "a minimal HTTP/1.1 keep-alive client on asyncio (one request per connection)",
    "aiohttp": "aiohttp's ClientSession",
}
MIB = 1024 * 1024

# Chat-id ranges, one per use, so a chat never gets two messages (per-chat pacing never
# limits) and every reply at the fake can be told apart. Same digit count everywhere, so
# every body has the same size.
WARMUP_CHATS = 10_000_000
LOAD_CHATS = 20_000_000
LATENCY_CHATS = 30_000_000
LIMITS_CHATS = 40_000_000
# The fake numbers its own messages from 1 per chat and does not see updates that go
# straight to the webhook; a high incoming message_id keeps the two from colliding on
# Pasokh's unique (channel, "chat:message_id").
INCOMING_MESSAGE_ID = 1_000_000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- CPU pinning


@dataclass(frozen=True)
class Pinning:
    load: set[int] | None  # this process (load generator) and the fake
    server: set[int] | None  # the server under test

    @classmethod
    def choose(cls, enabled: bool) -> Pinning:
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        if not enabled or len(cpus) < 2:
            return cls(None, None)
        return cls({cpus[0]}, {cpus[1]})

    def describe(self) -> str:
        if self.load is None or self.server is None:
            return "no CPU pinning (fewer than 2 CPUs, or --no-pin)"
        return (f"load generator + fake Bot API on CPU {_cpus(self.load)}; "
                f"server under test (Pasokh / bare aiohttp / aiogram) on CPU "
                f"{_cpus(self.server)}")


def _cpus(cpus: set[int]) -> str:
    return ",".join(str(cpu) for cpu in sorted(cpus))


# --------------------------------------------------------------------------- children


class Child:
    """A subprocess in its own process group, output to a log file, pinned to CPUs."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path,
                 logs: Path, cpus: set[int] | None) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=env, cwd=cwd, start_new_session=True,
        )
        if cpus is not None:
            # Python has not started a thread yet: every later thread inherits this.
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(self.proc.pid, cpus)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def status_kib(self, key: str) -> int | None:
        """A `VmHWM`/`VmRSS` line of /proc/PID/status, in KiB (None once gone)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE)
        return int(match.group(1)) if match else None

    def peak_rss_mib(self) -> float | None:
        kib = self.status_kib("VmHWM")
        return None if kib is None else kib / 1024

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the process (all its threads)."""
        return _stat_cpu(Path(f"/proc/{self.pid}/stat"))

    def thread_cpu(self) -> dict[int, float]:
        """CPU seconds per thread id (the main thread's id is the pid)."""
        threads: dict[int, float] = {}
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{self.pid}/task").iterdir():
                seconds = _stat_cpu(task / "stat")
                if seconds is not None:
                    threads[int(task.name)] = seconds
        return threads

    def stop(self, grace: float = 10.0) -> int | None:
        """SIGTERM to the group, then SIGKILL after `grace` seconds; returns the exit code."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop within {grace:.0f} s of SIGTERM; killing it")
        # Whatever the leader did, nothing of its group may outlive the benchmark.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self._log.close()
        return self.proc.returncode


def _stat_cpu(path: Path) -> float | None:
    try:
        stat = path.read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_split(before: dict[int, float], after: dict[int, float], main: int,
                 seconds: float) -> tuple[float, float]:
    """Share of one core used by the main thread and by all other threads together."""
    used = {tid: cpu - before.get(tid, 0.0) for tid, cpu in after.items()}
    main_share = used.pop(main, 0.0) / seconds
    return main_share, sum(used.values()) / seconds


class Children:
    """Every child of the run, so that all of them are stopped whatever happens."""

    def __init__(self, logs: Path, pinning: Pinning) -> None:
        self.logs = logs
        self.pinning = pinning
        self._all: list[Child] = []
        self._serial = itertools.count(1)

    def spawn(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path,
              server: bool) -> Child:
        child = Child(f"{next(self._serial):02d}-{name}", argv, env=env, cwd=cwd,
                      logs=self.logs, cpus=self.pinning.server if server else self.pinning.load)
        self._all.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self._all):
            child.stop(grace=5.0)


def clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment without anything that would configure a child."""
    prefixes = ("PASOKH_", "TELEGRAM_", "DATABASE_", "REDIS_", "OUTBOX_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return probe.getsockname()[1]


async def wait_for_line(child: Child, pattern: str, within: float) -> re.Match[str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        match = re.search(pattern, child.log_text())
        if match:
            return match
        if not child.alive():
            raise RuntimeError(f"{child.name} exited with {child.proc.returncode}:\n"
                               f"{child.log_tail()}")
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{child.name} not ready after {within:.0f} s:\n{child.log_tail()}")


async def wait_for_health(child: Child, url: str, within: float) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while time.monotonic() < deadline:
            if not child.alive():
                raise RuntimeError(f"{child.name} exited with {child.proc.returncode}:\n"
                                   f"{child.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{child.name}: {url} not 200 after {within:.0f} s:\n"
                       f"{child.log_tail()}")


class Fake:
    """The fake Telegram Bot API of tests/fakes/telegram, as a child process."""

    def __init__(self, child: Child, base: str) -> None:
        self.child = child
        self.base = base
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    @classmethod
    async def start(cls, children: Children, *, limits: bool) -> Fake:
        argv = [sys.executable, "-m", "tests.fakes.telegram", "--port", "0", "--token", TOKEN,
                "--record-limit", "0", "--message-limit", "1000"]
        if not limits:
            argv.append("--no-limits")
        child = children.spawn("fake-limits" if limits else "fake-nolimits", argv,
                               env=clean_env(), cwd=ROOT, server=False)
        match = await wait_for_line(child, r"READY (http://127\.0\.0\.1:\d+)", within=20)
        return cls(child, match.group(1))

    async def stats(self, sends: bool = False) -> dict[str, Any]:
        url = f"{self.base}/__stats" + ("?sends=1" if sends else "")
        async with self._http.get(url) as response:
            response.raise_for_status()
            return orjson.loads(await response.read())

    async def sends(self) -> list[tuple[int, float]]:
        return [(int(chat), float(at)) for chat, at in (await self.stats(sends=True))["sends"]]

    async def wait_sent(self, count: int, within: float, stall: float = 15.0) -> int:
        """Polls until `count` successful sends (or `within` s, or no progress for `stall`)."""
        deadline = time.monotonic() + within
        last, last_change = -1, time.monotonic()
        while True:
            sent = int((await self.stats())["sent"])
            now = time.monotonic()
            if sent != last:
                last, last_change = sent, now
            if sent >= count or now >= deadline or now - last_change >= stall:
                return sent
            await asyncio.sleep(0.25)

    async def close(self) -> None:
        await self._http.close()
        self.child.stop()


@dataclass
class Server:
    """A webhook server under test (Pasokh, bare aiohttp or aiogram)."""

    kind: str
    child: Child
    port: int

    def peak_rss_mib(self) -> float | None:
        return self.child.peak_rss_mib()


async def start_pasokh(children: Children, fake: Fake, data: Path, *,
                       sends_per_second: str | None, profile: Path | None = None) -> Server:
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="pasokh-", dir=data))  # fresh DB, no `.env`
    env = clean_env(
        PASOKH_HOST=LOCALHOST, PASOKH_PORT=str(port), PASOKH_DATA_DIR=str(workdir),
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_MODE="webhook",
        TELEGRAM_API_BASE=fake.base, PASOKH_LOG_LEVEL="WARNING",
    )
    if sends_per_second is not None:
        env["TELEGRAM_SENDS_PER_SECOND"] = sends_per_second
    argv = [sys.executable]
    if profile is not None:
        argv += ["-m", "cProfile", "-o", str(profile)]
    argv += ["-m", "bots.cli", "serve"]
    child = children.spawn("pasokh", argv, env=env, cwd=workdir, server=True)
    await wait_for_health(child, f"http://{LOCALHOST}:{port}/healthz", 60)
    return Server("pasokh", child, port)


async def start_bare(children: Children) -> Server:
    port = free_port()
    child = children.spawn("bare-aiohttp", [sys.executable, str(BENCH / "bare_server.py"),
                                            "--port", str(port)],
                           env=clean_env(), cwd=Path(tempfile.gettempdir()), server=True)
    await wait_for_line(child, r"READY", 30)
    return Server("bare aiohttp", child, port)


async def start_aiogram(children: Children, fake: Fake) -> Server:
    port = free_port()
    argv = [sys.executable, str(BENCH / "aiogram_echo.py"), "--port", str(port),
            "--api-base", fake.base, "--token", TOKEN, "--secret", SECRET]
    child = children.spawn("aiogram-echo", argv, env=clean_env(),
                           cwd=Path(tempfile.gettempdir()), server=True)
    await wait_for_line(child, r"READY", 90)  # `import aiogram` takes seconds
    return Server("aiogram echo", child, port)


def problems_in_log(child: Child) -> list[str]:
    """Log lines at ERROR/CRITICAL and exception lines, deduplicated, for the report."""
    found: Counter[str] = Counter()
    for line in child.log_text().splitlines():
        if re.search(r"\b(ERROR|CRITICAL)\b", line) or re.match(r"^\w+(\.\w+)*(Error|Exception)",
                                                                 line):
            found[re.sub(r"^\S+ \S+ ", "", line)[:240]] += 1
    return [f"{count}x {line}" for line, count in found.most_common(8)]


# --------------------------------------------------------------------------- load generator


def update_body(chat_id: int) -> bytes:
    return orjson.dumps({
        "update_id": chat_id,
        "message": {
            "message_id": INCOMING_MESSAGE_ID,
            "date": 1700000000,
            "chat": {"id": chat_id, "type": "private", "first_name": "C"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "C", "language_code": "fa"},
            "text": "سلام",
        },
    })


def webhook_request(port: int, chat_id: int) -> bytes:
    body = update_body(chat_id)
    head = (f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\n"
            f"Content-Type: application/json\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class HttpConnection(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive client connection, one request at a time.

    The generator must cost far less than the servers it drives, and aiohttp's client
    costs about as much per request as its server; this one only writes prepared bytes
    and reads a status line and a Content-Length body."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bool]] | None = None
        self.broken = False

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(lambda: cls(port), LOCALHOST, port)
        return protocol

    async def send(self, chat: int) -> int:
        return await self.request(webhook_request(self.port, chat))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer.extend(data)
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self._buffer[:end]).lower()
        start = head.find(b"\r\ncontent-length:")
        if start < 0:
            if b"\r\ntransfer-encoding:" in head:
                waiter.set_exception(ConnectionError("chunked answers are not supported"))
                return
            length = 0
        else:
            stop = head.find(b"\r\n", start + 2)
            length = int(head[start + 17:stop if stop >= 0 else None])
        total = end + 4 + length
        if len(self._buffer) < total:
            return
        del self._buffer[:total]
        waiter.set_result((int(head[9:12]), b"\r\nconnection: close" in head))

    def connection_lost(self, exc: Exception | None) -> None:
        self.broken = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError(f"connection lost: {exc!r}"))

    async def request(self, data: bytes, within: float = 30.0) -> int:
        assert self._transport is not None
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(within, _expire, waiter)
        try:
            self._transport.write(data)
            status, close = await waiter
        finally:
            timer.cancel()
        if close:
            self.close()
        return status

    def close(self) -> None:
        self.broken = True
        if self._transport is not None:
            self._transport.close()


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("no answer in time"))


class AiohttpConnection:
    """The same requests through aiohttp's ClientSession (`--client aiohttp`)."""

    HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}

    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        self._session = session
        self._url = f"http://{LOCALHOST}:{port}{WEBHOOK_PATH}"
        self.broken = False

    async def send(self, chat: int) -> int:
        try:
            async with self._session.post(self._url, data=update_body(chat),
                                          headers=self.HEADERS) as response:
                await response.read()
                return response.status
        except aiohttp.ClientConnectionError as error:
            raise ConnectionError(str(error)) from error

    def close(self) -> None:
        """Nothing of its own to close: the shared session is closed by its owner."""


Connection = HttpConnection | AiohttpConnection


class Client:
    """Opens connections to one server, with the chosen HTTP client (`--client`)."""

    def __init__(self, kind: str, port: int) -> None:
        self.kind = kind
        self.port = port
        self._session: aiohttp.ClientSession | None = None

    async def connect(self) -> Connection:
        if self.kind == "raw":
            return await HttpConnection.open(self.port)
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, force_close=False),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        return AiohttpConnection(self._session, self.port)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()


@dataclass
class LoadResult:
    started: float = 0.0
    stopped: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    accepted_at: list[float] = field(default_factory=list)  # completion times of 200s
    accepted_chats: list[int] = field(default_factory=list)
    cpu_seconds: float = 0.0

    @property
    def accepted(self) -> int:
        return self.statuses[200]

    @property
    def elapsed(self) -> float:
        return max(self.stopped - self.started, 1e-9)

    def describe_failures(self) -> str:
        parts = [f"HTTP {status}: {count}" for status, count in sorted(self.statuses.items())
                 if status != 200]
        parts += [f"{kind}: {count}" for kind, count in self.errors.most_common()]
        return ", ".join(parts) or "none"


async def closed_loop(client: Client, chats: Iterator[int], *, concurrency: int,
                      duration: float) -> LoadResult:
    """`concurrency` connections, each sending the next webhook as soon as the previous
    is answered, until `duration` is over or `chats` runs out."""
    result = LoadResult()
    cpu_before = time.process_time()
    result.started = time.monotonic()
    deadline = result.started + duration

    async def worker() -> None:
        connection: Connection | None = None
        try:
            while time.monotonic() < deadline:
                chat = next(chats, None)
                if chat is None:
                    return
                try:
                    if connection is None or connection.broken:
                        connection = await client.connect()
                    status = await connection.send(chat)
                except (OSError, ConnectionError, TimeoutError) as error:
                    result.errors[type(error).__name__] += 1
                    if connection is not None:
                        connection.close()
                    connection = None
                    await asyncio.sleep(0.05)
                    continue
                result.statuses[status] += 1
                if status == 200:
                    result.accepted_at.append(time.monotonic())
                    result.accepted_chats.append(chat)
        finally:
            if connection is not None:
                connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.stopped = time.monotonic()
    result.cpu_seconds = time.process_time() - cpu_before
    return result


@dataclass
class OpenLoopResult:
    scheduled: dict[int, float] = field(default_factory=dict)  # chat -> planned start
    posted: dict[int, float] = field(default_factory=dict)  # chat -> POST started
    answered: dict[int, float] = field(default_factory=dict)  # chat -> 200 received
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    started: float = 0.0
    stopped: float = 0.0
    connections: int = 0


async def open_loop(client: Client, chats: list[int], *, rate: float,
                    max_connections: int = 256) -> OpenLoopResult:
    """One webhook every 1/rate s at fixed times, whatever the answers do (open loop)."""
    result = OpenLoopResult()
    idle = [await client.connect() for _ in range(8)]
    result.connections = len(idle)
    pending: set[asyncio.Task[None]] = set()

    async def send(chat: int, connection: Connection) -> None:
        result.posted[chat] = time.monotonic()
        try:
            status = await connection.send(chat)
        except (OSError, ConnectionError, TimeoutError) as error:
            result.errors[type(error).__name__] += 1
            connection.close()
            return
        result.statuses[status] += 1
        if status == 200:
            result.answered[chat] = time.monotonic()
        if not connection.broken:
            idle.append(connection)

    result.started = start = time.monotonic() + 0.1
    for index, chat in enumerate(chats):
        planned = start + index / rate
        delay = planned - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if idle:
            connection = idle.pop()
        elif result.connections < max_connections:
            connection = await client.connect()
            result.connections += 1
        else:
            result.skipped += 1
            continue
        result.scheduled[chat] = planned
        task = asyncio.create_task(send(chat, connection))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(set(pending), timeout=35)
    result.stopped = time.monotonic()
    for connection in idle:
        connection.close()
    return result


async def warm_up(client: Client, fake: Fake | None, chats: Iterator[int],
                  count: int = 300) -> None:
    """A few hundred webhooks first, so that no scenario measures a cold start."""
    before = int((await fake.stats())["sent"]) if fake else 0
    warm = await closed_loop(client, itertools.islice(chats, count), concurrency=16,
                             duration=30)
    if fake is not None:
        await fake.wait_sent(before + warm.accepted, within=30)
    await asyncio.sleep(0.5)


# --------------------------------------------------------------------------- statistics


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (q in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def per_second(times: list[float], start: float, stop: float) -> list[int]:
    """Counts in each whole second of [start, stop) (a partial last second is left out)."""
    buckets = [0] * int(stop - start)
    for at in times:
        index = int(at - start)
        if 0 <= index < len(buckets):
            buckets[index] += 1
    return buckets


def first_send_per_chat(sends: list[tuple[int, float]], chats: set[int] | None = None
                        ) -> tuple[dict[int, float], int]:
    """The first successful send to each chat, and how many sends were extra (duplicates)."""
    first: dict[int, float] = {}
    duplicates = 0
    for chat, at in sends:
        if chats is not None and chat not in chats:
            continue
        if chat in first:
            duplicates += 1
            first[chat] = min(first[chat], at)
        else:
            first[chat] = at
    return first, duplicates


def fmt(value: float | None, digits: int = 0, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


# --------------------------------------------------------------------------- scenarios


@dataclass
class Options:
    quick: bool
    only: tuple[str, ...]
    duration: float
    ceiling_duration: float
    concurrency: int
    rate: float
    latency_duration: float
    customers: int
    profile: Path | None
    pin: bool
    keep_logs: bool
    client: str


@dataclass
class Report:
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def row(self, figure: str, pasokh: str, reference: str, target: str, met: str) -> None:
        self.rows.append((figure, pasokh, reference, target, met))


def verdict(ok: bool | None, aim: bool | None = None) -> str:
    if ok is None:
        return "n/a"
    if not ok:
        return "no"
    if aim is None:
        return "yes"
    return "yes (aim met)" if aim else "yes (aim not met)"


class Bench:
    def __init__(self, options: Options, children: Children, data: Path) -> None:
        self.options = options
        self.children = children
        self.data = data
        self.report = Report()
        self.warmup_chats = itertools.count(WARMUP_CHATS)

    def client(self, server: Server) -> Client:
        return Client(self.options.client, server.port)

    # ------------------------------------------------------------- ceiling

    async def ceiling(self) -> None:
        """The best of a few short rounds: on a shared or virtual machine a single round
        can come out far lower (neither process saturating its CPU) than the next."""
        options = self.options
        rounds = 2 if options.quick else 3
        log(f"ceiling: bare aiohttp server, {options.concurrency} in flight, best of {rounds} "
            f"rounds of {options.ceiling_duration:.0f} s")
        server = await start_bare(self.children)
        measured: list[tuple[float, float, float, LoadResult]] = []
        try:
            async with self.client(server) as client:
                await warm_up(client, None, self.warmup_chats)
                for _ in range(rounds):
                    cpu_before = server.child.cpu_seconds() or 0.0
                    load = await closed_loop(client, itertools.count(LOAD_CHATS),
                                             concurrency=options.concurrency,
                                             duration=options.ceiling_duration)
                    cpu = ((server.child.cpu_seconds() or 0.0) - cpu_before) / load.elapsed
                    rate = load.accepted / load.elapsed
                    measured.append((rate, cpu, load.cpu_seconds / load.elapsed, load))
                    log(f"ceiling: {rate:,.0f} webhooks/s ({load.accepted:,} in "
                        f"{load.elapsed:.1f} s; failures: {load.describe_failures()}); CPU: "
                        f"server {cpu:.0%}, load generator {load.cpu_seconds / load.elapsed:.0%}")
            rss = server.peak_rss_mib()
        finally:
            server.child.stop()
        rate, cpu, generator_cpu, _ = max(measured, key=lambda round_: round_[0])
        self.report.figures["ceiling"] = rate
        self.report.figures["ceiling_rss"] = rss
        rates = ", ".join(f"{round_[0]:,.0f}" for round_ in measured)
        log(f"ceiling: best {rate:,.0f} webhooks/s (rounds: {rates}); peak RSS "
            f"{fmt(rss, 1)} MiB")
        self.report.notes.append(
            f"Ceiling: bare aiohttp, best of {rounds} rounds of "
            f"{options.ceiling_duration:.0f} s: {rate:,.0f} webhooks/s (rounds: {rates}); in "
            f"the best round its CPU was {cpu:.0%} of a core, the load generator's "
            f"{generator_cpu:.0%}."
        )

    # ------------------------------------------------------------- throughput

    async def throughput(self) -> None:
        options = self.options
        log(f"throughput: Pasokh (TELEGRAM_SENDS_PER_SECOND=0) + fake --no-limits, "
            f"{options.concurrency} in flight, {options.duration:.0f} s")
        fake = await Fake.start(self.children, limits=False)
        pasokh: Server | None = None
        try:
            pasokh = await start_pasokh(self.children, fake, self.data, sends_per_second="0",
                                        profile=options.profile)
            async with self.client(pasokh) as client:
                await warm_up(client, fake, self.warmup_chats)
                sent_before = int((await fake.stats())["sent"])
                cpu_pasokh = pasokh.child.cpu_seconds() or 0.0
                threads_before = pasokh.child.thread_cpu()
                cpu_fake = fake.child.cpu_seconds() or 0.0
                load = await closed_loop(client, itertools.count(LOAD_CHATS),
                                         concurrency=options.concurrency,
                                         duration=options.duration)
            cpu_pasokh = (pasokh.child.cpu_seconds() or 0.0) - cpu_pasokh
            main_share, other_share = thread_split(threads_before, pasokh.child.thread_cpu(),
                                                   pasokh.child.pid, load.elapsed)
            cpu_fake = (fake.child.cpu_seconds() or 0.0) - cpu_fake
            log(f"throughput: load over, {load.accepted:,} accepted; waiting for the replies")
            sent = await fake.wait_sent(sent_before + load.accepted, within=60, stall=10)
            sends = await fake.sends()
            rss = pasokh.peak_rss_mib()
            rss_now = pasokh.child.status_kib("VmRSS")
            alive = pasokh.child.alive()
        finally:
            if pasokh is not None:
                pasokh.child.stop()
            await fake.close()
        self._check_exit(pasokh)

        window = load.elapsed
        accepted_rate = load.accepted / window
        chats = set(load.accepted_chats)
        first, duplicates = first_send_per_chat(sends, chats)
        in_window = [at for at in first.values() if load.started <= at <= load.stopped]
        reply_rate = len(in_window) / window
        missing = len(chats) - len(first)
        last_reply = max(first.values(), default=math.nan)
        catch_up = max(0.0, last_reply - load.stopped)
        backlog_at_stop = load.accepted - len(in_window)
        accepted_buckets = per_second(load.accepted_at, load.started, load.stopped)
        reply_buckets = per_second(list(first.values()), load.started, load.stopped)
        backlog = self._max_backlog(load.accepted_at, list(first.values()), load.started,
                                    load.stopped)
        ceiling = self.report.figures.get("ceiling")
        share = accepted_rate / ceiling if ceiling else None

        log(f"throughput: accepted {accepted_rate:,.0f}/s (worst second "
            f"{min(accepted_buckets, default=0):,}), replies {reply_rate:,.0f}/s in the window "
            f"(worst second {min(reply_buckets, default=0):,}); backlog at stop "
            f"{backlog_at_stop:,}, max {backlog:,}; last reply {catch_up:.2f} s after the "
            f"load stopped; {missing} accepted without reply, {duplicates} duplicate replies; "
            f"fake saw {sent - sent_before:,} sends; failures: {load.describe_failures()}")
        log(f"throughput: CPU over the window: Pasokh {cpu_pasokh / window:.0%} (event-loop "
            f"thread {main_share:.0%}, other threads, i.e. aiosqlite, {other_share:.0%}), fake "
            f"{cpu_fake / window:.0%}, load generator {load.cpu_seconds / window:.0%} "
            f"(of one core each); Pasokh peak RSS {fmt(rss, 1)} MiB, RSS at end "
            f"{fmt(rss_now / 1024 if rss_now else None, 1)} MiB; alive after the run: {alive}")

        figures = self.report.figures
        figures.update(throughput=accepted_rate, replies=reply_rate, rss=rss, share=share,
                       catch_up=catch_up, missing=missing, duplicates=duplicates,
                       backlog_max=backlog, worst_second=min(accepted_buckets, default=0))
        self.report.notes.append(
            f"Throughput: {load.accepted:,} webhooks accepted in {window:.1f} s "
            f"(failures: {load.describe_failures()}); worst 1-s bucket "
            f"{min(accepted_buckets, default=0):,}/s accepted, "
            f"{min(reply_buckets, default=0):,}/s replies; reply backlog max {backlog:,}, "
            f"{backlog_at_stop:,} at the end of the load, last reply {catch_up:.2f} s later; "
            f"{missing} accepted without a reply, {duplicates} duplicate replies. CPU: Pasokh "
            f"{cpu_pasokh / window:.0%} (event loop {main_share:.0%}, other threads "
            f"{other_share:.0%}), fake {cpu_fake / window:.0%}, load generator "
            f"{load.cpu_seconds / window:.0%} of a core."
        )

    @staticmethod
    def _max_backlog(accepted: list[float], replied: list[float], start: float,
                     stop: float) -> int:
        """Accepted but not yet replied, sampled every 100 ms over the load window."""
        accepted, replied = sorted(accepted), sorted(replied)
        worst, a, r = 0, 0, 0
        moment = start
        while moment <= stop:
            while a < len(accepted) and accepted[a] <= moment:
                a += 1
            while r < len(replied) and replied[r] <= moment:
                r += 1
            worst = max(worst, a - r)
            moment += 0.1
        return worst

    # ------------------------------------------------------------- latency

    async def latency(self) -> None:
        options = self.options
        count = int(options.rate * options.latency_duration)
        log(f"latency: open loop {options.rate:.0f} webhooks/s for "
            f"{options.latency_duration:.0f} s ({count} distinct chats), Pasokh then aiogram")
        results: dict[str, dict[str, Any]] = {}
        for kind in ("pasokh", "aiogram"):
            fake = await Fake.start(self.children, limits=False)
            server: Server | None = None
            try:
                if kind == "pasokh":
                    server = await start_pasokh(self.children, fake, self.data,
                                                sends_per_second="0")
                else:
                    server = await start_aiogram(self.children, fake)
                chats = list(range(LATENCY_CHATS, LATENCY_CHATS + count))
                async with self.client(server) as client:
                    await warm_up(client, fake, self.warmup_chats, count=200)
                    load = await open_loop(client, chats, rate=options.rate)
                accepted = load.statuses[200]
                await self._wait_chats(fake, set(load.scheduled), within=15)
                sends = await fake.sends()
                rss = server.peak_rss_mib()
            finally:
                if server is not None:
                    server.child.stop()
                await fake.close()
            self._check_exit(server)
            first, duplicates = first_send_per_chat(sends, set(load.scheduled))
            latencies = [(first[chat] - started) * 1000 for chat, started in
                         load.posted.items() if chat in first]
            missing = len(load.scheduled) - len(latencies)
            answers = [(load.answered[chat] - started) * 1000 for chat, started in
                       load.posted.items() if chat in load.answered]
            lags = [(load.posted[chat] - planned) * 1000 for chat, planned in
                    load.scheduled.items() if chat in load.posted]
            results[kind] = {
                "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                "max": max(latencies, default=math.nan), "missing": missing, "rss": rss,
                "accepted": accepted, "duplicates": duplicates,
                "answer_p50": percentile(answers, 50), "answer_p99": percentile(answers, 99),
                "lag_p99": percentile(lags, 99), "lag_max": max(lags, default=math.nan),
            }
            log(f"latency {kind}: p50 {fmt(results[kind]['p50'], 1)} ms, p99 "
                f"{fmt(results[kind]['p99'], 1)} ms, max {fmt(results[kind]['max'], 1)} ms; "
                f"{accepted}/{len(chats)} accepted, {missing} without reply, {duplicates} "
                f"duplicates; POSTs started late by p99 {fmt(results[kind]['lag_p99'], 1)} ms, "
                f"max {fmt(results[kind]['lag_max'], 1)} ms, "
                f"{load.connections} connections, {load.skipped} skipped; "
                f"statuses: {dict(load.statuses)} {dict(load.errors)}; webhook answered "
                f"(200) p50 {fmt(results[kind]['answer_p50'], 1)} ms, p99 "
                f"{fmt(results[kind]['answer_p99'], 1)} ms; peak RSS {fmt(rss, 1)} MiB")
            self.report.notes.append(
                f"Latency ({kind}): {accepted}/{len(chats)} webhooks answered 200 (answer "
                f"p50 {fmt(results[kind]['answer_p50'], 1)} ms, p99 "
                f"{fmt(results[kind]['answer_p99'], 1)} ms), {missing} without a reply, "
                f"{duplicates} duplicate replies, reply max {fmt(results[kind]['max'], 1)} ms; "
                f"POSTs started at most {fmt(results[kind]['lag_max'], 1)} ms after their due "
                f"time (p99 {fmt(results[kind]['lag_p99'], 1)} ms)."
            )
        self.report.figures["latency"] = results

    @staticmethod
    async def _wait_chats(fake: Fake, chats: set[int], within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            replied, _ = first_send_per_chat(await fake.sends(), chats)
            if len(replied) >= len(chats):
                return
            await asyncio.sleep(0.5)

    # ------------------------------------------------------------- limits

    async def limits(self) -> None:
        options = self.options
        customers = options.customers
        log(f"limits: fake WITH limits, Pasokh with the default TELEGRAM_SENDS_PER_SECOND; "
            f"a burst of {customers:,} new customers")
        fake = await Fake.start(self.children, limits=True)
        pasokh: Server | None = None
        try:
            pasokh = await start_pasokh(self.children, fake, self.data, sends_per_second=None)
            cpu_before, clock_before = pasokh.child.cpu_seconds() or 0.0, time.monotonic()
            async with self.client(pasokh) as client:
                load = await closed_loop(client, iter(range(LIMITS_CHATS,
                                                            LIMITS_CHATS + customers)),
                                         concurrency=options.concurrency, duration=120)
            log(f"limits: {load.accepted:,} accepted in {load.elapsed:.1f} s "
                f"(failures: {load.describe_failures()}); waiting for the replies "
                f"(~{load.accepted / 30:.0f} s at 30/s)")
            sent = await fake.wait_sent(load.accepted, within=load.accepted / 30 * 1.5 + 30,
                                        stall=20)
            stats = await fake.stats(sends=True)
            cpu_share = ((pasokh.child.cpu_seconds() or 0.0) - cpu_before) / (
                time.monotonic() - clock_before)
            rss = pasokh.peak_rss_mib()
        finally:
            if pasokh is not None:
                pasokh.child.stop()
            await fake.close()
        self._check_exit(pasokh)
        times = sorted(float(at) for _, at in stats["sends"])
        span = times[-1] - times[0] if len(times) > 1 else math.nan
        rate = (len(times) - 1) / span if len(times) > 1 else math.nan
        busiest = self._busiest_window(times, 1.0)
        gaps = sorted((later - earlier for earlier, later in itertools.pairwise(times)),
                      reverse=True)[:3]
        pauses = ", ".join(f"{gap:.2f} s" for gap in gaps) or "n/a"
        too_many = int(stats["too_many_requests"])
        first, duplicates = first_send_per_chat([(int(c), float(t)) for c, t in stats["sends"]])
        missing = load.accepted - len(first)
        self.report.figures.update(limits_rate=rate, limits_429=too_many,
                                   limits_missing=missing, limits_rss=rss)
        log(f"limits: {sent:,} replies in {span:.1f} s = {rate:.2f}/s ({rate / 30:.1%} of 30/s); "
            f"busiest 1-s window {busiest}; longest pauses {pauses}; 429s: {too_many}; "
            f"{missing} accepted without reply, "
            f"{duplicates} duplicates; Pasokh used {cpu_share:.0%} of a core meanwhile; "
            f"peak RSS {fmt(rss, 1)} MiB")
        self.report.notes.append(
            f"Limits: {load.accepted:,} customers posted in {load.elapsed:.1f} s "
            f"({load.accepted / load.elapsed:,.0f}/s; failures: {load.describe_failures()}); "
            f"{len(times):,} replies from first to last in {span:.1f} s; busiest 1-s window "
            f"{busiest} sends; longest pauses between replies {pauses}; {missing} without a "
            f"reply, {duplicates} duplicates; Pasokh used {cpu_share:.0%} of a core from the "
            f"burst to the last reply; peak RSS {fmt(rss, 1)} MiB."
        )

    @staticmethod
    def _busiest_window(times: list[float], width: float) -> int:
        busiest, left = 0, 0
        for right, at in enumerate(times):
            while at - times[left] >= width:
                left += 1
            busiest = max(busiest, right - left + 1)
        return busiest

    # ------------------------------------------------------------- helpers

    def _check_exit(self, server: Server) -> None:
        problems = problems_in_log(server.child)
        code = server.child.proc.returncode
        if code not in (0, None, -signal.SIGTERM):
            problems.insert(0, f"exit code {code} after SIGTERM")
        for problem in problems:
            self.report.problems.append(f"{server.kind} ({server.child.name}.log): {problem}")
            log(f"PROBLEM {server.kind}: {problem}")


# --------------------------------------------------------------------------- report


def build_table(report: Report, options: Options) -> list[str]:
    figures = report.figures
    ceiling = figures.get("ceiling")
    if "throughput" in figures:
        rate = figures["throughput"]
        report.row(f"Webhooks accepted/s ({options.concurrency} in flight, "
                   f"{options.duration:.0f} s)", fmt(rate), f"bare aiohttp: {fmt(ceiling)}",
                   "≥ 1,000 (aim 1,500)", verdict(rate >= 1000, rate >= 1500))
        share = figures.get("share")
        report.row("Share of the ceiling", fmt(share * 100 if share else None, 1, " %"),
                   "100 %", "≥ 15 % (aim 25 %)",
                   verdict(None if share is None else share >= 0.15,
                           None if share is None else share >= 0.25))
        report.row("Replies/s at the fake, same window", fmt(figures["replies"]),
                   f"accepted: {fmt(rate)}", "keeps up", verdict(
                       figures["replies"] >= 0.95 * rate))
        report.row("Reply backlog after the load stopped",
                   f"last reply +{figures['catch_up']:.2f} s, {figures['missing']} missing",
                   "—", "≤ 5 s, none missing",
                   verdict(figures["catch_up"] <= 5 and figures["missing"] == 0))
        rss = figures.get("rss")
        report.row("Peak RSS (VmHWM), throughput run", fmt(rss, 1, " MiB"),
                   f"bare aiohttp: {fmt(figures.get('ceiling_rss'), 1, ' MiB')}", "< 120 MiB",
                   verdict(None if rss is None else rss < 120))
    elif ceiling is not None:
        report.row("Webhooks/s, bare aiohttp (ceiling)", "—", fmt(ceiling), "—", "—")
    latency = figures.get("latency")
    if latency:
        ours, theirs = latency["pasokh"], latency["aiogram"]
        report.row(f"Latency p50, webhook → sendMessage ({options.rate:.0f}/s)",
                   fmt(ours["p50"], 1, " ms"), f"aiogram echo: {fmt(theirs['p50'], 1, ' ms')}",
                   "—", "—")
        complete = ours["missing"] == 0
        report.row(f"Latency p99, webhook → sendMessage ({options.rate:.0f}/s)",
                   fmt(ours["p99"], 1, " ms"), f"aiogram echo: {fmt(theirs['p99'], 1, ' ms')}",
                   "≤ aiogram's", verdict(complete and ours["p99"] <= theirs["p99"]))
        report.row("Peak RSS (VmHWM), latency run", fmt(ours["rss"], 1, " MiB"),
                   f"aiogram echo: {fmt(theirs['rss'], 1, ' MiB')}", "—", "—")
    if "limits_rate" in figures:
        rate = figures["limits_rate"]
        report.row(f"Reply rate under Telegram's limits ({options.customers:,} customers)",
                   f"{fmt(rate, 2)}/s = {fmt(rate / 30 * 100, 1)} %", "30/s (Telegram's cap)",
                   "≥ 95 %", verdict(rate / 30 >= 0.95 and figures["limits_missing"] == 0))
        report.row("HTTP 429 answered by the fake", str(figures["limits_429"]), "0", "0",
                   verdict(figures["limits_429"] == 0))
    lines = ["| figure | Pasokh | reference | target | met? |", "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in report.rows]
    return lines


def header(options: Options, pinning: Pinning) -> list[str]:
    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True, timeout=10).stdout
        commit += " (with uncommitted changes)" if dirty.strip() else ""
    return [
        f"Pasokh ingest benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"{platform.machine()} {platform.system()} {platform.release()}",
        f"Pinning: {pinning.describe()}.",
        f"Load generator: {CLIENTS[options.client]}, in this process.",
        f"Command: {' '.join([Path(sys.executable).name, *sys.argv])}"
        + (" (quick)" if options.quick else ""),
    ] + ([f"Pasokh ran under cProfile in the throughput run ({options.profile}): its "
          "throughput figures are slowed down and not representative."]
         if options.profile else [])


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs and 600 customers for the limits burst")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--duration", type=float, help="throughput run, s (20; quick 10)")
    parser.add_argument("--concurrency", type=int, default=64, help="webhooks in flight (64)")
    parser.add_argument("--rate", type=float, default=100.0, help="latency run, webhooks/s")
    parser.add_argument("--latency-duration", type=float, help="latency run, s (20; quick 10)")
    parser.add_argument("--customers", type=int, help="limits burst (3000; quick 600)")
    parser.add_argument("--client", choices=("raw", "aiohttp"), default="raw",
                        help="load generator's HTTP client: a minimal keep-alive client over "
                             "asyncio (raw, default) or aiohttp's ClientSession")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    parser.add_argument("--keep-logs", action="store_true", help="keep the children's logs")
    parser.add_argument("--profile", type=Path,
                        help="run Pasokh under cProfile in the throughput run, stats to PATH")
    args = parser.parse_args(argv)
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(only) - set(SCENARIOS)
    if unknown or not only:
        parser.error(f"--only takes names from {','.join(SCENARIOS)}, got {args.only!r}")
    duration = args.duration or (10.0 if args.quick else 20.0)
    for name, value in (("--duration", duration), ("--rate", args.rate),
                        ("--concurrency", args.concurrency)):
        if not 0 < value <= 10_000:
            parser.error(f"{name} must be in (0, 10000]")
    return Options(
        quick=args.quick,
        only=only,
        duration=min(duration, 600.0),
        ceiling_duration=4.0 if args.quick else 5.0,
        concurrency=args.concurrency,
        rate=args.rate,
        latency_duration=min(args.latency_duration or (10.0 if args.quick else 20.0), 300.0),
        customers=min(args.customers or (600 if args.quick else 3000), 20_000),
        profile=args.profile.resolve() if args.profile else None,
        pin=not args.no_pin,
        keep_logs=args.keep_logs,
        client=args.client,
    )


async def run(options: Options, children: Children, data: Path) -> Report:
    bench = Bench(options, children, data)
    steps: dict[str, Callable[[], Any]] = {
        "ceiling": bench.ceiling, "throughput": bench.throughput,
        "latency": bench.latency, "limits": bench.limits,
    }
    for name in SCENARIOS:
        if name in options.only:
            await steps[name]()
    return bench.report


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    pinning = Pinning.choose(options.pin)
    if pinning.load is not None:
        os.sched_setaffinity(0, pinning.load)
    data = Path(tempfile.mkdtemp(prefix="pasokh-bench-"))
    children = Children(data, pinning)
    intro = header(options, pinning)
    for line in intro:
        log(line)
    # SIGTERM/SIGHUP end the run like Ctrl-C, so that `finally` stops every child.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.default_int_handler)
    failed = True
    try:
        report = asyncio.run(run(options, children, data))
        failed = False
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        children.stop_all()
        if failed or options.keep_logs:
            log(f"children's logs kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)

    table = build_table(report, options)
    out = [*intro, "", *table, "", "Notes:", *(f"- {note}" for note in report.notes)]
    if report.problems:
        out += ["", "Problems seen in the servers' logs:", *(f"- {p}" for p in report.problems)]
    print("\n" + "\n".join(out), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("# Ingest benchmark\n\n" + "\n".join(
        [*(f"{line}  " for line in intro), "", *out[len(intro) + 1:]]) + "\n")
    log(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
