"""Ghasedak (قاصدک), the second provider: proof that a provider is one module.

Its web service as Ghasedak's own SDKs call it (ghasedakapi/ghasedak_sms_python,
ghasedakapi/ghasedaksms-php: `https://gw.ghasedak.me/Rest/api/v1/WebService`), with the
`ApiKey` header; every answer is `{"isSuccess", "statusCode", "message", "data"}`.
- Send: `POST {GHASEDAK_API_BASE}/SendSingleSMS`, JSON `lineNumber`, `receptor`,
  `message`, `clientReferenceId`; `data.messageId` is the text's id. The outbox row's key
  goes in `clientReferenceId`, Ghasedak's own id of the text in the sender's system.
- Ghasedak documents no callback: neither texts received nor delivery reports are posted
  anywhere. Both are fetched (adapters/sms/poller.py): `GET …/GetReceivedSmses?LineNumber=
  …&IsRead=false` (`data.items`: `id`, `message`, `sender`, `lineNumber`, `receiveDate`)
  and `GET …/CheckSmsStatus?Ids=…&Type=1` (ids joined by commas, 1 = our message ids;
  `data`: items with `messageId`, `status`, …). A callback posted to its webhook address is
  refused with a 400.
- Statuses are the SDKs' `SendStatus`: 14 delivered, 13 not delivered, 15 blocked and
  8/12 black-listed (the recipient refuses service lines' texts), 1/6/16 failed, 7
  cancelled; 4, 10 and 11 are on their way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from adapters.answers import Refusals, json_object
from adapters.base import BadPayload, PollFailed
from adapters.sms.provider import TIMEOUT, Callback, DeliveryCodes, Line, Received, Report
from core.delivery import TransientError
from core.i18n import gettext_noop
from core.settings import Settings, env_text

DEFAULT_API_BASE = "https://gw.ghasedak.me/Rest/api/v1/WebService"
# Ids one CheckSmsStatus call names; the SDKs state no cap, so calls are kept small.
STATUS_BATCH = 100
BY_MESSAGE_ID = 1  # CheckSmsStatus's Type: the ids are Ghasedak's message ids

_OPERATOR = gettext_noop("Not delivered: the operator could not deliver the text.")
_REFUSES = gettext_noop("Not delivered: the recipient blocks texts from service lines.")
CODES = DeliveryCodes(
    delivered=frozenset({14}),
    on_the_way=frozenset({4, 10, 11}),
    failed={
        1: _OPERATOR, 6: _OPERATOR, 16: _OPERATOR,
        13: gettext_noop("Not delivered: the phone was off or out of reach."),
        7: gettext_noop("Not delivered: the text was cancelled before it was sent."),
        8: _REFUSES, 12: _REFUSES, 15: _REFUSES,
    },
    refused=frozenset({8, 12, 15}),
)


class Ghasedak:
    name = "ghasedak"
    status_batch = STATUS_BATCH

    def line(self, settings: Settings) -> Line | None:
        key = env_text(settings, "GHASEDAK_API_KEY")
        number = env_text(settings, "GHASEDAK_LINE_NUMBER")
        if not (key and number):
            return None
        return Line(api_base=self.api_base(settings), api_key=key, number=number)

    def api_base(self, settings: Settings) -> str:
        return env_text(settings, "GHASEDAK_API_BASE", DEFAULT_API_BASE).rstrip("/")

    async def send(self, session: aiohttp.ClientSession, line: Line, *, receptor: str,
                   text: str, local_id: int | None) -> str:
        body: dict[str, Any] = {"lineNumber": line.number, "receptor": receptor,
                                "message": text}
        if local_id is not None:
            body["clientReferenceId"] = str(local_id)
        try:
            async with session.post(f"{line.api_base}/SendSingleSMS", json=body,
                                    headers={"ApiKey": line.api_key},
                                    timeout=TIMEOUT) as response:
                code, data = _answer(response.status, await response.read())
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientError(f"Ghasedak: {type(error).__name__}") from None
        message_id = data.get("messageId") if isinstance(data, dict) else None
        if code == 200 and message_id:
            return str(message_id)
        raise REFUSALS.error(code if code != 200 else 502)  # 200 without an id: broken

    async def statuses(self, session: aiohttp.ClientSession, line: Line,
                       message_ids: Sequence[str]) -> list[Report]:
        data = await _fetch(session, line, "CheckSmsStatus",
                            {"Ids": ",".join(message_ids), "Type": str(BY_MESSAGE_ID)})
        items = data if isinstance(data, list) else []
        return [report for item in items if isinstance(item, dict)
                for report in CODES.reports(str(item.get("messageId") or ""),
                                            item.get("status"))]

    async def received(self, session: aiohttp.ClientSession, line: Line) -> list[Received]:
        data = await _fetch(session, line, "GetReceivedSmses",
                            {"LineNumber": line.number, "IsRead": "false"})
        items = data.get("items") if isinstance(data, dict) else None
        return [Received(message_id=str(item["id"]), sender=str(item.get("sender") or ""),
                         line=str(item.get("lineNumber") or line.number),
                         text=str(item.get("message") or ""))
                for item in items or () if isinstance(item, dict)
                and isinstance(item.get("id"), int)]

    def parse(self, form: Mapping[str, str]) -> Sequence[Callback]:
        raise BadPayload("Ghasedak posts no callbacks: its texts and reports are polled")


async def _fetch(session: aiohttp.ClientSession, line: Line, call: str,
                 query: dict[str, str]) -> object:
    try:
        async with session.get(f"{line.api_base}/{call}", params=query,
                               headers={"ApiKey": line.api_key}, timeout=TIMEOUT) as response:
            code, data = _answer(response.status, await response.read())
    except (aiohttp.ClientError, TimeoutError) as error:
        raise PollFailed(f"Ghasedak {call}: {type(error).__name__}") from None
    if code != 200:
        raise PollFailed(f"Ghasedak {call}: {code}")
    return data


def _answer(status: int, raw: bytes) -> tuple[int, object]:
    """The code that counts and the answer's `data`: 200 and the data on success, else the
    envelope's `statusCode` (the HTTP status when it has none; 502 for a "success" that
    is not one) and None."""
    answer = json_object(raw)
    if status == 200 and answer.get("isSuccess") is True:
        return 200, answer.get("data")
    code = answer.get("statusCode")
    if not isinstance(code, int) or code == 200:
        code = status if status != 200 else 502
    return code, None


REFUSALS = Refusals(
    provider="Ghasedak",
    slow_down=gettext_noop("The SMS provider asked to slow down; the text goes again shortly."),
    key_refused=gettext_noop("Not sent: the SMS provider did not accept the API key."),
    refused=gettext_noop("Not sent: the SMS provider refused the text (code %(code)s)."),
)


GHASEDAK = Ghasedak()
