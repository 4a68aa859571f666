#!/usr/bin/env python3
"""Search on PostgreSQL at scale: the desk's inbox, searched in-process, on a seeded database.

    PASOKH_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/search_bench \\
        python bench/search_postgres.py [--conversations 100000]
                                        [--messages-per-conversation 20] [--requests 30]

The database's public schema is dropped and made again: give it a database of its own, never
one with data. Seeds the history of bench/panel.py with generate_series (fast, in SQL), builds
the pg_trgm index the way migration 0011 does for a big database (`CREATE INDEX CONCURRENTLY`,
timed), then times `Desk.inbox` for the owner: the inbox, and the three kinds of search.
In-process, so the figures leave out HTTP and the page (bench/panel.py has them on SQLite).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.panel import RARE_EVERY, RARE_WORD, SEARCHES, WORDS, _percentile, parse_args  # noqa: E402


async def _seed(conversations: int, per: int) -> None:
    from core.db import connection
    from core.text import normalize

    conn = connection()
    words = ", ".join(f"'{word}'" for word in WORDS)
    normalized = ", ".join(f"'{normalize(word)}'" for word in WORDS)
    (channel,) = await conn.execute_query_dict(
        "INSERT INTO channel (platform, key, name, token, webhook_secret, poll_offset, enabled,"
        " created_at) VALUES ('telegram', 'bench', 'Bench', '123456:BENCH', '', 0, true, now())"
        " RETURNING id")
    (team,) = await conn.execute_query_dict("SELECT id FROM team")
    ch, team_id = channel["id"], team["id"]
    start = "now() - interval '60 days'"
    statements = [
        "INSERT INTO customer (id, display_name, language, created_at)"
        f" SELECT i, 'مشتری ' || i, 'fa', {start} FROM generate_series(1, {conversations}) i",
        "INSERT INTO customer_search_entry (customer_id, body)"
        f" SELECT i, 'مشتری ' || i FROM generate_series(1, {conversations}) i",
        "INSERT INTO identity (id, customer_id, channel_id, external_id, display_name,"
        f" unreachable, created_at) SELECT i, i, {ch}, i::text, 'مشتری ' || i, false, {start}"
        f" FROM generate_series(1, {conversations}) i",
        "INSERT INTO conversation (id, channel_id, customer_id, identity_id, chat_id, chat_type,"
        " route, status, flow_state, created_at, last_message_at, reopen_count, team_id)"
        f" SELECT i, {ch}, i, i, i::text, 'private', '{{}}',"
        " (ARRAY['open', 'pending', 'resolved', 'snoozed'])[i % 4 + 1], '{}',"
        f" {start}, {start} + i * interval '500 seconds', 0,"
        f" CASE WHEN i % 3 = 0 THEN {team_id} END FROM generate_series(1, {conversations}) i",
        "INSERT INTO message (id, conversation_id, channel_id, direction, author, kind, text,"
        " external_id, meta, revisions, processed, created_at)"
        f" SELECT (i - 1) * {per} + n + 1, i, {ch},"
        " CASE WHEN n % 2 = 0 THEN 'in' ELSE 'out' END,"
        " CASE WHEN n % 2 = 0 THEN 'customer' ELSE 'bot' END, 'text',"
        f" (ARRAY[{words}])[(i + n) % 10 + 1] || ' شماره ' || i || '-' || n"
        f" || CASE WHEN n = 0 AND i % {RARE_EVERY} = 0 THEN ' {RARE_WORD}' ELSE '' END,"
        f" CASE WHEN n % 2 = 0 THEN 'm' || ((i - 1) * {per} + n + 1) END, '{{}}', '[]', true,"
        f" {start} + i * interval '500 seconds' - ({per} - n) * interval '1 second'"
        f" FROM generate_series(1, {conversations}) i, generate_series(0, {per - 1}) n",
        # What index_messages writes for these texts: normalized, the dash a space.
        "INSERT INTO search_entry (id, conversation_id, body)"
        f" SELECT (i - 1) * {per} + n + 1, i,"
        f" (ARRAY[{normalized}])[(i + n) % 10 + 1] || ' شماره ' || i || ' ' || n"
        f" || CASE WHEN n = 0 AND i % {RARE_EVERY} = 0 THEN ' {RARE_WORD}' ELSE '' END"
        f" FROM generate_series(1, {conversations}) i, generate_series(0, {per - 1}) n",
        "ANALYZE",
    ]
    for statement in statements:
        await conn.execute_script(statement)


async def main() -> int:
    args = parse_args(__doc__)
    url = os.environ.get("PASOKH_BENCH_POSTGRES_URL")
    if not url:
        raise SystemExit("set PASOKH_BENCH_POSTGRES_URL to a database of its own")
    from core import db, fulltext
    from core.db import connection
    from core.desk import Desk, InboxFilter
    from core.models import Team, TeamMember, User
    from core.settings import Settings
    from core.users import add_user

    settings = Settings(data_dir=Path("/nonexistent"), database_url=url)
    import asyncpg

    plain = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    await plain.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    await plain.close()
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        await add_user("owner@bench.example", "bench password", "owner")
        team = await Team.create(name="bench team")
        await TeamMember.create(team=team, user=await User.get(email="owner@bench.example"))
        await fulltext.reset()  # built after the seeding, as for a database that had messages
        seeded = time.perf_counter()
        await _seed(args.conversations, args.messages_per_conversation)
        print(f"seeded {args.conversations:,} conversations and "
              f"{args.conversations * args.messages_per_conversation:,} messages in "
              f"{time.perf_counter() - seeded:.1f} s", flush=True)
        built = time.perf_counter()
        await fulltext.build()
        print(f"pg_trgm GIN index built concurrently in {time.perf_counter() - built:.1f} s",
              flush=True)
        (size,) = await connection().execute_query_dict(
            "SELECT pg_size_pretty(pg_relation_size(?)) AS index,"
            " pg_size_pretty(pg_relation_size('search_entry')) AS entries"
            .replace("?", f"'{fulltext.PG_INDEX}'"))
        print(f"search index on disk: search_entry {size['entries']}, GIN {size['index']}")
        desk = Desk(None, lambda: None, lambda _messages: None)
        owner = await desk.viewer((await User.get(email="owner@bench.example")).id)
        cases = [("owner, inbox (all)", "")] + [(f"owner, search {what}", word)
                                               for what, word in SEARCHES]
        print("\n| case (in-process) | p50 ms | p95 ms |\n|---|---|---|")
        for name, query in cases:
            timings = []
            for round_ in range(args.requests + 5):
                started = time.perf_counter()
                await desk.inbox(owner, InboxFilter(query=query))
                if round_ >= 5:  # the first five warm up
                    timings.append((time.perf_counter() - started) * 1000)
            print(f"| {name} | {statistics.median(timings):.1f} | "
                  f"{_percentile(timings, 0.95):.1f} |", flush=True)
    finally:
        await db.close_database()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
