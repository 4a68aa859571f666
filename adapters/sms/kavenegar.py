"""Kavenegar (کاوه‌نگار): https://kavenegar.com/rest.html

- Send: `POST {KAVENEGAR_API_BASE}/v1/{API-KEY}/sms/send.json`, form fields `receptor`,
  `sender`, `message`, `localid`. The answer is `{"return": {"status", "message"},
  "entries": [{"messageid", "status", "statustext", "cost", …}]}`; an error carries its code
  both as the HTTP status and in `return.status` (418 no credit, 411 bad number, …).
- `localid` is Kavenegar's idempotency key: a send with a localid it has seen answers that
  first message instead of sending another, so the outbox row's id goes there (under the
  installation's prefix: adapters/sms/transport.py).
- Callbacks (set in Kavenegar's panel, both at /webhooks/sms/kavenegar/{SMS_WEBHOOK_SECRET}):
  a text received posts `messageid`, `from`, `to`, `message`; a delivery report posts
  `messageid`, `status` (10 delivered, 11 not delivered, 14 blocked by the recipient…).
- Status, for a line whose delivery callback is not set up (adapters/sms/poller.py):
  `POST {KAVENEGAR_API_BASE}/v1/{API-KEY}/sms/status.json` with `messageid`, ids joined by
  commas; its `entries` carry `messageid`, `status`, `statustext`, the codes of the callback.

The official `kavenegar` package calls `requests`, which would block the event loop for
the whole round trip; these few calls go through the shared aiohttp session instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp

from adapters.answers import json_object, persian
from adapters.base import BadPayload, PollFailed
from adapters.sms.provider import TIMEOUT, Callback, DeliveryCodes, Line, Received, Report
from core.delivery import PermanentError, RetryLater, SendError, TransientError
from core.i18n import gettext_noop
from core.settings import Settings, env_text
from core.text import to_persian_digits

DEFAULT_API_BASE = "https://api.kavenegar.com"
SLOW_DOWN_SECONDS = 5.0  # when Kavenegar says "too many" without a Retry-After

# Send errors an agent can act on, by Kavenegar's code (its own list, translated).
_REFUSALS = {
    400: gettext_noop("Not sent: the SMS provider found the request incomplete."),
    401: gettext_noop("Not sent: the SMS account is disabled."),
    403: gettext_noop("Not sent: the SMS provider did not accept the API key."),
    407: gettext_noop("Not sent: the SMS account may not use this service."),
    411: gettext_noop("Not sent: the phone number is not a valid mobile number."),
    412: gettext_noop("Not sent: the sender line is not valid for this SMS account."),
    413: gettext_noop("Not sent: the text is empty or too long for the SMS provider."),
    418: gettext_noop("Not sent: the SMS account has no credit left; top it up with the "
                      "provider."),
    422: gettext_noop("Not sent: the text holds characters the SMS provider does not take."),
}
_SLOW_DOWN = frozenset({414, 429})  # request limit reached: the same send later succeeds
_TRY_AGAIN = frozenset({402, 409})  # "operation failed", "server could not answer"

# Delivery statuses: 1 queued and 2 scheduled say nothing new; 100 is an unknown id.
CODES = DeliveryCodes(
    delivered=frozenset({10}),
    on_the_way=frozenset({4, 5}),
    failed={
        6: gettext_noop("Not delivered: the operator could not deliver the text."),
        11: gettext_noop("Not delivered: the phone was off or out of reach."),
        13: gettext_noop("Not delivered: the text was cancelled before it was sent."),
        14: gettext_noop("Not delivered: the recipient blocks texts from service lines."),
    },
    refused=frozenset({14}),
)
# Ids one status call names, joined by commas. The SDKs pass a list and the material we
# could read states no cap; 100 keeps each call small (README, "Connect SMS").
STATUS_BATCH = 100


class Kavenegar:
    name = "kavenegar"
    status_batch = STATUS_BATCH

    def line(self, settings: Settings) -> Line | None:
        key = env_text(settings, "KAVENEGAR_API_KEY")
        number = env_text(settings, "KAVENEGAR_SENDER")
        if not (key and number):
            return None
        return Line(api_base=self.api_base(settings), api_key=key, number=number)

    def api_base(self, settings: Settings) -> str:
        return env_text(settings, "KAVENEGAR_API_BASE", DEFAULT_API_BASE).rstrip("/")

    async def send(self, session: aiohttp.ClientSession, line: Line, *, receptor: str,
                   text: str, local_id: int | None) -> str:
        form = {"receptor": receptor, "sender": line.number, "message": text}
        if local_id is not None:
            form["localid"] = str(local_id)
        url = f"{line.api_base}/v1/{line.api_key}/sms/send.json"
        try:
            async with session.post(url, data=form, timeout=TIMEOUT) as response:
                raw = await response.read()
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as error:
            # Never the error's text: it holds the URL, and the URL holds the API key.
            raise TransientError(f"Kavenegar: {type(error).__name__}") from None
        answer = json_object(raw)
        code = _int((answer.get("return") or {}).get("status")) or status
        if status == 200 and code == 200:
            entries = answer.get("entries") or [{}]
            message_id = entries[0].get("messageid") if isinstance(entries[0], dict) else None
            if message_id is None:
                raise TransientError("Kavenegar: an answer without a message id")
            return str(message_id)
        raise send_error(code, retry_after)

    async def statuses(self, session: aiohttp.ClientSession, line: Line,
                       message_ids: Sequence[str]) -> list[Report]:
        url = f"{line.api_base}/v1/{line.api_key}/sms/status.json"
        try:
            async with session.post(url, data={"messageid": ",".join(message_ids)},
                                    timeout=TIMEOUT) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise PollFailed(f"Kavenegar status: {type(error).__name__}") from None
        answer = json_object(raw)
        code = _int((answer.get("return") or {}).get("status")) or status
        if status != 200 or code != 200:
            # The code alone: the error's text would hold the URL, and the URL the key.
            raise PollFailed(f"Kavenegar status: {code}")
        entries = answer.get("entries") or []
        return [report for entry in entries if isinstance(entry, dict)
                for report in CODES.reports(str(entry.get("messageid", "")),
                                            entry.get("status"))]

    def parse(self, form: Mapping[str, str]) -> Sequence[Callback]:
        message_id = form.get("messageid", "").strip()
        if not message_id:
            raise BadPayload("a Kavenegar callback names its messageid")
        if "from" in form:
            return [Received(message_id=message_id, sender=form["from"],
                             line=form.get("to", ""), text=form.get("message", ""))]
        if _int(form.get("status")) is None:
            raise BadPayload("a Kavenegar callback has either `from` or `status`")
        return CODES.reports(message_id, form["status"])


def send_error(code: int, retry_after: str | None) -> SendError:
    """The outbox's error for one of Kavenegar's codes."""
    if code in _SLOW_DOWN:
        wait = _int(retry_after)
        return RetryLater(persian(gettext_noop(
            "The SMS provider asked to slow down; the text goes again shortly.")),
            float(wait) if wait is not None else SLOW_DOWN_SECONDS)
    if code in _TRY_AGAIN or code >= 500:
        return TransientError(f"Kavenegar: {code}")
    if code in _REFUSALS:
        return PermanentError(persian(_REFUSALS[code]))
    return PermanentError(persian(gettext_noop(
        "Not sent: the SMS provider refused the text (code %(code)s)."),
        code=to_persian_digits(str(code))))


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


KAVENEGAR = Kavenegar()
