#!/usr/bin/env python3
"""JSON API benchmark: time to first byte of /api/v1 reads on a big SQLite database.

    python bench/api.py [--conversations 10000] [--messages-per-conversation 20]
                        [--requests 200]

Seeds the database as bench/panel.py does (same seed, same server), makes an owner's API
token, and requests each case one request at a time. Prints p50/p95 per case, with the
panel's inbox page as the baseline measured in the same run; the target is p95 < 200 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.panel import (  # noqa: E402 - after the path is set
    TARGET_P95_MS,
    Server,
    _logged_in,
    _measure,
    _percentile,
    parse_args,
    seeded_database,
)


async def _token(data_dir: Path) -> str:
    from core import db
    from core.api_tokens import create_token
    from core.settings import Settings

    await db.open_database(Settings(data_dir=data_dir))
    try:
        return (await create_token("bench", "owner@bench.example")).token
    finally:
        await db.close_database()


async def main() -> int:
    args = parse_args(__doc__)
    async with seeded_database(args, "pasokh-api-bench-") as data_dir:
        token = await _token(data_dir)
        server = Server(data_dir)
        try:
            await server.ready()
            panel = await _logged_in(server.base, "owner@bench.example")
            api = aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"})
            async with api.get(f"{server.base}/api/v1/conversations?limit=50") as response:
                first = await response.json()
            second_page = f"/api/v1/conversations?limit=50&cursor={first['next_cursor']}"
            some = first["items"][0]["id"]
            cases = [
                ("panel inbox page (baseline)", panel, "/"),
                ("API conversations, 50", api, "/api/v1/conversations?limit=50"),
                ("API conversations, second page", api, second_page),
                ("API conversations, status pending", api, "/api/v1/conversations?status=pending"),
                ("API one conversation + customer", api, f"/api/v1/conversations/{some}"),
                ("API messages, 100", api, f"/api/v1/conversations/{some}/messages?limit=100"),
                ("API customers, 100", api, "/api/v1/customers?limit=100"),
            ]
            print("\n| case | p50 ms | p95 ms | target p95 < 200 ms |\n|---|---|---|---|")
            for name, session, path in cases:
                await _measure(session, server.base + path, 5)  # warm-up
                timings = await _measure(session, server.base + path, args.requests)
                p50, p95 = statistics.median(timings), _percentile(timings, 0.95)
                print(f"| {name} | {p50:.1f} | {p95:.1f} | "
                      f"{'yes' if p95 < TARGET_P95_MS else '**no**'} |", flush=True)
            await panel.close()
            await api.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
