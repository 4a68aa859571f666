"""What adapters that speak to a provider's REST API share about its answers: the JSON
object it sent (or {} for an HTML error page), and the reason an agent reads when a send
fails, in Persian like the outbox's own reasons (core/outbox.py)."""

from __future__ import annotations

from typing import Any

import orjson

from core.i18n import translation


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
