"""A fake Safir (https://docs.bale.ai/safir), over real HTTP.

    POST /api/v3/send_message   header api-access-key; JSON request_id, bot_id,
                                phone_number, message_data {message {text}}

Answers as documented: `{"message_id": "…", "error_data": null}`, or `error_data` listing
the number that failed (`phone_number`, `code`, `description`). A `request_id` seen before
answers the first message's id and delivers nothing more. What the documentation leaves
open is chosen here and said so: an unknown key is a 401, a body without `bot_id`, a
`phone_number` that is not 98 and ten digits, or no text is a 400, and a number in
`not_on_bale` fails with code 404 in `error_data` (the real codes are not published).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.base import FakeServer

API_KEY = "safir-fake-access-key"
BOT_ID = 1_234_567_890
NOT_ON_BALE = "989350000000"
_PHONE = re.compile(r"^98\d{10}$")


@dataclass(frozen=True, slots=True)
class SafirMessage:
    message_id: str
    request_id: str | None
    bot_id: int
    phone_number: str
    text: str


@dataclass(slots=True)
class FakeSafir(FakeServer):
    host: str = "127.0.0.1"
    port: int = 0
    api_key: str = API_KEY
    bot_ids: tuple[int, ...] = (BOT_ID,)
    not_on_bale: tuple[str, ...] = (NOT_ON_BALE,)
    delivered: list[SafirMessage] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)  # every call's HTTP status, in order
    _by_request: dict[str, SafirMessage] = field(default_factory=dict)

    def __post_init__(self) -> None:
        FakeServer.__init__(self, host=self.host, port=self.port)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/api/v3/send_message", self._send)

    def _recent_calls(self) -> tuple[int, str]:
        return len(self.delivered), "\n".join(f"  {m}" for m in self.delivered[-10:])

    async def _send(self, request: web.Request) -> web.Response:
        response = await self._answer(request)
        self.answered.append(response.status)
        return response

    async def _answer(self, request: web.Request) -> web.Response:
        if request.headers.get("api-access-key") != self.api_key:
            return web.json_response({"message_id": None, "error_data": None}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        phone = body.get("phone_number")
        text = ((body.get("message_data") or {}).get("message") or {}).get("text")
        if body.get("bot_id") not in self.bot_ids or not isinstance(phone, str) \
                or not _PHONE.match(phone) or not text:
            return web.json_response({"error": "bad request"}, status=400)
        request_id = body.get("request_id")
        if request_id and request_id in self._by_request:
            return _ok(self._by_request[request_id].message_id)
        if phone in self.not_on_bale:
            return web.json_response({"message_id": None, "error_data": [
                {"phone_number": phone, "code": 404, "description": "user not found"}]})
        message = SafirMessage(message_id=str(uuid.uuid4()), request_id=request_id,
                               bot_id=body["bot_id"], phone_number=phone, text=text)
        self.delivered.append(message)
        if request_id:
            self._by_request[request_id] = message
        return _ok(message.message_id)


def _ok(message_id: str) -> web.Response:
    return web.json_response({"message_id": message_id, "error_data": None})
