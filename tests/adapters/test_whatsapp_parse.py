"""Every WhatsApp payload of the shared corpus is accepted and translated."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import msgspec
import pytest

from adapters.base import BadPayload
from adapters.whatsapp import parse_webhook
from core.events import ChatType, EventKind, MediaRef, MessageKind, Platform
from tests.conftest import CORPUS, corpus_files

CHANNELS = {"1122334455667": 7, "PHONE_NUMBER_ID": 8, "100000000000001": 9}
NO_EVENTS = {"template_status_update_approved"}


def parse(body: bytes | str | dict) -> list:
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    return parse_webhook(body, CHANNELS.get)


def corpus(stem: str) -> bytes:
    return (CORPUS / "whatsapp" / f"{stem}.json").read_bytes()


def one(stem: str):
    events = parse(corpus(stem))
    assert len(events) == 1, events
    return events[0]


def wrap(*messages: dict, statuses: tuple[dict, ...] = (), phone_number_id="1122334455667",
         contacts: tuple[dict, ...] = ()) -> dict:
    value: dict = {"messaging_product": "whatsapp",
                   "metadata": {"display_phone_number": "1555", "phone_number_id": phone_number_id},
                   "contacts": list(contacts)}
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}


@pytest.mark.parametrize("path", corpus_files("whatsapp"), ids=lambda p: p.stem)
def test_corpus_payload_is_accepted(path):
    events = parse(path.read_bytes())
    if path.stem in NO_EVENTS:
        assert events == []
        return
    assert events
    body = json.loads(path.read_text())
    values = [c["value"] for e in body["entry"] for c in e["changes"]]
    for event in events:
        assert event.platform is Platform.WHATSAPP
        assert event.channel_id in CHANNELS.values()
        assert event.external_id.startswith("wamid.")
        assert event.chat_id
        assert event.chat_type is ChatType.PRIVATE
        assert event.occurred_at.tzinfo is UTC
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.route.items())
        assert json.loads(event.raw) in values  # raw: the JSON of the change's value


@pytest.mark.parametrize(
    ("stem", "kind", "message_kind", "text"),
    [
        ("text", EventKind.MESSAGE, MessageKind.TEXT, "Body Text"),
        ("forwarded_frequently", EventKind.MESSAGE, MessageKind.TEXT,
         "text forwarded many times"),
        ("image", EventKind.MESSAGE, MessageKind.PHOTO, None),
        ("image_with_url", EventKind.MESSAGE, MessageKind.PHOTO, None),
        ("video_forwarded", EventKind.MESSAGE, MessageKind.VIDEO, "caption"),
        ("audio", EventKind.MESSAGE, MessageKind.AUDIO, None),
        ("voice", EventKind.MESSAGE, MessageKind.VOICE, None),
        ("document", EventKind.MESSAGE, MessageKind.DOCUMENT, "caption"),
        ("sticker", EventKind.MESSAGE, MessageKind.STICKER, None),
        ("sticker_animated", EventKind.MESSAGE, MessageKind.STICKER, None),
        ("location", EventKind.MESSAGE, MessageKind.LOCATION, None),
        ("location_named_forwarded", EventKind.MESSAGE, MessageKind.LOCATION,
         "Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025"),
        ("contacts", EventKind.MESSAGE, MessageKind.CONTACT,
         "Chandler Bing +1 555-555-5555; Monica +1 666-666-6666; Rachel Green +1 777-777-7777"),
        ("interactive_button_reply", EventKind.BUTTON, MessageKind.BUTTON, "title"),
        ("interactive_list_reply", EventKind.BUTTON, MessageKind.BUTTON, "title"),
        ("button_template_quick_reply", EventKind.BUTTON, MessageKind.BUTTON, "title"),
        ("reaction", EventKind.MESSAGE, MessageKind.REACTION, "\U0001f62e"),
        ("order", EventKind.MESSAGE, MessageKind.ORDER,
         "order: 3 items (7 units) from catalog 354160437058781"),
        ("system_number_change", EventKind.MESSAGE, MessageKind.SERVICE,
         "User A changed from 972987654321 to 972912345678"),
        ("unsupported", EventKind.MESSAGE, MessageKind.UNSUPPORTED, None),
        ("message_with_errors", EventKind.MESSAGE, MessageKind.UNSUPPORTED, None),
        ("referral_ctwa_ad", EventKind.MESSAGE, MessageKind.TEXT, "BODY"),
        ("reply_context", EventKind.MESSAGE, MessageKind.TEXT, "replied text"),
    ],
)
def test_message_kinds(stem, kind, message_kind, text):
    event = one(stem)
    assert (event.kind, event.message_kind, event.text) == (kind, message_kind, text)


def test_text_message_fields():
    event = one("text")
    assert event.channel_id == 7
    assert event.external_id == "wamid.xyzxyz"
    assert event.chat_id == "972987654321"
    assert event.sender.external_id == "972987654321"
    assert event.sender.phone == "972987654321"
    assert event.sender.display_name == "Test Name"
    assert event.occurred_at == datetime.fromtimestamp(1697043223, UTC)
    assert event.route == {}
    assert event.media is None


def test_media_refs():
    assert one("image").media == MediaRef(file_id="65463453", mime_type="image/jpeg")
    assert one("video_forwarded").media == MediaRef(file_id="765756756", mime_type="video/mp4")
    assert one("voice").media == MediaRef(file_id="1234567890987654321",
                                          mime_type="audio/ogg; codecs=opus")
    assert one("document").media == MediaRef(file_id="1234567890987654321",
                                             mime_type="application/pdf",
                                             file_name="filename.pdf")
    assert one("sticker").media == MediaRef(file_id="1234567890987654321",
                                            mime_type="image/webp")


def test_buttons_carry_their_payload():
    for stem in ("interactive_button_reply", "interactive_list_reply",
                 "button_template_quick_reply"):
        assert one(stem).button_payload == "callback_data"
    assert one("interactive_list_reply").external_id == "wamid.zyzxyz"
    assert one("button_template_quick_reply").route == {"reply_to": "wamid.xyzxyz=="}


def test_routes():
    assert one("reply_context").route == {"reply_to": "wamid.xyzxyz=="}
    assert one("video_forwarded").route == {}  # a forward's context has no id
    assert one("referral_ctwa_ad").route == {"referral_source": "AD_OR_POST_FB_URL"}
    assert one("reaction").route == {"reacted_to": "wamid.yzxyzx="}
    assert one("message_with_errors").route == {"reply_to": "wamid.gvwegfretge=="}


def test_referral_without_url_uses_source_id():
    message = {"from": "1", "id": "wamid.R", "timestamp": "1", "type": "text",
               "text": {"body": "hi"}, "referral": {"source_id": "ADID", "source_type": "ad"}}
    [event] = parse(wrap(message))
    assert event.route == {"referral_source": "ADID"}


def test_removed_reaction_has_no_text():
    message = {"from": "1", "id": "wamid.R", "timestamp": "1", "type": "reaction",
               "reaction": {"message_id": "wamid.OURS", "emoji": ""}}
    [event] = parse(wrap(message))
    assert event.message_kind is MessageKind.REACTION
    assert event.text is None
    assert event.route == {"reacted_to": "wamid.OURS"}


def test_system_message_without_contacts_has_a_sender():
    event = one("system_number_change")
    assert event.sender.external_id == "972987654321"
    assert event.sender.display_name == ""
    assert event.chat_id == "972987654321"


@pytest.mark.parametrize(
    "message",
    [
        {"type": "hologram", "hologram": {"id": "x"}},  # a type we have never heard of
        {"type": "image", "image": {"caption": "no id"}},  # content that does not decode
        {"type": "image", "image": "not an object"},
        {"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {}}},
        {"type": "text"},  # the text itself is missing
    ],
)
def test_unknown_or_broken_content_is_unsupported(message):
    message = {"from": "1555", "id": "wamid.U", "timestamp": "1700000000", **message}
    [event] = parse(wrap(message))
    assert event.message_kind is MessageKind.UNSUPPORTED
    assert event.kind is EventKind.MESSAGE
    assert event.external_id == "wamid.U"
    assert event.chat_id == "1555"


def test_message_without_id_is_skipped_but_the_rest_is_kept(caplog):
    good = {"from": "1", "id": "wamid.G", "timestamp": "1", "type": "text", "text": {"body": "x"}}
    events = parse(wrap({"type": "text", "text": {"body": "who?"}}, good))
    assert [e.external_id for e in events] == ["wamid.G"]


@pytest.mark.parametrize(
    ("stem", "status"),
    [("status_sent", "sent"), ("status_delivered", "delivered"), ("status_read", "read"),
     ("status_played", "played"), ("status_failed", "failed"), ("status_sent_minimal", "sent")],
)
def test_statuses(stem, status):
    event = one(stem)
    assert event.kind is EventKind.STATUS
    assert event.message_kind is MessageKind.SERVICE
    assert event.delivery_status == status
    assert event.external_id.startswith("wamid.")
    assert event.chat_id == event.sender.external_id
    assert event.sender.display_name == ""
    if status != "failed":
        assert event.delivery_error is None


def test_status_fields():
    event = one("status_sent_minimal")
    assert event.channel_id == 9
    assert event.external_id == "wamid.FAKE_MSG_SENT_001"
    assert event.chat_id == "15550002222"
    assert event.occurred_at == datetime.fromtimestamp(1772998034, UTC)


def test_failed_status_error_text():
    assert one("status_failed").delivery_error == (
        "130472: User's number is part of an experiment (Failed to send message because "
        "this user's phone number is part of an experiment)")


def test_failed_status_error_without_details():
    status = {"id": "wamid.F", "status": "failed", "timestamp": "1", "recipient_id": "1",
              "errors": [{"code": 131026, "title": "Message undeliverable"}]}
    [event] = parse(wrap(statuses=(status,)))
    assert event.delivery_error == "131026: Message undeliverable"


def test_batch_with_two_changes_yields_both_in_order():
    events = parse(corpus("batch_two_changes"))
    assert [e.text for e in events] == ["MESSAGE_BODY", "MESSAGE_BODY2"]
    assert [e.channel_id for e in events] == [8, 8]
    assert events[0].occurred_at < events[1].occurred_at
    assert json.loads(events[0].raw) != json.loads(events[1].raw)  # each keeps its own value


def test_every_entry_change_message_and_status_in_order():
    def text(n):
        return {"from": "1", "id": f"wamid.M{n}", "timestamp": str(n), "type": "text",
                "text": {"body": f"m{n}"}}

    def status(n):
        return {"id": f"wamid.S{n}", "status": "read", "timestamp": str(n), "recipient_id": "1"}

    first = wrap(text(1), text(2), statuses=(status(3),))
    second = wrap(text(4), statuses=(status(5), status(6)))
    template = json.loads(corpus("template_status_update_approved"))["entry"][0]
    body = {"object": "whatsapp_business_account",
            "entry": [first["entry"][0], template, second["entry"][0]]}
    body["entry"][0]["changes"].append(second["entry"][0]["changes"][0])
    events = parse(body)
    assert [e.external_id for e in events] == [
        "wamid.M1", "wamid.M2", "wamid.S3", "wamid.M4", "wamid.S5", "wamid.S6",
        "wamid.M4", "wamid.S5", "wamid.S6"]
    assert [e.kind for e in events[:3]] == [EventKind.MESSAGE, EventKind.MESSAGE,
                                             EventKind.STATUS]


def test_sender_is_matched_by_wa_id():
    contacts = ({"profile": {"name": "Ana"}, "wa_id": "111"},
                {"profile": {"name": "Bo"}, "wa_id": "222"})
    messages = [{"from": who, "id": f"wamid.{who}", "timestamp": "1", "type": "text",
                 "text": {"body": "x"}} for who in ("222", "111", "333")]
    events = parse(wrap(*messages, contacts=contacts))
    assert [(e.sender.external_id, e.sender.display_name) for e in events] == [
        ("222", "Bo"), ("111", "Ana"), ("333", "")]


def test_unknown_phone_number_id_is_skipped_with_a_log_line(caplog):
    body = json.loads(corpus("batch_two_changes"))
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999000"
    with caplog.at_level(logging.INFO, logger="adapters.whatsapp.parse"):
        events = parse(body)
    assert [e.text for e in events] == ["MESSAGE_BODY2"]
    assert "999000" in caplog.text


def test_other_fields_are_ignored_with_a_log_line(caplog):
    with caplog.at_level(logging.INFO, logger="adapters.whatsapp.parse"):
        assert parse(corpus("template_status_update_approved")) == []
    assert "message_template_status_update" in caplog.text


def test_messages_change_of_the_wrong_shape_is_skipped(caplog):
    body = {"object": "whatsapp_business_account",
            "entry": [{"id": "W", "changes": [{"field": "messages", "value": {"x": 1}}]}]}
    with caplog.at_level(logging.INFO, logger="adapters.whatsapp.parse"):
        assert parse(body) == []
    assert "unexpected shape" in caplog.text


def test_raw_is_the_change_value():
    event = one("text")
    value = json.loads(corpus("text"))["entry"][0]["changes"][0]["value"]
    assert json.loads(event.raw) == value
    assert msgspec.json.decode(event.raw.encode()) == value


@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"[]", b'{"entry": "x"}', b'{"object": "x", "entry": "x"}',
     b'{"object": "whatsapp_business_account"}', b'{"object": 1, "entry": []}'],
)
def test_bad_bodies_raise_bad_payload(body):
    with pytest.raises(BadPayload):
        parse_webhook(body, CHANNELS.get)


def test_issue_17_a_broken_entry_costs_only_itself():
    body = b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "x"}]}]}'
    assert parse_webhook(body, CHANNELS.get) == []


def test_empty_entry_list_is_no_events():
    assert parse({"object": "whatsapp_business_account", "entry": []}) == []
