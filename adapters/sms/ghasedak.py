"""Ghasedak (قاصدک), the second provider: proof that a provider is one module.

- Send: `POST {GHASEDAK_API_BASE}/v2/sms/send/simple` with the `apikey` header and form
  fields `message`, `receptor`, `linenumber`, `checkid`. `checkid` is Ghasedak's own id of
  the text in the sender's system, which its status call looks texts up by; the outbox row's
  id goes there. The answer is `{"result": {"code", "message"}, "items": [message id]}`.
- Callbacks: not taken yet. Ghasedak's receive and delivery callbacks are set in its panel,
  and we could not check their fields against its documentation; a callback here is refused
  with a 400 (and logged) rather than read by guesswork.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp

from adapters.base import BadPayload
from adapters.sms.provider import TIMEOUT, Callback, Line, json_object, persian
from core.delivery import PermanentError, RetryLater, SendError, TransientError
from core.i18n import gettext_noop
from core.settings import Settings, env_text
from core.text import to_persian_digits

DEFAULT_API_BASE = "https://api.ghasedak.me"
SLOW_DOWN_SECONDS = 5.0


class Ghasedak:
    name = "ghasedak"

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
        form = {"message": text, "receptor": receptor, "linenumber": line.number}
        if local_id is not None:
            form["checkid"] = str(local_id)
        try:
            async with session.post(f"{line.api_base}/v2/sms/send/simple", data=form,
                                    headers={"apikey": line.api_key},
                                    timeout=TIMEOUT) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientError(f"Ghasedak: {type(error).__name__}") from None
        answer = json_object(raw)
        result = answer.get("result") or {}
        code = result.get("code") if isinstance(result, dict) else None
        code = code if isinstance(code, int) else status
        if status == 200 and code == 200 and answer.get("items"):
            return str(answer["items"][0])
        raise _send_error(code)

    def parse(self, form: Mapping[str, str]) -> Sequence[Callback]:
        raise BadPayload("Ghasedak's callbacks are not taken yet (see adapters/sms/ghasedak.py)")


def _send_error(code: int) -> SendError:
    if code == 429:
        return RetryLater(persian(gettext_noop(
            "The SMS provider asked to slow down; the text goes again shortly.")),
            SLOW_DOWN_SECONDS)
    if code >= 500:
        return TransientError(f"Ghasedak: {code}")
    if code in (401, 403):
        return PermanentError(persian(gettext_noop(
            "Not sent: the SMS provider did not accept the API key.")))
    return PermanentError(persian(gettext_noop(
        "Not sent: the SMS provider refused the text (code %(code)s)."),
        code=to_persian_digits(str(code))))


GHASEDAK = Ghasedak()
