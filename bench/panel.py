#!/usr/bin/env python3
"""Panel benchmark: time to first byte of the inbox page on a big SQLite database.

    python bench/panel.py [--conversations 10000] [--messages-per-conversation 20]
                          [--requests 200]

Seeds a fresh SQLite database (10,000 conversations and 200,000 messages by default, one
third of them in a team), starts `pasokh serve` on it, logs in an owner and an agent of
that team, and requests the inbox one request at a time. Time to first byte = from
sending the request to having the response's status line and headers. Prints p50/p95 per
case; the target is p95 < 200 ms. Only 127.0.0.1 is used; the child is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password"  # noqa: S105
TARGET_P95_MS = 200.0
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WORDS = ("سلام", "سفارش", "کيف", "ارسال", "پیگیری", "کد", "تخفیف", "مرجوعی", "قیمت", "ممنون")
RARE_WORD = "گارانتی"  # in one conversation of RARE_EVERY
RARE_EVERY = 1000
SEARCHES = (  # (what is searched, the word): the three kinds of search the target covers
    ("a common word, in one message of ten", "سلام"),
    ("a rare word, in one conversation of 1,000", RARE_WORD),
    ("a word found nowhere", "ناپیدا"),
    ("«كيف» (Arabic kaf/yeh), in one message of ten", "كيف"),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stamp(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="microseconds")


async def _prepare(data_dir: Path) -> None:
    """Schema and the two users, through Pasokh's own code (argon2 hashes)."""
    from core import db
    from core.models import Team, TeamMember, User
    from core.settings import Settings
    from core.users import add_user

    settings = Settings(data_dir=data_dir)
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        await add_user("owner@bench.example", PASSWORD, "owner")
        await add_user("agent@bench.example", PASSWORD, "agent")
        team = await Team.create(name="bench team")
        await TeamMember.create(team=team, user=await User.get(email="agent@bench.example"))
    finally:
        await db.close_database()


def _seed(path: Path, conversations: int, per_conversation: int) -> None:
    from core.text import normalize

    start = datetime.now(UTC) - timedelta(days=60)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO channel (platform, key, name, token, webhook_secret,"
                     " poll_offset, enabled, created_at) VALUES ('telegram', 'bench', 'Bench',"
                     " '123456:BENCH-TOKEN', '', 0, 1, ?)", [_stamp(start)])
        team_id = conn.execute("SELECT id FROM team").fetchone()[0]
        conn.executemany(
            "INSERT INTO customer (id, display_name, language, created_at) VALUES (?, ?, 'fa', ?)",
            [(i, f"مشتری {i}", _stamp(start)) for i in range(1, conversations + 1)])
        conn.executemany(
            "INSERT INTO identity (id, customer_id, channel_id, external_id, display_name,"
            " unreachable, created_at) VALUES (?, ?, 1, ?, ?, 0, ?)",
            [(i, i, str(i), f"مشتری {i}", _stamp(start)) for i in range(1, conversations + 1)])
        rows = []
        messages = []
        message_id = 0
        for i in range(1, conversations + 1):
            last = start + timedelta(seconds=i * 500)
            status = ("open", "pending", "resolved", "snoozed")[i % 4]
            rows.append((i, i, i, str(i), status, team_id if i % 3 == 0 else None,
                         _stamp(start), _stamp(last)))
            for n in range(per_conversation):
                message_id += 1
                inbound = n % 2 == 0
                text = f"{WORDS[(i + n) % len(WORDS)]} شماره {i}-{n}"
                if n == 0 and i % RARE_EVERY == 0:
                    text += f" {RARE_WORD}"
                messages.append((message_id, i, "in" if inbound else "out",
                                 "customer" if inbound else "bot", text,
                                 f"m{message_id}" if inbound else None,
                                 _stamp(last - timedelta(seconds=per_conversation - n))))
        conn.executemany(
            "INSERT INTO conversation (id, channel_id, customer_id, identity_id, chat_id,"
            " chat_type, route, status, flow_state, created_at, last_message_at, reopen_count,"
            " team_id) VALUES (?, 1, ?, ?, ?, 'private', '{}', ?, '{}', ?, ?, 0, ?)",
            [(r[0], r[1], r[2], r[3], r[4], r[6], r[7], r[5]) for r in rows])
        conn.executemany(
            "INSERT INTO message (id, conversation_id, channel_id, direction, author, kind,"
            " text, external_id, meta, revisions, processed, created_at)"
            " VALUES (?, ?, 1, ?, ?, 'text', ?, ?, '{}', '[]', 1, ?)", messages)
        # The search index, as the writers of these messages would have filled it (its
        # full-text index follows, by the triggers migration 0011 put on search_entry).
        conn.executemany("INSERT INTO search_entry (id, conversation_id, body) VALUES (?, ?, ?)",
                         [(m[0], m[1], normalize(m[4])) for m in messages])
        conn.executemany("INSERT INTO customer_search_entry (customer_id, body) VALUES (?, ?)",
                         [(i, normalize(f"مشتری {i}")) for i in range(1, conversations + 1)])


def _index_size(path: Path) -> str:
    """The pages of `search_entry` and of its full-text index (the dbstat table)."""
    with sqlite3.connect(path) as conn:
        def mib(pattern: str) -> float:
            (size,) = conn.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat"
                                   " WHERE name LIKE ?", [pattern]).fetchone()
            return size / 2**20
        return (f"search_entry {mib('search_entry%'):.0f} MiB, "
                f"FTS5 trigram index {mib('search_fts%'):.0f} MiB, "
                f"whole file {path.stat().st_size / 2**20:.0f} MiB")


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PASOKH_DATA_DIR": str(data_dir), "DATABASE_URL": "",
               "REDIS_URL": "", "TELEGRAM_BOT_TOKEN": "", "PASOKH_LOG_LEVEL": "WARNING",
               "TELEGRAM_API_BASE": "http://127.0.0.1:9"}  # nothing is sent
        self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, before timing
            [sys.executable, "-m", "bots.cli", "serve", "--port", str(self.port)],
            cwd=data_dir.parent, env=env, stdout=subprocess.DEVNULL)

    async def ready(self) -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                with contextlib.suppress(aiohttp.ClientError):  # not listening yet
                    async with session.get(f"{self.base}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.05)
        raise SystemExit("pasokh did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def _logged_in(base: str, email: str) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(f"{base}/") as response:
        token = _CSRF.search(await response.text())[1]
    async with session.post(f"{base}/login", allow_redirects=False, data={
            "email": email, "password": PASSWORD, "csrf_token": token}) as response:
        assert response.status == 303, f"login of {email} failed: {response.status}"
    return session


async def _measure(session: aiohttp.ClientSession, url: str, requests: int) -> list[float]:
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        async with session.get(url) as response:
            first_byte = time.perf_counter()
            assert response.status == 200, response.status
            await response.read()
        timings.append((first_byte - started) * 1000)
    return timings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def parse_args(description: str | None) -> argparse.Namespace:
    """The options every benchmark on the seeded database takes."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages-per-conversation", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    return parser.parse_args()


@contextlib.asynccontextmanager
async def seeded_database(args: argparse.Namespace, prefix: str) -> AsyncIterator[Path]:
    """A data directory whose SQLite file holds the two users and the seeded history."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        data_dir = Path(folder) / "data"
        await _prepare(data_dir)
        seeded = time.perf_counter()
        _seed(data_dir / "pasokh.db", args.conversations, args.messages_per_conversation)
        print(f"seeded {args.conversations:,} conversations and "
              f"{args.conversations * args.messages_per_conversation:,} messages in "
              f"{time.perf_counter() - seeded:.1f} s", flush=True)
        print(f"search index on disk: {_index_size(data_dir / 'pasokh.db')}", flush=True)
        yield data_dir


async def main() -> int:
    args = parse_args(__doc__)
    async with seeded_database(args, "pasokh-panel-bench-") as data_dir:
        server = Server(data_dir)
        try:
            await server.ready()
            owner = await _logged_in(server.base, "owner@bench.example")
            agent = await _logged_in(server.base, "agent@bench.example")
            cases = [
                ("owner, inbox (all)", owner, "/"),
                ("agent of one team, inbox", agent, "/"),
                ("owner, status pending", owner, "/?status=pending"),
                *((f"owner, search {what}", owner, f"/?q={quote(word)}")
                  for what, word in SEARCHES),
                ("owner, htmx list refresh", owner, "/inbox/rows"),
            ]
            print("\n| case | p50 ms | p95 ms | target p95 < 200 ms |\n|---|---|---|---|")
            for name, session, path in cases:
                await _measure(session, server.base + path, 5)  # warm-up
                timings = await _measure(session, server.base + path, args.requests)
                p50, p95 = statistics.median(timings), _percentile(timings, 0.95)
                print(f"| {name} | {p50:.1f} | {p95:.1f} | "
                      f"{'yes' if p95 < TARGET_P95_MS else '**no**'} |", flush=True)
            await owner.close()
            await agent.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
