"""A fake receiver of outgoing webhooks, over real HTTP, the way an integrator's server is.

    POST /hook   records the request (headers and raw body) and answers with the next
                 scripted answer, or 204 when the script is empty.
    POST /moved  answers 307 to /hook (Pasokh must not follow it).
    POST /stuck  records the request and answers only once `release` is set (or the fake
                 closes): a receiver that hangs.

`answers` is a list of (status, headers) consumed in order, so a test says "a 503 with
Retry-After: 120, then a 200" and looks at what arrived. It does not verify signatures:
the tests do, with their own implementation of the spec.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.base import FakeServer


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class FakeReceiver(FakeServer):
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.received: list[Received] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.release = asyncio.Event()

    @property
    def url(self) -> str:
        return f"{self.base_url}/hook"

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/hook", self._hook)
        router.add_post("/moved", self._moved)
        router.add_post("/stuck", self._stuck)

    def _recent_calls(self) -> tuple[int, str]:
        return len(self.received), "\n".join(
            f"  {r.path} {r.headers.get('webhook-id')}" for r in self.received[-10:])

    async def _record(self, request: web.Request) -> None:
        self.received.append(Received(request.path, {k.lower(): v for k, v in
                                                     request.headers.items()},
                                      await request.read()))

    async def _hook(self, request: web.Request) -> web.Response:
        await self._record(request)
        status, headers = self.answers.pop(0) if self.answers else (204, {})
        return web.Response(status=status, headers=headers)

    def _on_close(self) -> None:
        self.release.set()

    async def _stuck(self, request: web.Request) -> web.Response:
        await self._record(request)
        await self.release.wait()
        return web.Response(status=204)

    async def _moved(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(status=307, headers={"Location": self.url})
