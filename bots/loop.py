"""The event loop every Pasokh server runs on (and the benchmark's reference servers)."""

from __future__ import annotations

import asyncio


def event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it exists (not on Windows): the same server did ~25 % more webhooks/s
    on it in `bench/ingest.py`, at a lower latency (README, Performance)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
