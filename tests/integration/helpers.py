"""Small helpers for tests that drive Pasokh through its webhook."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tests.conftest import WEBHOOK_SECRET
from tests.waits import patience

SECRET_HEADER = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
_update_ids = itertools.count(1000)
_message_ids = itertools.count(1)


def text_update(chat_id: int, text: str, *, message_id: int | None = None,
                first_name: str = "مریم", language: str = "fa", **sender: Any) -> dict:
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": message_id or next(_message_ids),
            "date": 1774080000,
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": {"id": chat_id, "is_bot": False, "first_name": first_name,
                     "language_code": language, **sender},
            "text": text,
        },
    }


def button_update(chat_id: int, data: str) -> dict:
    update_id = next(_update_ids)
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cbq-{update_id}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "مریم"},
            "message": {"message_id": 1, "date": 1774080000,
                        "chat": {"id": chat_id, "type": "private"}, "text": "menu"},
            "chat_instance": "1",
            "data": data,
        },
    }


async def post_update(client, update: dict | bytes, headers: dict | None = None):
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    return await client.post("/webhooks/telegram", data=body,
                             headers=SECRET_HEADER if headers is None else headers)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0,  # noqa: ASYNC109
                     what: str = "condition") -> None:
    """Wait for something the service does in the background: `timeout` is what a quiet
    machine needs, scaled by tests.waits for a busy one."""
    deadline = asyncio.get_running_loop().time() + patience(timeout)
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
