#!/usr/bin/env python3
"""Web chat benchmark: many visitors held open on one Pasokh, each writing every few seconds.

    python bench/webchat.py [--visitors 500] [--seconds 60] [--quick]
    python bench/webchat.py --postgres URL --redis URL   # two processes sharing them
                                                         # (the database is emptied first)

Makes a web-chat channel, starts `pasokh serve` (SQLite by default), opens a session and a
live stream (server-sent events) for every visitor, then each visitor sends "ممنون" every
5–10 s (a random phase) for the run. Latency = from sending a message to the bot's answer
being read by that visitor after its stream said "sync" (what the widget does). At the end
it waits for the last answers, then prints p50/p99 (goal p99 < 300 ms), the messages without
an answer (goal 0) and the server's resident memory per open visitor (RSS with every stream
open, idle, minus before any; goal < 50 KiB).

With --postgres and --redis, two processes share the database and the bus: every visitor's
stream is on the first, its messages go to the second, so an answer made on one process
reaches a stream on the other through Redis. Only 127.0.0.1 is used; children are stopped at
the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "https://shop.example"
HEADERS = {"Origin": ORIGIN}
TEXT = "ممنون"  # small talk: the bot answers every one


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(data_dir: Path, port: int, database: str, redis: str) -> dict[str, str]:
    return {**os.environ, "PASOKH_DATA_DIR": str(data_dir), "PASOKH_HOST": "127.0.0.1",
            "PASOKH_PORT": str(port), "DATABASE_URL": database, "REDIS_URL": redis,
            "TELEGRAM_BOT_TOKEN": "", "PASOKH_LOG_LEVEL": "WARNING",
            "WEBCHAT_VISITORS_PER_HOUR_PER_IP": "1000000",
            "WEBCHAT_MESSAGES_PER_MINUTE_PER_IP": "1000000",
            # Every visitor reads from 127.0.0.1: the per-IP read limit would refuse them.
            "WEBCHAT_READS_PER_MINUTE_PER_IP": "1000000"}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (/proc/PID/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _ready(base: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError("pasokh exited during start-up")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError("pasokh did not become ready")


class Visitor:
    def __init__(self, http: aiohttp.ClientSession, stream_base: str, send_base: str,
                 key: str) -> None:
        self.http = http
        self.stream_api = f"{stream_base}/webchat/api/{key}"
        self.send_api = f"{send_base}/webchat/api/{key}"
        self.token = ""
        self.last_id = 0
        self.synced = asyncio.Event()
        self.waiting: list[float] = []  # send times of messages not answered yet
        self.latencies: list[float] = []
        self.sent = 0
        self.failed = 0
        self.read_refused = 0
        # For --stages: wall-clock times, matched with the database's afterwards.
        self.public_id = ""
        self.sent_at: dict[str, float] = {}  # the widget's id of a message -> when POSTed
        self.heard_at = 0.0  # the last "sync" heard on the stream
        self.read_at: dict[int, tuple[float, float]] = {}  # bot message id -> (heard, read)

    async def start(self) -> None:
        async with self.http.post(f"{self.stream_api}/session", headers=HEADERS,
                                  data=b"{}") as response:
            self.token = (await response.json())["token"]
        self.public_id = self.token.split(".")[0]
        self.stream = await self.http.get(f"{self.stream_api}/stream",
                                          params={"token": self.token}, headers=HEADERS)
        assert self.stream.status == 200

    async def listen(self) -> None:
        async for line in self.stream.content:
            if line.startswith(b"event: sync"):
                self.heard_at = time.time()
                await self.read_new()

    async def read_new(self) -> None:
        async with self.http.get(f"{self.stream_api}/messages", headers=HEADERS,
                                 params={"token": self.token, "after": str(self.last_id)}) \
                as response:
            if response.status != 200:
                self.read_refused += 1
                return
            messages = (await response.json())["messages"]
        now, wall = time.perf_counter(), time.time()
        for message in messages:
            self.last_id = max(self.last_id, message["id"])
            if message["from"] == "bot" and self.waiting:
                self.latencies.append(now - self.waiting.pop(0))
                self.read_at[message["id"]] = (self.heard_at, wall)

    async def talk(self, until: float) -> None:
        await asyncio.sleep(random.uniform(0, 5))
        while time.perf_counter() < until:
            self.sent += 1
            self.waiting.append(time.perf_counter())
            self.sent_at[f"m{self.sent}"] = time.time()
            body = orjson.dumps({"token": self.token, "id": f"m{self.sent}", "text": TEXT})
            try:
                async with self.http.post(f"{self.send_api}/messages", headers=HEADERS,
                                          data=body) as response:
                    if response.status != 202:
                        self.failed += 1
            except aiohttp.ClientError:
                self.failed += 1
            await asyncio.sleep(random.uniform(5, 10))


async def _empty(database: str) -> None:
    """The PostgreSQL database starts empty: what is there was sealed with other keys."""
    import asyncpg

    connection = await asyncpg.connect(database.split("?")[0])  # Tortoise's options aside
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


def _start(args: argparse.Namespace) -> tuple[str, list[subprocess.Popen[bytes]], list[str]]:
    """Makes the channel and starts the server(s): the channel's key, processes, bases."""
    data_dir = args.data_dir = Path(tempfile.mkdtemp(prefix="pasokh-webchat-bench-")) / "data"
    database, redis = args.postgres or "", args.redis or ""
    if database:
        asyncio.run(_empty(database))
    ports = [_free_port() for _ in range(2 if args.postgres else 1)]
    created = subprocess.run(
        [sys.executable, "-m", "bots.cli", "webchat", "create", "--name", "bench",
         "--origin", ORIGIN], cwd=ROOT, env=_environment(data_dir, ports[0], database, redis),
        capture_output=True, text=True, check=True)
    key = created.stdout.split('data-channel="')[1].split('"')[0]
    processes = [subprocess.Popen([sys.executable, "-m", "bots.cli", "serve"], cwd=ROOT,
                                  env=_environment(data_dir, port, database, redis),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for port in ports]
    return key, processes, [f"http://127.0.0.1:{port}" for port in ports]


async def run(args: argparse.Namespace, key: str, processes: list[subprocess.Popen[bytes]],
              bases: list[str]) -> int:
    for base, process in zip(bases, processes, strict=True):
        await _ready(base, process)
    await asyncio.sleep(2)
    before = _rss_kib(processes[0].pid)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        visitors = [Visitor(http, bases[0], bases[-1], key) for _ in range(args.visitors)]
        for start in range(0, len(visitors), 50):
            await asyncio.gather(*(v.start() for v in visitors[start:start + 50]))
        listeners = [asyncio.create_task(v.listen()) for v in visitors]
        await asyncio.sleep(3)
        with_streams = _rss_kib(processes[0].pid)
        until = time.perf_counter() + args.seconds
        cpu_before = sum(_cpu_seconds(process.pid) for process in processes)
        await asyncio.gather(*(v.talk(until) for v in visitors))
        await asyncio.sleep(10)  # the last answers
        cpu = sum(_cpu_seconds(process.pid) for process in processes) - cpu_before
        for task in listeners:
            task.cancel()
        for visitor in visitors:
            visitor.stream.close()
    latencies = sorted(ms * 1000 for v in visitors for ms in v.latencies)
    sent = sum(v.sent for v in visitors)
    unanswered = sum(len(v.waiting) for v in visitors)
    failed = sum(v.failed for v in visitors)
    read_refused = sum(v.read_refused for v in visitors)
    setup = ("PostgreSQL + Redis, 2 processes (streams on one, sends to the other)"
             if args.postgres else "SQLite, 1 process")
    print(f"web chat, {setup}: {args.visitors} visitors for {args.seconds} s")
    print(f"  messages sent {sent:,}, answered {len(latencies):,}, without an answer "
          f"{unanswered:,}, refused {failed:,}, reads refused {read_refused:,}")
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"  send → bot's answer read: p50 {statistics.median(latencies):.0f} ms, "
              f"p99 {p99:.0f} ms, max {latencies[-1]:.0f} ms (goal p99 < 300 ms)")
    print(f"  server RSS: {before / 1024:.1f} MiB before, {with_streams / 1024:.1f} MiB "
          f"with every stream open: {(with_streams - before) / args.visitors:.1f} KiB "
          "per open visitor (goal < 50 KiB)")
    # What the server itself spent, whatever else the machine was doing.
    print(f"  server CPU while visitors wrote: {cpu:.1f} s, {cpu * 1000 / max(sent, 1):.1f} ms "
          "per message (its send, the answer, the reads)")
    if args.stages:
        await _print_stages(args, visitors)
    return 0 if unanswered == 0 and failed == 0 and read_refused == 0 else 1


# Each visitor message with the bot's first answer after it and that answer's outbox row.
_STAGES_SQL = (
    "SELECT c.external_id AS asked, c.created_at AS taken, b.id AS answer,"
    " b.created_at AS answered, o.sent_at AS sent FROM message c"
    " JOIN message b ON b.id = (SELECT MIN(m.id) FROM message m WHERE"
    " m.conversation_id = c.conversation_id AND m.author = 'bot' AND m.id > c.id)"
    " JOIN outbox o ON o.message_id = b.id WHERE c.author = 'customer'"
)


async def _stage_rows(args: argparse.Namespace) -> list[dict]:
    if args.postgres:
        import asyncpg

        connection = await asyncpg.connect(args.postgres.split("?")[0])
        try:
            return [dict(row) for row in await connection.fetch(_STAGES_SQL)]
        finally:
            await connection.close()
    import sqlite3

    with contextlib.closing(sqlite3.connect(args.data_dir / "pasokh.db")) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(_STAGES_SQL)]


def _seconds(value: object) -> float:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.timestamp()


async def _print_stages(args: argparse.Namespace, visitors: list[Visitor]) -> None:
    """Where the time goes, per message: the client's clock and the database's timestamps
    (one machine, one clock). "taken" is the message's `occurred_at`, set when the POST's
    handler makes the event; "answered" the bot's reply with its outbox row (one
    transaction); "send recorded" the outbox's batch recording the send, just after the
    transport published the notice."""
    sent = {f"{v.public_id}:{cid}": at for v in visitors for cid, at in v.sent_at.items()}
    read = {answer: times for v in visitors for answer, times in v.read_at.items()}
    stages: dict[str, list[float]] = {name: [] for name in (
        "POST sent → handler made the event", "→ bot's answer and outbox row stored",
        "→ stream heard sync", "→ history read",
        "(bot's answer stored → its send recorded, after a 20 ms batch)")}
    for row in await _stage_rows(args):
        if row["asked"] not in sent or row["answer"] not in read or row["sent"] is None:
            continue
        heard, done = read[row["answer"]]
        points = [sent[row["asked"]], _seconds(row["taken"]), _seconds(row["answered"]),
                  heard, done]
        for name, start, end in zip(stages, points, points[1:], strict=False):
            stages[name].append((end - start) * 1000)
        stages["(bot's answer stored → its send recorded, after a 20 ms batch)"].append(
            (_seconds(row["sent"]) - _seconds(row["answered"])) * 1000)
    print("  stages (ms, p50 / p99 / max):")
    for name, values in stages.items():
        if values:
            values.sort()
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
            print(f"    {name}: {statistics.median(values):.0f} / {p99:.0f} / "
                  f"{values[-1]:.0f} ({len(values):,} messages)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="100 visitors for 20 s")
    parser.add_argument("--postgres", help="postgres://… (with --redis: two processes)")
    parser.add_argument("--redis", help="redis://…")
    parser.add_argument("--stages", action="store_true",
                        help="also where the time goes, from the database's timestamps")
    args = parser.parse_args()
    if args.quick:
        args.visitors, args.seconds = 100, 20
    if bool(args.postgres) != bool(args.redis):
        parser.error("--postgres and --redis go together")
    key, processes, bases = _start(args)
    try:
        return asyncio.run(run(args, key, processes, bases))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)


if __name__ == "__main__":
    sys.exit(main())
