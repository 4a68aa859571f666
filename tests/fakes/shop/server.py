"""A fake shop order API, driven over real HTTP like the shop a customer's order lives in.

    GET /api/orders/{order_id}   with header X-Api-Key: secret-key
      known order      → 200 {"order": {"status", "updated_at", "shipping": {"tracking"}}}
      unknown order    → 404 {"error": "not found"}
      SLOW_ORDER       → answers after `slow_seconds` (longer than Pasokh's timeout)
      BROKEN_ORDER     → 500
      wrong/no key     → 401

Every request is recorded (path and whether the key matched, never the key itself).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.base import FakeServer

API_KEY = "secret-key"
SLOW_ORDER = "55555"
BROKEN_ORDER = "50000"
ORDERS = {
    "12345": {"status": "shipped", "updated_at": "2026-03-22T10:00:00+00:00",
              "shipping": {"tracking": "IR-778899"}},
    "1001": {"status": "processing", "updated_at": "2026-03-21T06:30:00Z", "shipping": {}},
    "AB-77": {"status": "delivered", "updated_at": 1774170000, "shipping": {"tracking": None}},
}


@dataclass(frozen=True, slots=True)
class ShopCall:
    order_id: str
    authorised: bool


class FakeShop(FakeServer):
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 slow_seconds: float = 30.0) -> None:
        super().__init__(host=host, port=port)
        self.slow_seconds = slow_seconds
        self.calls: list[ShopCall] = []

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/api/orders/{order_id}", self._order)

    def _recent_calls(self) -> tuple[int, str]:
        return len(self.calls), "\n".join(f"  {call}" for call in self.calls[-10:])

    async def _order(self, request: web.Request) -> web.Response:
        order_id = request.match_info["order_id"]
        authorised = request.headers.get("X-Api-Key") == API_KEY
        self.calls.append(ShopCall(order_id, authorised))
        if not authorised:
            return web.json_response({"error": "unauthorised"}, status=401)
        if order_id == SLOW_ORDER:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.slow_seconds)
            return web.json_response({"order": {"status": "late"}})
        if order_id == BROKEN_ORDER:
            return web.Response(status=500, text="Internal Server Error")
        if order_id not in ORDERS:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response({"order": ORDERS[order_id]})
