"""Logging set-up. Secrets never reach the logs: tokens live in URLs of outgoing requests,
so the HTTP client libraries' own debug logs are kept quiet."""

from __future__ import annotations

import logging


def configure(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("telegram", "aiohttp.client", "tortoise", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
