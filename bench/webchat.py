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
            "WEBCHAT_MESSAGES_PER_MINUTE_PER_IP": "1000000"}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


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

    async def start(self) -> None:
        async with self.http.post(f"{self.stream_api}/session", headers=HEADERS,
                                  data=b"{}") as response:
            self.token = (await response.json())["token"]
        self.stream = await self.http.get(f"{self.stream_api}/stream",
                                          params={"token": self.token}, headers=HEADERS)
        assert self.stream.status == 200

    async def listen(self) -> None:
        async for line in self.stream.content:
            if line.startswith(b"event: sync"):
                await self.read_new()

    async def read_new(self) -> None:
        async with self.http.get(f"{self.stream_api}/messages", headers=HEADERS,
                                 params={"token": self.token, "after": str(self.last_id)}) \
                as response:
            messages = (await response.json())["messages"]
        now = time.perf_counter()
        for message in messages:
            self.last_id = max(self.last_id, message["id"])
            if message["from"] == "bot" and self.waiting:
                self.latencies.append(now - self.waiting.pop(0))

    async def talk(self, until: float) -> None:
        await asyncio.sleep(random.uniform(0, 5))
        while time.perf_counter() < until:
            self.sent += 1
            self.waiting.append(time.perf_counter())
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

    connection = await asyncpg.connect(database)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


def _start(args: argparse.Namespace) -> tuple[str, list[subprocess.Popen[bytes]], list[str]]:
    """Makes the channel and starts the server(s): the channel's key, processes, bases."""
    data_dir = Path(tempfile.mkdtemp(prefix="pasokh-webchat-bench-")) / "data"
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
        await asyncio.gather(*(v.talk(until) for v in visitors))
        await asyncio.sleep(10)  # the last answers
        for task in listeners:
            task.cancel()
        for visitor in visitors:
            visitor.stream.close()
    latencies = sorted(ms * 1000 for v in visitors for ms in v.latencies)
    sent = sum(v.sent for v in visitors)
    unanswered = sum(len(v.waiting) for v in visitors)
    failed = sum(v.failed for v in visitors)
    setup = ("PostgreSQL + Redis, 2 processes (streams on one, sends to the other)"
             if args.postgres else "SQLite, 1 process")
    print(f"web chat, {setup}: {args.visitors} visitors for {args.seconds} s")
    print(f"  messages sent {sent:,}, answered {len(latencies):,}, without an answer "
          f"{unanswered:,}, refused {failed:,}")
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"  send → bot's answer read: p50 {statistics.median(latencies):.0f} ms, "
              f"p99 {p99:.0f} ms, max {latencies[-1]:.0f} ms (goal p99 < 300 ms)")
    print(f"  server RSS: {before / 1024:.1f} MiB before, {with_streams / 1024:.1f} MiB "
          f"with every stream open: {(with_streams - before) / args.visitors:.1f} KiB "
          "per open visitor (goal < 50 KiB)")
    return 0 if unanswered == 0 and failed == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="100 visitors for 20 s")
    parser.add_argument("--postgres", help="postgres://… (with --redis: two processes)")
    parser.add_argument("--redis", help="redis://…")
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
