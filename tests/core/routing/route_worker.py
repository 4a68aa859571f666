"""One routing process for the concurrency test: connects, says "ready", waits for a line on
its standard input (the start signal), then assigns the queue until nothing more can be
assigned, and prints how many it assigned.

    python -m tests.core.routing.route_worker DATABASE_URL DATA_DIR
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from core import db
from core.bus import InProcessBus
from core.routing import Router
from core.settings import Settings


async def main(database_url: str, data_dir: str) -> None:
    await db.open_database(Settings(database_url=database_url, data_dir=Path(data_dir)))
    try:
        router = Router(InProcessBus(), lambda team, at: True)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        total = 0
        while assigned := await router.assign_waiting():
            total += len(assigned)
        print(total)
    finally:
        await db.close_database()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
