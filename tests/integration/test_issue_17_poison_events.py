"""Issue 17, items 2 and 10: a poison event never blocks its batch, and no customer-given
field is stored past its limit.

Every body here is signed as the platform signs it; each batch holds one poison item
beside a good one. The answer is 2xx, the good one is stored, the poison one is stored as
"unsupported" with its raw payload (or, naming no customer, only logged). A body nested
deeper than JSON parsers go is not the platform's: 400. The fitted fields are stored on
SQLite and PostgreSQL, whose column widths and NUL rule SQLite does not enforce.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from core.limits import ID_CHARS, NAME_CHARS
from core.models import Customer, Direction, Identity, Message
from tests.fakes.meta import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET
from tests.integration.helpers import post_update, text_update
from tests.integration.meta_helpers import INSTAGRAM_ACCOUNT_ID, PHONE_NUMBER_ID, VERIFY_TOKEN

HUGE = 2**63 - 1
OVER_64_BITS = 2**70
DEEP = 1000


@pytest.fixture
async def pasokh(aiohttp_client, settings_with_fake):
    """Pasokh with Telegram, WhatsApp and Instagram channels."""
    from bots.runtime import create_app

    settings = settings_with_fake.with_environment(
        META_APP_SECRET=DEFAULT_APP_SECRET,
        META_VERIFY_TOKEN=VERIFY_TOKEN,
        META_GRAPH_BASE="http://127.0.0.1:9",
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
        INSTAGRAM_ACCOUNT_ID=INSTAGRAM_ACCOUNT_ID,
        INSTAGRAM_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
    )
    return await aiohttp_client(create_app(settings))


async def _post_meta(client, platform: str, body: bytes):
    signature = "sha256=" + hmac.new(DEFAULT_APP_SECRET.encode(), body,
                                     hashlib.sha256).hexdigest()
    return await client.post(f"/webhooks/{platform}", data=body,
                             headers={"X-Hub-Signature-256": signature,
                                      "Content-Type": "application/json"})


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _inbound():
    return Message.filter(direction=Direction.INBOUND.value)


async def _kinds() -> dict[str, str]:
    return {m.external_id: m.kind for m in await _inbound()}


# --- Telegram: one update per request ---------------------------------------------------


def _telegram(message_id: int, **message: object) -> dict:
    update = text_update(5001, "سلام", message_id=message_id)
    update["message"].update(message)
    return update


@pytest.mark.parametrize("date", [2**62, -1, -(2**40), HUGE], ids=["2^62", "-1", "-2^40", "max"])
async def test_issue_17_telegram_date_out_of_range_is_the_receive_time(pasokh, date):
    response = await post_update(pasokh, _telegram(70, date=date))
    assert response.status == 200
    (message,) = await _inbound()
    assert message.text == "سلام"
    assert message.created_at.year >= 2026


async def test_issue_17_telegram_date_over_64_bits_is_the_receive_time(pasokh):
    response = await post_update(pasokh, _telegram(71, date=OVER_64_BITS))
    assert response.status == 200
    (message,) = await _inbound()
    assert (message.kind, message.text) == ("text", "سلام")


@pytest.mark.parametrize("poison", [{"date": "soon"}, {"message_id": "x"}, {"text": 5},
                                    {"photo": [{"file_id": 1}]}],
                         ids=["date-string", "id-string", "text-number", "photo-id-number"])
async def test_issue_17_telegram_ill_typed_update_is_kept_as_unsupported(pasokh, poison):
    update = _telegram(71)
    update["message"].update(poison)
    response = await post_update(pasokh, update)
    assert response.status == 200
    (message,) = await _inbound()
    assert message.kind == "unsupported"
    assert json.loads(message.raw_payload)["message"] == update["message"]


async def test_issue_17_telegram_update_naming_no_chat_is_dropped_with_2xx(pasokh):
    response = await post_update(pasokh, {"update_id": 9, "message": {"date": "soon"}})
    assert response.status == 200
    assert await _inbound().count() == 0


async def test_issue_17_telegram_invalid_utf8_costs_only_the_broken_bytes(pasokh):
    body = json.dumps(_telegram(72, text="PLACEHOLDER")).encode()
    body = body.replace(b"PLACEHOLDER", b"ok \xff\xfe done")
    response = await post_update(pasokh, body)
    assert response.status == 200
    (message,) = await _inbound()
    assert message.text == "ok \ufffd\ufffd done"


async def test_issue_17_telegram_body_nested_too_deep_is_400(pasokh):
    body = json.dumps(_telegram(73)).encode()[:-1] + f', "x": {_nested(DEEP)}}}'.encode()
    response = await post_update(pasokh, body)
    assert response.status == 400
    assert await _inbound().count() == 0


async def test_issue_17_telegram_nul_and_long_name_are_stored_fitted(pasokh):
    update = _telegram(74, text="a\x00b")
    update["message"]["from"]["first_name"] = "ن" * 100_000
    update["message"]["from"]["username"] = "u" * 1000
    response = await post_update(pasokh, update)
    assert response.status == 200
    (message,) = await _inbound()
    assert message.text == "ab"
    identity = await Identity.get()
    assert len(identity.display_name) == NAME_CHARS
    assert identity.display_name.endswith("…")
    assert len(identity.username) <= 64
    customer = await Customer.get()
    assert len(customer.display_name) <= NAME_CHARS
    assert len(json.loads(message.raw_payload)["message"]["from"]["first_name"]) == 100_000


# --- WhatsApp: entries, changes, messages ------------------------------------------------


def _wa_message(wamid: str, **fields: object) -> dict:
    return {"from": "989121111111", "id": wamid, "timestamp": "1774080000", "type": "text",
            "text": {"body": f"good {wamid}"}, **fields}


def _wa_body(*messages: dict, name: str = "مشتری") -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "1234567890987654321", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "989120000000",
                         "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": name}, "wa_id": "989121111111"}],
            "messages": list(messages)}}]}]}).encode()


@pytest.mark.parametrize("poison", [
    {"timestamp": str(HUGE)},
    {"timestamp": HUGE},
    {"timestamp": "-5"},
    {"timestamp": str(OVER_64_BITS)},
    {"text": {"body": {"not": "a string"}}},
    {"type": "image", "image": {"id": ["not", "an", "id"]}},
], ids=["huge-string", "huge-int", "negative", "over-64-bits", "object-text", "bad-media"])
async def test_issue_17_whatsapp_poison_message_beside_a_good_one(pasokh, poison):
    body = _wa_body(_wa_message("wamid.poison", **poison), _wa_message("wamid.good"))
    response = await _post_meta(pasokh, "whatsapp", body)
    assert response.status == 200
    kinds = await _kinds()
    assert kinds["wamid.good"] == "text"
    assert "wamid.poison" in kinds
    good = await _inbound().get(external_id="wamid.good")
    assert good.text == "good wamid.good"


async def test_issue_17_whatsapp_timestamp_over_64_bits_in_the_head_still_stores(pasokh):
    poison = {"from": "989121111111", "id": "wamid.p2", "timestamp": OVER_64_BITS,
              "type": "text", "text": {"body": "x"}}
    body = _wa_body(poison, _wa_message("wamid.good2"))
    response = await _post_meta(pasokh, "whatsapp", body)
    assert response.status == 200
    assert (await _kinds())["wamid.good2"] == "text"


@pytest.mark.parametrize("poison", [
    {"contacts": [{"profile": {"name": ["not", "a", "name"]}, "wa_id": "989121111111"}]},
    {"contacts": "not a list"},
    {"errors": [{"code": {"nested": True}}]},
    {"statuses": [{"id": "wamid.s", "status": "read", "timestamp": 2**64}, 5]},
], ids=["contact-name-list", "contacts-string", "error-code-object", "statuses"])
async def test_issue_17_whatsapp_poison_beside_messages_costs_only_itself(pasokh, poison):
    value = json.loads(_wa_body(_wa_message("wamid.kept")))
    value["entry"][0]["changes"][0]["value"].update(poison)
    response = await _post_meta(pasokh, "whatsapp", json.dumps(value).encode())
    assert response.status == 200
    assert (await _kinds())["wamid.kept"] == "text"


@pytest.mark.parametrize("poison", [{"id": None, "changes": []}, {"changes": "x"},
                                    {"changes": [{"field": "messages"}]}, "not an entry"],
                         ids=["null-id", "changes-string", "change-without-value", "string"])
async def test_issue_17_whatsapp_poison_entry_beside_a_good_one(pasokh, poison):
    body = json.loads(_wa_body(_wa_message("wamid.entry")))
    body["entry"].insert(0, poison)
    response = await _post_meta(pasokh, "whatsapp", json.dumps(body).encode())
    assert response.status == 200
    assert (await _kinds())["wamid.entry"] == "text"


async def test_issue_17_whatsapp_invalid_utf8_text_beside_a_good_one(pasokh):
    body = _wa_body(_wa_message("wamid.u8", text={"body": "BROKEN"}), _wa_message("wamid.ok"))
    body = body.replace(b"BROKEN", b"bad \xc3\x28 here")
    response = await _post_meta(pasokh, "whatsapp", body)
    assert response.status == 200
    assert (await _inbound().get(external_id="wamid.u8")).text == "bad \ufffd( here"
    assert (await _kinds())["wamid.ok"] == "text"


async def test_issue_17_whatsapp_long_name_and_id_are_fitted(pasokh):
    long_id = "wamid." + "x" * 500
    body = _wa_body(_wa_message(long_id), name="N" * 2000)
    assert (await _post_meta(pasokh, "whatsapp", body)).status == 200
    (message,) = await _inbound()
    assert len(message.external_id) == ID_CHARS
    assert len((await Identity.get()).display_name) == NAME_CHARS
    # A redelivery finds the same shortened id: still one message.
    assert (await _post_meta(pasokh, "whatsapp", body)).status == 200
    assert await _inbound().count() == 1


async def test_issue_17_whatsapp_body_nested_too_deep_is_400(pasokh):
    body = _wa_body(_wa_message("wamid.deep", extra="PLACEHOLDER"))
    body = body.replace(b'"PLACEHOLDER"', _nested(DEEP).encode())
    response = await _post_meta(pasokh, "whatsapp", body)
    assert response.status == 400


# --- Instagram: entries, messaging items --------------------------------------------------


def _ig_item(mid: str, *, timestamp: object = 1774080000000, text: str = "") -> dict:
    return {"sender": {"id": "555"}, "recipient": {"id": INSTAGRAM_ACCOUNT_ID},
            "timestamp": timestamp, "message": {"mid": mid, "text": text or f"good {mid}"}}


def _ig_body(*items: dict, entry_time: object = 1774080000000) -> bytes:
    return json.dumps({"object": "instagram", "entry": [{
        "id": INSTAGRAM_ACCOUNT_ID, "time": entry_time, "messaging": list(items)}]}).encode()


@pytest.mark.parametrize("timestamp", [HUGE, -HUGE, OVER_64_BITS, 1e300, "soon"],
                         ids=["2^63-1", "-(2^63-1)", "over-64-bits", "1e300", "string"])
async def test_issue_17_instagram_poison_timestamp_beside_a_good_item(pasokh, timestamp):
    body = _ig_body(_ig_item("mid.poison", timestamp=timestamp), _ig_item("mid.good"))
    response = await _post_meta(pasokh, "instagram", body)
    assert response.status == 200
    kinds = await _kinds()
    assert kinds["mid.good"] == "text"
    assert len(kinds) == 2  # the poison one too, as a message or as unsupported


@pytest.mark.parametrize("poison", [{"id": None}, {"id": INSTAGRAM_ACCOUNT_ID, "messaging": 5},
                                    [1, 2]], ids=["null-id", "messaging-number", "list"])
async def test_issue_17_instagram_poison_entry_beside_a_good_one(pasokh, poison):
    body = json.loads(_ig_body(_ig_item("mid.entry")))
    body["entry"].insert(0, poison)
    response = await _post_meta(pasokh, "instagram", json.dumps(body).encode())
    assert response.status == 200
    assert (await _kinds())["mid.entry"] == "text"


async def test_issue_17_instagram_entry_time_out_of_range(pasokh):
    body = _ig_body(_ig_item("mid.t", timestamp=0), entry_time=HUGE)
    assert (await _post_meta(pasokh, "instagram", body)).status == 200
    assert (await _kinds())["mid.t"] == "text"


async def test_issue_17_instagram_invalid_utf8_text_beside_a_good_item(pasokh):
    body = _ig_body(_ig_item("mid.u8", text="BROKEN"), _ig_item("mid.ok"))
    body = body.replace(b"BROKEN", b"\xed\xa0\x80 lone surrogate bytes")
    response = await _post_meta(pasokh, "instagram", body)
    assert response.status == 200
    assert (await _kinds())["mid.ok"] == "text"
    stored = await _inbound().get(external_id="mid.u8")
    assert stored.text.endswith("lone surrogate bytes")


async def test_issue_17_instagram_body_nested_too_deep_is_400(pasokh):
    item = _ig_item("mid.deep")
    item["message"]["extra"] = "PLACEHOLDER"
    body = _ig_body(item).replace(b'"PLACEHOLDER"', _nested(DEEP).encode())
    assert (await _post_meta(pasokh, "instagram", body)).status == 400


# --- stored on either database ------------------------------------------------------------


async def test_issue_17_oversized_fields_and_nul_store_on_every_database(any_database):
    from adapters.telegram import parse_update
    from adapters.whatsapp.parse import parse_webhook
    from core.bus import InProcessBus
    from core.inbox import Inbox
    from core.models import Channel

    telegram = await Channel.create(platform="telegram", key="1", name="t")
    whatsapp = await Channel.create(platform="whatsapp", key=PHONE_NUMBER_ID, name="w")
    update = _telegram(80, text="a\x00b")
    update["message"]["from"].update(first_name="ن" * 100_000, username="u" * 1000,
                                     language_code="x" * 50)
    update["message"]["chat"]["id"] = 10**40
    events = parse_update(json.dumps(update).encode(), telegram.id)
    events += parse_webhook(_wa_body(_wa_message("wamid." + "x" * 500), name="N\x00" * 2000),
                            {PHONE_NUMBER_ID: whatsapp.id}.get)
    inbox = Inbox(InProcessBus())
    await inbox.start()
    try:
        stored = await inbox.ingest(events)
    finally:
        await inbox.close()
    assert len(stored) == 2
    names = sorted(len(identity.display_name) for identity in await Identity.all())
    assert names == [NAME_CHARS, NAME_CHARS]
    assert {m.text for m in await _inbound()} == {"ab", "good wamid." + "x" * 500}
    assert max(len(m.external_id) for m in await _inbound()) == ID_CHARS


@pytest.mark.parametrize("size", [-(2**63) - 1, 2**64, -1], ids=["under-64-bits", "2^64", "-1"])
async def test_issue_17_telegram_file_size_out_of_range_is_unknown(pasokh, size):
    """Found by the generated payloads: a size past 64 bits could not be written as JSON, so
    the update was refused with 503 on every delivery."""
    update = _telegram(75, voice={"duration": 3, "mime_type": "audio/ogg", "file_id": "AwAC",
                                  "file_unique_id": "AgAD", "file_size": size})
    del update["message"]["text"]
    response = await post_update(pasokh, update)
    assert response.status == 200
    (message,) = await _inbound()
    assert message.kind == "voice"
    assert message.media["size"] is None
