"""Connecting a bot to Pasokh: getMe to check the token, setWebhook to point it here.

Plain Bot API calls rather than python-telegram-bot's, because the owner is shown
Telegram's own answer (its `description`, e.g. "Webhook was set"), which PTB drops.
The token is part of the URL, so no URL of these calls is ever logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass(frozen=True, slots=True, kw_only=True)
class TelegramAnswer:
    ok: bool
    description: str  # Telegram's words, shown to the owner as they are
    result: Any = None


async def _call(session: aiohttp.ClientSession, api_base: str, token: str, method: str,
                params: dict[str, Any]) -> TelegramAnswer:
    try:
        async with session.post(f"{api_base}/bot{token}/{method}", json=params,
                                timeout=TIMEOUT) as response:
            answer = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        return TelegramAnswer(ok=False, description=f"{method}: {type(error).__name__}")
    if not isinstance(answer, dict):
        return TelegramAnswer(ok=False, description=f"{method}: not a Bot API answer")
    return TelegramAnswer(ok=bool(answer.get("ok")), result=answer.get("result"),
                          description=str(answer.get("description") or ""))


async def get_me(session: aiohttp.ClientSession, api_base: str, token: str) -> TelegramAnswer:
    return await _call(session, api_base, token, "getMe", {})


async def set_webhook(session: aiohttp.ClientSession, api_base: str, token: str, *, url: str,
                      secret: str | None = None,
                      allowed_updates: list[str] | None = None) -> TelegramAnswer:
    """setWebhook with the parameters given: Bale's takes the URL alone (no secret header,
    no update filter), so its secret travels in the URL."""
    params: dict[str, Any] = {"url": url}
    if secret is not None:
        params["secret_token"] = secret
    if allowed_updates is not None:
        params["allowed_updates"] = allowed_updates
    return await _call(session, api_base, token, "setWebhook", params)
