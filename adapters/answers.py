"""What adapters that speak to a provider's REST API share about its answers: the JSON
object it sent (or {} for an HTML error page), and the reason an agent reads when a send
fails, in Persian like the outbox's own reasons (core/outbox.py), and what a refusal
means for the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from core.delivery import PermanentError, RetryLater, SendError, TransientError
from core.i18n import translation
from core.text import to_persian_digits


def persian(message: str, **values: object) -> str:
    """An agent-facing reason in Persian: stored with the message, shown in the panel."""
    text = translation("fa").gettext(message)
    return text % values if values else text


def json_object(raw: bytes) -> dict[str, Any]:
    """A provider's JSON answer; {} when it is not a JSON object (an HTML error page)."""
    try:
        answer = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {}
    return answer if isinstance(answer, dict) else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusals:
    """What an HTTP status other than 200 means for a send, for a provider that documents
    no codes of its own beyond HTTP's: the reasons are message ids (gettext_noop), the
    refusal's with a %(code)s."""

    provider: str  # named in errors the logs keep; never the key or the URL
    slow_down: str
    key_refused: str
    refused: str
    slow_down_seconds: float = 5.0

    def error(self, code: int) -> SendError:
        if code == 429:
            return RetryLater(persian(self.slow_down), self.slow_down_seconds)
        if code >= 500:
            return TransientError(f"{self.provider}: {code}")
        if code in (401, 403):
            return PermanentError(persian(self.key_refused))
        return PermanentError(persian(self.refused, code=to_persian_digits(str(code))))
