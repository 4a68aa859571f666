#!/usr/bin/env python3
"""Which HTTP client for the platforms' send path: aiohttp's ClientSession against httpx's
AsyncClient, sending a sendMessage-sized JSON to a loopback server, beside a minimal
asyncio client (the floor: what the socket work alone costs) measured in the same run.

    python bench/http_clients.py [--quick] [--duration S] [--rounds N]

The server (this file with --serve) is aiohttp in its own process, pinned to its own CPU
when there are two; it answers every POST with a Telegram `Message` envelope of the size
sendMessage returns. For each client at 1 and at 32 requests in flight, for a fixed time:
requests/s, CPU of this process per request (time.process_time, so the server's CPU is
not counted), p50/p99 latency, and the share of a core the client would need at WhatsApp's
80 messages/s per number. Rounds alternate the clients; the table shows each one's best
round (highest requests/s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx
import orjson
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import (  # noqa: E402
    LOCALHOST,
    ROOT,
    Children,
    HttpConnection,
    Pinning,
    clean_env,
    free_port,
    log,
    percentile,
    wait_for_line,
)
from bench.whatsapp import load_average  # noqa: E402

SELF = Path(__file__).resolve()
PATH = "/bot123456:TEST-TOKEN/sendMessage"
WHATSAPP_RATE = 80  # messages/s one WhatsApp number may send
CORE_BUDGET = 0.10  # the client may use this share of a core at WHATSAPP_RATE
CONCURRENCIES = (1, 32)
CLIENTS = ("raw asyncio (floor)", "aiohttp", "httpx")
REPLY_TEXT = "سلام! به پشتیبانی خوش آمدید. لطفاً یکی از گزینه‌های زیر را انتخاب کنید تا " \
             "سریع‌تر راهنمایی‌تان کنیم، یا بنویسید «اپراتور» تا یکی از همکاران پاسخ دهد."
MENU = [["سفارش‌های من", "پیگیری مرسوله"], ["پرسش‌های پرتکرار", "گفتگو با اپراتور"]]


def send_message_body(chat_id: int) -> bytes:
    """What Pasokh posts for a welcome with a menu (about 900 bytes)."""
    keyboard = [[{"text": title, "callback_data": f"menu:{index}"} for index, title in
                 enumerate(row)] for row in MENU]
    return orjson.dumps({"chat_id": chat_id, "text": REPLY_TEXT,
                         "reply_markup": {"inline_keyboard": keyboard}})


def answer_body() -> bytes:
    """The Bot API's answer to that sendMessage: the sent Message echoed back."""
    return orjson.dumps({"ok": True, "result": {
        "message_id": 4711, "date": 1763860000,
        "from": {"id": 123456, "is_bot": True, "first_name": "Pasokh", "username": "pasokh_bot"},
        "chat": {"id": 20_000_001, "first_name": "C", "type": "private"},
        "text": REPLY_TEXT,
        "reply_markup": {"inline_keyboard": [[{"text": title, "callback_data": f"menu:{index}"}
                                              for index, title in enumerate(row)]
                                             for row in MENU]},
    }})


# --------------------------------------------------------------------------- server


def serve(port: int) -> None:
    answer = answer_body()

    async def send_message(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=answer, content_type="application/json")

    app = web.Application()
    app.router.add_post(PATH, send_message)
    web.run_app(app, host=LOCALHOST, port=port, access_log=None,
                print=lambda _: print(f"READY http://{LOCALHOST}:{port}", flush=True))


# --------------------------------------------------------------------------- clients

Send = Callable[[int], Awaitable[int]]


@contextlib.asynccontextmanager
async def raw_client(port: int, concurrency: int):  # noqa: ANN201 - an async context manager
    """ingest.py's load generator: prepared bytes, reads a status line and a body."""
    idle = [await HttpConnection.open(port) for _ in range(concurrency)]

    async def send(chat_id: int) -> int:
        connection = idle.pop()
        try:
            body = send_message_body(chat_id)
            head = (f"POST {PATH} HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
            return await connection.request(head.encode() + body)
        finally:
            idle.append(connection)

    try:
        yield send
    finally:
        for connection in idle:
            connection.close()


@contextlib.asynccontextmanager
async def aiohttp_client(port: int, concurrency: int):  # noqa: ANN201
    """How Pasokh's transports send: one ClientSession, orjson bytes, the body read."""
    url = f"http://{LOCALHOST}:{port}{PATH}"
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=20)) as session:
        async def send(chat_id: int) -> int:
            async with session.post(url, data=send_message_body(chat_id),
                                    headers=headers) as response:
                orjson.loads(await response.read())
                return response.status

        yield send


@contextlib.asynccontextmanager
async def httpx_client(port: int, concurrency: int):  # noqa: ANN201
    """httpx's AsyncClient used the same way (python-telegram-bot's default request class
    is built on it)."""
    url = f"http://{LOCALHOST}:{port}{PATH}"
    headers = {"Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=20.0) as client:
        async def send(chat_id: int) -> int:
            response = await client.post(url, content=send_message_body(chat_id),
                                         headers=headers)
            orjson.loads(response.content)
            return response.status_code

        yield send


FACTORIES = dict(zip(CLIENTS, (raw_client, aiohttp_client, httpx_client), strict=True))


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Round:
    client: str
    concurrency: int
    requests: int
    failures: int
    seconds: float
    cpu_seconds: float
    p50: float
    p99: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / max(self.requests, 1)

    @property
    def core_share_at_whatsapp_rate(self) -> float:
        return self.cpu_ms * WHATSAPP_RATE / 1000


async def measure(client: str, port: int, concurrency: int, duration: float) -> Round:
    async with FACTORIES[client](port, concurrency) as send:
        chats = iter(range(20_000_000, 30_000_000))
        latencies: list[float] = []
        failures = 0

        async def worker(until: float, record: bool) -> None:
            nonlocal failures
            while time.monotonic() < until:
                started = time.monotonic()
                try:
                    status = await send(next(chats))
                except (OSError, ConnectionError, TimeoutError, aiohttp.ClientError,
                        httpx.HTTPError):
                    status = 0
                if not record:
                    continue
                if status == 200:
                    latencies.append(time.monotonic() - started)
                else:
                    failures += 1

        # Warm-up: connections opened, code paths hot, nothing recorded.
        warm_until = time.monotonic() + 0.5
        await asyncio.gather(*(worker(warm_until, False) for _ in range(concurrency)))
        cpu_before, started = time.process_time(), time.monotonic()
        await asyncio.gather(*(worker(started + duration, True) for _ in range(concurrency)))
        seconds = time.monotonic() - started
        cpu_seconds = time.process_time() - cpu_before
    return Round(client, concurrency, len(latencies), failures, seconds, cpu_seconds,
                 percentile(latencies, 50), percentile(latencies, 99))


def best_rounds(rounds: list[Round]) -> dict[tuple[str, int], Round]:
    best: dict[tuple[str, int], Round] = {}
    for one in rounds:
        key = (one.client, one.concurrency)
        if key not in best or one.rate > best[key].rate:
            best[key] = one
    return best


def table(rounds: list[Round]) -> list[str]:
    best = best_rounds(rounds)
    lines = ["| client | in flight | requests/s | CPU per request | p50 | p99 | "
             f"core share at {WHATSAPP_RATE}/s | under {CORE_BUDGET:.0%}? |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for concurrency in CONCURRENCIES:
        for client in CLIENTS:
            one = best.get((client, concurrency))
            if one is None:
                continue
            fails = f" ({one.failures} failed)" if one.failures else ""
            lines.append(
                f"| {client} | {concurrency} | {one.rate:,.0f}{fails} | {one.cpu_ms:.3f} ms | "
                f"{one.p50 * 1000:.2f} ms | {one.p99 * 1000:.2f} ms | "
                f"{one.core_share_at_whatsapp_rate:.1%} | "
                f"{'yes' if one.core_share_at_whatsapp_rate < CORE_BUDGET else 'no'} |")
    return lines


def header(pinning: Pinning, options: argparse.Namespace) -> list[str]:
    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, timeout=10).stdout.strip()
    return [
        f"HTTP client benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}, "
        f"httpx {httpx.__version__}, {os.cpu_count()} CPU(s), load average "
        f"{' '.join(load_average())} at the start",
        "Pinning: " + ("none" if pinning.load is None else
                       f"clients (this process) on CPU {min(pinning.load)}, loopback server "
                       f"on CPU {min(pinning.server or {0})}"),
        f"{options.rounds} rounds of {options.duration:g} s per client and concurrency, "
        "clients alternating; best round shown",
        f"Command: {' '.join([Path(sys.executable).name, *sys.argv])}",
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 s rounds instead of 5 s")
    parser.add_argument("--duration", type=float, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-pin", dest="pin", action="store_false")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    options.duration = options.duration or (2.0 if options.quick else 5.0)
    return options


async def run(options: argparse.Namespace, children: Children) -> list[Round]:
    port = free_port()
    server = children.spawn("loopback-server",
                            [sys.executable, str(SELF), "--serve", str(port)],
                            env=clean_env(), cwd=Path(tempfile.gettempdir()), server=True)
    await wait_for_line(server, r"READY", 30)
    rounds = []
    for _ in range(options.rounds):
        for concurrency in CONCURRENCIES:
            for client in CLIENTS:
                one = await measure(client, port, concurrency, options.duration)
                log(f"{client}, {concurrency} in flight: {one.rate:,.0f}/s, "
                    f"{one.cpu_ms:.3f} ms CPU/request, p99 {one.p99 * 1000:.1f} ms")
                rounds.append(one)
    return rounds


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.serve is not None:
        serve(options.serve)
        return 0
    pinning = Pinning.choose(options.pin)
    if pinning.load is not None:
        os.sched_setaffinity(0, pinning.load)
    data = Path(tempfile.mkdtemp(prefix="pasokh-http-bench-"))
    children = Children(data, pinning)
    intro = header(pinning, options)
    for line in intro:
        log(line)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.default_int_handler)
    try:
        rounds = asyncio.run(run(options, children))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        children.stop_all()
        shutil.rmtree(data, ignore_errors=True)
    ending = f"Load average at the end: {' '.join(load_average())}"
    print("\n" + "\n".join([*intro, "", *table(rounds), "", ending]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
