"""A fake Kavenegar REST API (https://kavenegar.com/rest.html), over real HTTP.

    POST /v1/{API-KEY}/sms/send.json     receptor, sender, message, localid
    POST /v1/{API-KEY}/sms/status.json   messageid
    POST /v1/{API-KEY}/sms/statuslocalmessageid.json   localid

Answers as Kavenegar does: `{"return": {"status", "message"}, "entries": [...]}`, the code
also the HTTP status. 403 for an unknown API key, 412 for a line not on the account, 411 for
a receptor that is not an Iranian mobile, 413 for an empty text, 418 when the credit does
not cover the parts (Persian 70/67, Latin 160/153 characters per part), 429 past
`sends_per_second` (sends and status calls alike) within one second of `clock`. A
`localid` seen before answers the first text again and sends nothing. Texts are `sent`
(a record per real send, never the key). A status call answers each id it names, 100 for
one it does not know.

The other direction stands in for the operator: `settle(messageid, status)` records its
word for the status call alone; `report(messageid, status)` also posts it as a delivery
report (10 delivered, 11 undelivered, 14 blocked by the recipient, …) to `callback_url`;
`receive(sender, text)` posts a customer's text there.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import ClientSession, web

from core.segments import count_segments
from tests.fakes.base import FakeServer

API_KEY = "4F6A-FAKE-KEY"
LINE = "10004346"
PRICE_PER_PART = 1190  # rials, charged per part like Kavenegar's Persian texts
_MOBILE = re.compile(r"^(?:0|98|\+98|0098)?9\d{9}$")
_STATUS_TEXT = {1: "در صف ارسال", 4: "ارسال به مخابرات", 10: "رسیده به گیرنده",
                11: "نرسیده به گیرنده", 14: "بلاک شده توسط گیرنده"}


@dataclass(slots=True)
class SentText:
    messageid: int
    receptor: str
    sender: str
    message: str
    localid: str | None
    cost: int
    status: int = 1

    def entry(self) -> dict[str, object]:
        return {"messageid": self.messageid, "message": self.message, "status": self.status,
                "statustext": _STATUS_TEXT.get(self.status, ""), "sender": self.sender,
                "receptor": self.receptor, "date": 1_764_600_000, "cost": self.cost}


@dataclass(slots=True)
class FakeKavenegar(FakeServer):
    host: str = "127.0.0.1"
    port: int = 0
    api_key: str = API_KEY
    lines: tuple[str, ...] = (LINE,)
    credit: int = 10_000_000
    sends_per_second: int = 0  # 0: no limit
    clock: Callable[[], float] | None = None  # seconds; the limit counts within whole ones
    callback_url: str = ""
    sent: list[SentText] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)  # every send's answer code, in order
    status_calls: list[list[str]] = field(default_factory=list)  # the ids each call named
    _by_local: dict[str, SentText] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(8_792_343))
    _second: tuple[int, int] = (0, 0)  # (which second, sends counted in it)

    def __post_init__(self) -> None:
        FakeServer.__init__(self, host=self.host, port=self.port)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/{key}/sms/send.json", self._send)
        router.add_post("/v1/{key}/sms/status.json", self._status)
        router.add_post("/v1/{key}/sms/statuslocalmessageid.json", self._status_local)

    def _recent_calls(self) -> tuple[int, str]:
        return len(self.sent), "\n".join(f"  {text}" for text in self.sent[-10:])

    def to(self, receptor: str) -> list[SentText]:
        return [text for text in self.sent if text.receptor == receptor]

    async def _send(self, request: web.Request) -> web.Response:
        form = await request.post()
        code = self._refusal(request, form)
        self.answered.append(code)
        if code != 200:
            return _answer(code, None)
        localid = str(form.get("localid", "")) or None
        if localid is not None and localid in self._by_local:
            return _answer(200, [self._by_local[localid].entry()])
        message = str(form["message"])
        cost = count_segments(message).parts * PRICE_PER_PART
        self.credit -= cost
        text = SentText(messageid=next(self._ids), receptor=str(form["receptor"]),
                        sender=str(form.get("sender") or self.lines[0]), message=message,
                        localid=localid, cost=cost)
        self.sent.append(text)
        if localid is not None:
            self._by_local[localid] = text
        return _answer(200, [text.entry()])

    def _refusal(self, request: web.Request, form: Mapping[str, object]) -> int:
        if request.match_info["key"] != self.api_key:
            return 403
        if not form.get("receptor") or "message" not in form:
            return 400
        if form.get("sender") and str(form["sender"]) not in self.lines:
            return 412
        if not _MOBILE.match(str(form["receptor"])):
            return 411
        if not str(form["message"]).strip():
            return 413
        if self._over_limit():
            return 429
        localid = str(form.get("localid", ""))
        if localid not in self._by_local and \
                count_segments(str(form["message"])).parts * PRICE_PER_PART > self.credit:
            return 418
        return 200

    def _over_limit(self) -> bool:
        if not self.sends_per_second or self.clock is None:
            return False
        second = int(self.clock())
        current, count = self._second
        count = count + 1 if second == current else 1
        self._second = (second, count)
        return count > self.sends_per_second

    async def _status(self, request: web.Request) -> web.Response:
        if request.match_info["key"] != self.api_key:
            return _answer(403, None)
        wanted = [part for part in str((await request.post()).get("messageid", "")).split(",")
                  if part]
        self.status_calls.append(wanted)
        if not wanted:
            return _answer(400, None)
        if self._over_limit():
            return _answer(429, None)
        known = {str(text.messageid): text for text in self.sent}
        # An id Kavenegar does not know is answered with status 100, not left out.
        return _answer(200, [{"messageid": int(part) if part.isdigit() else part,
                              "status": known[part].status if part in known else 100,
                              "statustext": _STATUS_TEXT.get(known[part].status, "")
                              if part in known else "شناسه نامعتبر"}
                             for part in wanted])

    async def _status_local(self, request: web.Request) -> web.Response:
        if request.match_info["key"] != self.api_key:
            return _answer(403, None)
        wanted = set(str((await request.post()).get("localid", "")).split(","))
        return _answer(200, [{"messageid": t.messageid, "localid": t.localid,
                              "status": t.status}
                             for local, t in self._by_local.items() if local in wanted])

    def settle(self, messageid: int, status: int) -> None:
        """The operator's word on a text, kept for the status call and posted nowhere (a
        line whose delivery callback is not set up)."""
        for text in self.sent:
            if text.messageid == messageid:
                text.status = status

    async def report(self, messageid: int, status: int) -> int:
        """The operator's word on a text: Kavenegar posts it to the delivery address."""
        self.settle(messageid, status)
        return await self._post({"messageid": str(messageid), "status": str(status)})

    async def receive(self, sender: str, text: str, *, to: str = LINE,
                      messageid: int | None = None) -> int:
        """A customer's text to one of the lines, posted to the receive address."""
        return await self._post({"messageid": str(messageid or next(self._ids)),
                                 "from": sender, "to": to, "message": text})

    async def _post(self, form: dict[str, str]) -> int:
        if self._webhook_client is None:
            self._webhook_client = ClientSession()
        async with self._webhook_client.post(self.callback_url, data=form) as response:
            return response.status


def _answer(code: int, entries: list[dict[str, object]] | None) -> web.Response:
    messages = {200: "تایید شد", 400: "پارامترها ناقص هستند",
                403: "کد شناسائی API-Key معتبر نمی‌باشد",
                411: "دریافت کننده نامعتبر است", 412: "ارسال کننده نامعتبر است",
                413: "پیام خالی است و یا طول پیام بیش از حد مجاز می‌باشد",
                418: "اعتبار حساب شما کافی نیست", 429: "تعداد درخواست بیش از حد مجاز است"}
    return web.json_response({"return": {"status": code, "message": messages.get(code, "")},
                              "entries": entries}, status=code)
