"""Every Telegram payload of the shared corpus is accepted and translated."""

from __future__ import annotations

import json

import pytest

from adapters import BadPayload
from adapters.telegram import parse_polled, parse_update
from core.events import ChatType, EventKind, MessageKind
from tests.conftest import corpus_files

IGNORED = {"channel_post", "chat_member", "chosen_inline_result", "inline_query",
           "message_reaction", "pre_checkout_query"}


@pytest.mark.parametrize("path", corpus_files("telegram"), ids=lambda p: p.stem)
def test_corpus_payload_is_accepted(path):
    events = parse_update(path.read_bytes(), channel_id=7)
    if path.stem in IGNORED:
        assert events == []
        return
    assert len(events) == 1
    event = events[0]
    assert event.channel_id == 7
    assert event.external_id
    assert event.chat_id
    assert event.raw == path.read_text()


@pytest.mark.parametrize(
    ("stem", "kind", "message_kind", "text"),
    [
        ("message_text_private", EventKind.MESSAGE, MessageKind.TEXT, "hello there"),
        ("message_photo_caption", EventKind.MESSAGE, MessageKind.PHOTO, "asdasdasdasdasdasd"),
        ("message_animation", EventKind.MESSAGE, MessageKind.ANIMATION, None),
        ("message_venue", EventKind.MESSAGE, MessageKind.VENUE, None),
        ("message_poll", EventKind.MESSAGE, MessageKind.POLL, None),
        ("message_web_app_data", EventKind.MESSAGE, MessageKind.UNSUPPORTED, None),
        ("message_pinned_service", EventKind.MESSAGE, MessageKind.SERVICE, None),
        ("edited_message", EventKind.EDIT, MessageKind.TEXT, "Editing this message"),
        ("callback_query", EventKind.BUTTON, MessageKind.BUTTON, None),
        ("my_chat_member_blocked", EventKind.BLOCKED, MessageKind.SERVICE, None),
    ],
)
def test_kinds_are_recognised(stem, kind, message_kind, text):
    path = next(p for p in corpus_files("telegram") if p.stem == stem)
    (event,) = parse_update(path.read_bytes(), channel_id=1)
    assert (event.kind, event.message_kind, event.text or None) == (kind, message_kind, text)


def test_photo_keeps_the_largest_size():
    path = next(p for p in corpus_files("telegram") if p.stem == "message_photo_caption")
    payload = json.loads(path.read_text())
    (event,) = parse_update(path.read_bytes(), channel_id=1)
    assert event.media.file_id == payload["message"]["photo"][-1]["file_id"]


def test_callback_carries_its_data_and_the_id_to_acknowledge():
    path = next(p for p in corpus_files("telegram") if p.stem == "callback_query")
    (event,) = parse_update(path.read_bytes(), channel_id=1)
    assert event.button_payload == "thedata"
    assert event.ack_token == "666728699048485871"
    assert event.external_id == "callback:666728699048485871"


def test_an_edit_has_the_identity_of_the_message_it_changes():
    path = next(p for p in corpus_files("telegram") if p.stem == "edited_message")
    payload = json.loads(path.read_text())["edited_message"]
    (event,) = parse_update(path.read_bytes(), channel_id=1)
    assert event.external_id == f"{payload['chat']['id']}:{payload['message_id']}"


def test_supergroup_messages_are_group_chats():
    path = next(p for p in corpus_files("telegram") if p.stem == "message_text_supergroup")
    (event,) = parse_update(path.read_bytes(), channel_id=1)
    assert event.chat_type is ChatType.GROUP


def test_user_without_username_or_last_name():
    body = (b'{"update_id":1,"message":{"message_id":2,"date":1700000000,'
            b'"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"\xd8\xb9\xd9\x84\xdb\x8c"},'
            b'"text":"hi"}}')
    (event,) = parse_update(body, channel_id=1)
    assert event.sender.display_name == "علی"
    assert event.sender.username is None


def test_unknown_update_kind_is_ignored():
    assert parse_update(b'{"update_id": 9, "some_future_kind": {"x": 1}}', channel_id=1) == []


def test_business_message_keeps_the_connection_for_the_reply():
    body = (b'{"update_id":1,"business_message":{"message_id":2,"date":1700000000,'
            b'"business_connection_id":"bc-1","chat":{"id":5,"type":"private"},'
            b'"from":{"id":5,"is_bot":false,"first_name":"A"},"text":"hi"}}')
    (event,) = parse_update(body, channel_id=1)
    assert event.route == {"business_connection_id": "bc-1"}


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"message": {}}', b'{"update_id": "x"}', b"", b'"text"'],
    ids=["broken", "array", "no-update-id", "wrong-type", "empty", "string"],
)
def test_bad_payloads_raise_bad_payload(body):
    with pytest.raises(BadPayload):
        parse_update(body, channel_id=1)


def test_polled_update_is_parsed_like_a_webhook():
    path = next(p for p in corpus_files("telegram") if p.stem == "message_text_private")
    assert parse_polled(json.loads(path.read_text()), 1) == parse_update(path.read_bytes(), 1)
