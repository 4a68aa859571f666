"""Webhook bodies the way Meta sends them, for tests that drive Pasokh through FakeMeta."""

from __future__ import annotations

import itertools
import time
from typing import Any

PHONE_NUMBER_ID = "1122334455667"
INSTAGRAM_ACCOUNT_ID = "17841400000000000"
VERIFY_TOKEN = "verify-me"  # noqa: S105 (a test value)

_ids = itertools.count(1)


def wa_text(wa_id: str, text: str, *, at: float | None = None, name: str = "مشتری") -> dict:
    return _wa_change({
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": f"wamid.in{next(_ids)}",
                      "timestamp": str(int(at or time.time())), "type": "text",
                      "text": {"body": text}}],
    })


def wa_media(wa_id: str, wamid: str, media_id: str, *, kind: str = "image",
             mime_type: str = "image/jpeg") -> dict:
    return _wa_change({
        "contacts": [{"profile": {"name": "مشتری"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": wamid, "timestamp": str(int(time.time())),
                      "type": kind, kind: {"id": media_id, "mime_type": mime_type,
                                           "sha256": "unchecked"}}],
    })


def wa_status(wa_id: str, wamid: str, status: str, **extra: Any) -> dict:
    return _wa_change({"statuses": [{"id": wamid, "recipient_id": wa_id, "status": status,
                                     "timestamp": str(int(time.time())), **extra}]})


def _wa_change(value: dict) -> dict:
    return {"object": "whatsapp_business_account", "entry": [{"id": "1234567890987654321",
            "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "989120000000",
                             "phone_number_id": PHONE_NUMBER_ID}, **value}}]}]}


def ig_text(igsid: str, text: str, *, at: float | None = None) -> dict:
    stamp = int((at or time.time()) * 1000)
    return {"object": "instagram", "entry": [{"id": INSTAGRAM_ACCOUNT_ID, "time": stamp,
            "messaging": [{"sender": {"id": igsid}, "recipient": {"id": INSTAGRAM_ACCOUNT_ID},
                           "timestamp": stamp,
                           "message": {"mid": f"mid.in{next(_ids)}", "text": text}}]}]}


def ig_comment(igsid: str, comment_id: str, text: str) -> dict:
    return {"object": "instagram", "entry": [{"id": INSTAGRAM_ACCOUNT_ID,
            "time": int(time.time()), "changes": [{"field": "comments", "value": {
                "from": {"id": igsid, "username": "customer"},
                "media": {"id": "18000000000000001", "media_product_type": "FEED"},
                "id": comment_id, "text": text}}]}]}
