"""Calls to Meta's Graph API and what its errors mean for the outbox.

Error codes: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes and
https://developers.facebook.com/docs/graph-api/guides/error-handling. Throttling answers
back off and come again; a refusal of this one message (bad parameter, undeliverable,
outside the customer-service window) is recorded and never retried.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from core.delivery import (
    AnswerLost,
    PermanentError,
    RecipientUnreachable,
    RetryLater,
    TransientError,
)

# Throttling, with how long to leave the key alone before trying again (seconds).
_SLOW_DOWN = {
    4: 60.0,  # application request limit
    17: 60.0,  # user request limit
    32: 60.0,  # page request limit
    613: 60.0,  # calls to this API have exceeded the rate limit
    80007: 60.0,  # Instagram/WhatsApp business account rate limit
    130429: 1.0,  # the number's throughput (messages per second)
    131056: 6.0,  # too many messages to one customer in a short time
    131048: 60.0,  # spam rate limit
}
_TRY_AGAIN = frozenset({1, 2, 131000, 131016, 133004})  # unknown / service unavailable
_GONE = frozenset({551, 2018108})  # the Instagram user cannot be messaged any more
TIMEOUT = aiohttp.ClientTimeout(total=20)


class GraphRefused(PermanentError):
    """Meta refused this message; `code` lets a transport try another way (e.g. a private
    reply already used)."""

    def __init__(self, reason: str, code: int | None) -> None:
        super().__init__(reason)
        self.code = code


class GraphClient:
    """Posts JSON to one node of the Graph API with one access token."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str, product: str) -> None:
        self._session = session
        self._base = base
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._product = product

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._request("POST", path, orjson.dumps(body))

    async def get(self, path: str) -> dict[str, Any]:
        """A node's fields, e.g. the phone number an owner connects (a connection test)."""
        return await self._request("GET", path, None)

    async def _request(self, method: str, path: str, data: bytes | None) -> dict[str, Any]:
        try:
            async with self._session.request(method, f"{self._base}/{path}", data=data,
                                             headers=self._headers,
                                             timeout=TIMEOUT) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError:
            raise AnswerLost(f"{self._product}: TimeoutError") from None
        except aiohttp.ClientError as error:
            raise TransientError(f"{self._product}: {type(error).__name__}") from None
        try:
            answer = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            answer = {}
        if 200 <= status < 300 and "error" not in answer:
            return answer
        raise graph_error(self._product, status, answer.get("error") or {})


def graph_error(product: str, status: int, error: dict[str, Any]) -> Exception:
    """The outbox error for one Graph error answer."""
    code = error.get("code")
    details = (error.get("error_data") or {}).get("details")
    reason = f"{product}: {error.get('message') or f'HTTP {status}'}"
    if details:
        reason = f"{reason} ({details})"
    if code in _SLOW_DOWN:
        return RetryLater(reason, _SLOW_DOWN[code])
    if status == 429:
        return RetryLater(reason, None)
    if code in _GONE:
        return RecipientUnreachable(reason)
    if status >= 500 or code in _TRY_AGAIN or error.get("is_transient"):
        return TransientError(reason)
    return GraphRefused(reason, code if isinstance(code, int) else None)
