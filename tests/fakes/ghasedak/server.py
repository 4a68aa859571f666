"""A fake Ghasedak web service, over real HTTP, shaped as Ghasedak's own SDKs call it
(ghasedakapi/ghasedak_sms_python, ghasedakapi/ghasedaksms-php):

    POST {PREFIX}/SendSingleSMS      JSON lineNumber, receptor, message, clientReferenceId
    GET  {PREFIX}/CheckSmsStatus     Ids (joined by commas), Type (1 message ids, 2 ours)
    GET  {PREFIX}/GetReceivedSmses   LineNumber, IsRead

Every answer is `{"isSuccess", "statusCode", "message", "data"}` with the `ApiKey` header
checked (401 otherwise). A line not on the account or a receptor that is not an Iranian
mobile is refused (400). Statuses are the SDKs' `SendStatus` codes: a text starts at 10
(sent to the operator) and `report(messageId, status)` stands in for the operator
(14 delivered, 13 not delivered, 15 blocked …). `receive(sender, text)` is a customer's
text to the line, kept unread. Whether reading them marks them read is not documented,
so here it does not, and a poller must tell the ones it has seen.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.base import FakeServer

API_KEY = "G-FAKE-KEY"
LINE = "300002525"
PREFIX = "/Rest/api/v1/WebService"
_MOBILE = re.compile(r"^(?:0|98|\+98|0098)?9\d{9}$")


@dataclass(slots=True)
class GhasedakText:
    message_id: int
    receptor: str
    line_number: str
    message: str
    client_reference_id: str | None
    status: int = 10

    def item(self) -> dict[str, object]:
        return {"messageId": str(self.message_id), "clientReferenceId": self.client_reference_id,
                "message": self.message, "lineNumber": self.line_number,
                "receptor": self.receptor, "status": self.status, "price": 1190,
                "sendDate": "2026-12-02T18:00:00"}


@dataclass(slots=True)
class FakeGhasedak(FakeServer):
    host: str = "127.0.0.1"
    port: int = 0
    api_key: str = API_KEY
    lines: tuple[str, ...] = (LINE,)
    sent: list[GhasedakText] = field(default_factory=list)
    inbox: list[dict[str, object]] = field(default_factory=list)
    status_calls: list[list[str]] = field(default_factory=list)  # the ids each call named
    _ids: itertools.count = field(default_factory=lambda: itertools.count(2_201_559))
    _received_ids: itertools.count = field(default_factory=lambda: itertools.count(7_001))

    def __post_init__(self) -> None:
        FakeServer.__init__(self, host=self.host, port=self.port)

    @property
    def api_base(self) -> str:
        return self.base_url + PREFIX

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post(f"{PREFIX}/SendSingleSMS", self._send)
        router.add_get(f"{PREFIX}/CheckSmsStatus", self._status)
        router.add_get(f"{PREFIX}/GetReceivedSmses", self._received)

    def _recent_calls(self) -> tuple[int, str]:
        return len(self.sent), "\n".join(f"  {text}" for text in self.sent[-10:])

    def to(self, receptor: str) -> list[GhasedakText]:
        return [text for text in self.sent if text.receptor == receptor]

    async def _send(self, request: web.Request) -> web.Response:
        if request.headers.get("ApiKey") != self.api_key:
            return _answer(401, None, "apikey is invalid")
        try:
            body = await request.json()
        except ValueError:
            return _answer(400, None, "bad request")
        if str(body.get("lineNumber")) not in self.lines:
            return _answer(400, None, "line number is invalid")
        if not _MOBILE.match(str(body.get("receptor", ""))):
            return _answer(400, None, "receptor is invalid")
        text = GhasedakText(message_id=next(self._ids), receptor=str(body["receptor"]),
                            line_number=str(body["lineNumber"]),
                            message=str(body.get("message", "")),
                            client_reference_id=body.get("clientReferenceId"))
        self.sent.append(text)
        return _answer(200, {"receptor": text.receptor, "lineNumber": text.line_number,
                             "cost": 1190, "messageId": str(text.message_id),
                             "message": text.message, "sendDate": "2026-12-02T18:00:00"})

    async def _status(self, request: web.Request) -> web.Response:
        if request.headers.get("ApiKey") != self.api_key:
            return _answer(401, None, "apikey is invalid")
        wanted = [part for part in request.query.get("Ids", "").split(",") if part]
        self.status_calls.append(wanted)
        by_ours = request.query.get("Type") == "2"
        return _answer(200, [text.item() for text in self.sent
                             if (text.client_reference_id if by_ours
                                 else str(text.message_id)) in wanted])

    async def _received(self, request: web.Request) -> web.Response:
        if request.headers.get("ApiKey") != self.api_key:
            return _answer(401, None, "apikey is invalid")
        line = request.query.get("LineNumber", "")
        return _answer(200, {"items": [item for item in self.inbox
                                       if item["lineNumber"] == line]})

    def report(self, message_id: int, status: int) -> None:
        """The operator's word on a text; Ghasedak keeps it for CheckSmsStatus."""
        for text in self.sent:
            if text.message_id == message_id:
                text.status = status

    def receive(self, sender: str, text: str, *, to: str = LINE) -> int:
        """A customer's text to one of the lines, held for GetReceivedSmses."""
        received_id = next(self._received_ids)
        self.inbox.append({"id": received_id, "message": text, "sender": sender,
                           "lineNumber": to, "receiveDate": "2026-12-02T18:00:00"})
        return received_id


def _answer(code: int, data: object, message: str = "success") -> web.Response:
    return web.json_response({"isSuccess": code == 200, "statusCode": code,
                              "message": message, "data": data}, status=code)
