"""Every Instagram payload of the shared corpus is accepted and translated."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from adapters.base import BadPayload
from adapters.instagram import parse_webhook
from core.events import EventKind, MediaRef, MessageKind, Platform
from tests.conftest import CORPUS, corpus_files

ACCOUNT = "17841400000000000"
CUSTOMER = "200000000000001"


def any_channel(account_id: str) -> int:
    return 7


def parse(body: bytes | dict) -> list:
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return parse_webhook(body, any_channel)


def corpus(stem: str) -> bytes:
    return (CORPUS / "instagram" / f"{stem}.json").read_bytes()


def one(stem: str):
    events = parse(corpus(stem))
    assert len(events) == 1
    return events[0]


def body(*entries: dict) -> dict:
    return {"object": "instagram", "entry": list(entries)}


def messaging(*items: dict, account: str = ACCOUNT) -> dict:
    return {"id": account, "time": 1772998024000, "messaging": list(items)}


def item(content: dict, *, sender: str = CUSTOMER, recipient: str = ACCOUNT,
         timestamp: int = 1772998024000) -> dict:
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": timestamp,
            **content}


@pytest.mark.parametrize("path", corpus_files("instagram"), ids=lambda p: p.stem)
def test_corpus_payload_is_accepted(path):
    events = parse_webhook(path.read_bytes(), any_channel)
    assert len(events) == 1  # every corpus body carries exactly one item
    event = events[0]
    assert event.platform is Platform.INSTAGRAM
    assert event.channel_id == 7
    assert event.external_id
    assert event.chat_id
    assert event.occurred_at.tzinfo is UTC
    raw = json.loads(event.raw)  # the item's own JSON, not the whole body
    entry = json.loads(path.read_text())["entry"][0]
    assert raw in entry.get("messaging", []) + entry.get("changes", [])


@pytest.mark.parametrize(
    ("stem", "kind", "message_kind", "external_id", "text"),
    [
        ("text_message", EventKind.MESSAGE, MessageKind.TEXT, "mid_ig_text_001",
         "Do you ship to Córdoba?"),
        ("text_message_real", EventKind.MESSAGE, MessageKind.TEXT,
         "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDc4ODU0OTgwNTAyOjM0MDI4MjM2Njg0MTcxMDMw"
         "MTI0NDI2MDA1OTYyNTM3MzM1MTUzNTozMjY5NTA0MTEzNjI1MzUxODM2ODk4MjYxNTQwNTM2MzIwMAZDZD",
         "Hola"),
        ("image_attachment", EventKind.MESSAGE, MessageKind.PHOTO, "mid.image.1", None),
        ("story_mention", EventKind.MESSAGE, MessageKind.STORY, "mid.story.mention.1", None),
        ("story_reply", EventKind.MESSAGE, MessageKind.STORY, "mid_ig_story_001",
         "Is this available?"),
        ("quick_reply", EventKind.BUTTON, MessageKind.BUTTON, "mid_ig_quick_001", "Yes"),
        ("postback", EventKind.BUTTON, MessageKind.BUTTON, "mid.postback.1", "Track order"),
        ("message_echo", EventKind.ECHO, MessageKind.TEXT, "mid_ig_echo_001", "Bot response"),
        ("read_receipt", EventKind.READ, MessageKind.SERVICE, "MESSAGE-ID", None),
        ("reaction_react", EventKind.MESSAGE, MessageKind.REACTION,
         f"reaction:mid_ig_text_001:{CUSTOMER}:1772998044000", "❤️"),
        ("comment_feed", EventKind.MESSAGE, MessageKind.COMMENT, "comment:18175138858377453",
         "Gg"),
        ("comment_with_parent", EventKind.MESSAGE, MessageKind.COMMENT, "comment:123456789",
         "This is an example."),
        ("mention", EventKind.MESSAGE, MessageKind.COMMENT, "comment:17887498072083520", None),
    ],
)
def test_corpus_kinds(stem, kind, message_kind, external_id, text):
    event = one(stem)
    assert (event.kind, event.message_kind, event.external_id, event.text) == (
        kind, message_kind, external_id, text)


def test_customer_is_the_sender_and_has_no_name():
    event = one("text_message_real_compact")
    assert event.sender.external_id == event.chat_id == "1129842642640637"
    assert event.sender.display_name == ""
    assert event.text == "Oi"
    assert event.occurred_at == datetime(2025, 11, 1, 18, 5, 15, 339000, tzinfo=UTC)


def test_attachment_url_is_only_a_reference():
    event = one("image_attachment")
    assert event.media == MediaRef(file_id="https://cdn.example.com/product.jpg")
    assert event.media.mime_type is None
    assert one("story_mention").media == MediaRef(file_id="https://cdn.example.com/mention.jpg")


def test_story_reply_keeps_the_story():
    event = one("story_reply")
    assert event.route == {"story_id": "17900000000000001"}
    assert event.media == MediaRef(file_id="https://cdn.example.com/story.jpg")


def test_quick_reply_and_postback_carry_their_payload():
    assert one("quick_reply").button_payload == 'chat:{"a":"confirm","v":"yes"}'
    assert one("postback").button_payload == 'chat:{"a":"track"}'
    assert one("postback").sender.external_id == CUSTOMER


def test_postback_without_mid_gets_a_stable_id():
    content = {"postback": {"title": "Menu", "payload": "MENU"}}
    first = parse(body(messaging(item(content, timestamp=1700000000123))))
    again = parse(body(messaging(item(content, timestamp=1700000000123))))
    assert first[0].external_id == again[0].external_id == f"postback:{CUSTOMER}:1700000000123"
    assert first[0].text == "Menu"


def test_echo_belongs_to_the_recipient():
    event = one("message_echo")
    assert event.chat_id == event.sender.external_id == CUSTOMER


def test_read_receipt():
    event = one("read_receipt")
    assert event.chat_id == "5614879045272581"
    assert event.occurred_at == datetime(2022, 11, 9, 19, 32, 13, 735000, tzinfo=UTC)
    by_watermark = parse(body(messaging(item({"read": {"watermark": 1772998000000}}))))
    assert by_watermark[0].kind is EventKind.READ
    assert by_watermark[0].external_id == "watermark:1772998000000"


def test_reaction_points_at_the_message_and_unreact_has_no_text():
    event = one("reaction_react")
    assert event.route == {"reacted_to": "mid_ig_text_001"}
    unreact = parse(body(messaging(item(
        {"reaction": {"mid": "mid_ig_text_001", "action": "unreact"}}, timestamp=1772998099000
    ))))
    assert unreact[0].message_kind is MessageKind.REACTION
    assert unreact[0].text is None
    assert unreact[0].external_id == f"reaction:mid_ig_text_001:{CUSTOMER}:1772998099000"
    assert unreact[0].external_id != event.external_id


def test_deleted_message():
    events = parse(body(messaging(item({"message": {"mid": "mid.gone", "is_deleted": True}}))))
    assert [(e.kind, e.external_id, e.chat_id) for e in events] == [
        (EventKind.DELETE, "mid.gone", CUSTOMER)]


def test_edited_message():
    edit = {"message_edit": {"mid": "mid.1", "text": "fixed typo", "num_edit": 1}}
    events = parse(body(messaging(item(edit))))
    assert [(e.kind, e.external_id, e.text) for e in events] == [
        (EventKind.EDIT, "mid.1", "fixed typo")]


@pytest.mark.parametrize(
    ("attachment", "message_kind"),
    [
        ("image", MessageKind.PHOTO),
        ("video", MessageKind.VIDEO),
        ("audio", MessageKind.AUDIO),
        ("file", MessageKind.DOCUMENT),
        ("sticker", MessageKind.STICKER),
        ("like_heart", MessageKind.STICKER),
        ("story_mention", MessageKind.STORY),
        ("something_new", MessageKind.UNSUPPORTED),
    ],
)
def test_attachment_kinds(attachment, message_kind):
    message = {"mid": "m", "attachments": [{"type": attachment,
                                            "payload": {"url": "https://x.example/f"}}]}
    (event,) = parse(body(messaging(item({"message": message}))))
    assert event.kind is EventKind.MESSAGE
    assert event.message_kind is message_kind
    assert event.media == MediaRef(file_id="https://x.example/f")


def test_comment_routes_let_a_private_reply_answer_it():
    event = one("comment_feed")
    assert event.sender.external_id == event.chat_id == "2978593885678283"
    assert event.sender.username == event.sender.display_name == "lean396"
    assert event.route == {"comment_id": "18175138858377453", "media_id": "18568121155011336",
                           "source": "comments"}
    assert event.occurred_at == datetime.fromtimestamp(1772390718, UTC)
    reply = one("comment_with_parent")
    assert reply.route["parent_id"] == "987654321"
    assert reply.route["comment_id"] == "123456789"
    assert reply.route["media_id"] == "76543987"


def test_mention_has_the_ids_meta_sends():
    event = one("mention")
    assert event.route == {"comment_id": "17887498072083520", "media_id": "17887498072083520",
                           "source": "mentions"}
    caption = parse(body({"id": ACCOUNT, "time": 1, "changes": [
        {"field": "mentions", "value": {"media_id": "555"}}]}))
    assert caption[0].external_id == "mention:555"


def test_business_own_comment_is_not_a_customer_message():
    own = {"field": "comments", "value": {"id": "9", "text": "thanks!",
                                          "from": {"id": ACCOUNT, "username": "shop"}}}
    assert parse(body({"id": ACCOUNT, "time": 1, "changes": [own]})) == []


def test_other_fields_yield_nothing(caplog):
    change = {"field": "story_insights", "value": {"media_id": "1", "impressions": 3}}
    with caplog.at_level(logging.INFO, logger="adapters.instagram.parse"):
        assert parse(body({"id": ACCOUNT, "time": 1, "changes": [change]})) == []
    assert "story_insights" in caplog.text


def test_batch_keeps_every_entry_and_item_in_order():
    first = messaging(
        item({"message": {"mid": "m1", "text": "hi"}}),
        item({"reaction": {"mid": "m1", "action": "react", "emoji": "👍"}}),
        item({"message": {"mid": "m2", "text": "echo", "is_echo": True}},
             sender=ACCOUNT, recipient=CUSTOMER),
    )
    second = messaging(
        item({"read": {"mid": "m2"}}, sender="300"),
        item({"postback": {"mid": "p1", "title": "Go", "payload": "GO"}}, sender="300"),
        account="17841499999999999",
    )
    third = {"id": ACCOUNT, "time": 1519399307, "changes": [
        {"field": "comments", "value": {"id": "c1", "text": "nice",
                                        "from": {"id": "400", "username": "u"},
                                        "media": {"id": "md"}}}]}
    events = parse(body(first, second, third))
    assert [(e.kind, e.external_id) for e in events] == [
        (EventKind.MESSAGE, "m1"),
        (EventKind.MESSAGE, f"reaction:m1:{CUSTOMER}:1772998024000"),
        (EventKind.ECHO, "m2"),
        (EventKind.READ, "m2"),
        (EventKind.BUTTON, "p1"),
        (EventKind.MESSAGE, "comment:c1"),
    ]
    assert [json.loads(e.raw) for e in events[:3]] == first["messaging"]


def test_entry_for_unknown_account_is_skipped(caplog):
    channels = {ACCOUNT: 7}
    payload = body(messaging(item({"message": {"mid": "a", "text": "x"}}), account="666"),
                   messaging(item({"message": {"mid": "b", "text": "y"}})))
    with caplog.at_level(logging.WARNING, logger="adapters.instagram.parse"):
        events = parse_webhook(json.dumps(payload).encode(), channels.get)
    assert [(e.channel_id, e.external_id) for e in events] == [(7, "b")]
    assert "666" in caplog.text


def test_unknown_items_never_raise():
    payload = body(messaging(
        item({"referral": {"ref": "ad", "source": "ADS"}}, timestamp=1772998000000),
        {"optin": {"ref": "x"}},  # no sender: skipped
        item({"message": {"mid": "weird", "text": 5}}),  # wrong type: kept as unsupported
        item({"message": {"mid": "u", "is_unsupported": True}}),
        "not an object",  # skipped
    ))
    events = parse(payload)
    assert [(e.kind, e.message_kind, e.external_id) for e in events] == [
        (EventKind.MESSAGE, MessageKind.UNSUPPORTED, f"referral:{CUSTOMER}:1772998000000"),
        (EventKind.MESSAGE, MessageKind.UNSUPPORTED, f"undecodable:{CUSTOMER}:1772998024000"),
        (EventKind.MESSAGE, MessageKind.UNSUPPORTED, "u"),
    ]


def test_broken_changes_never_raise():
    entry = {"id": ACCOUNT, "time": 1, "changes": [
        {"field": "comments", "value": {"no": "id"}},
        {"field": "mentions"},
        7,
        {"field": "comments", "value": {"id": 42, "text": "ok", "from": {"id": 5}}},
    ]}
    events = parse(body(entry))
    assert [(e.external_id, e.sender.external_id, e.route["comment_id"]) for e in events] == [
        ("comment:42", "5", "42")]


def test_page_object_is_accepted():
    payload = {"object": "page", "entry": [messaging(item({"message": {"mid": "p",
                                                                        "text": "hi"}}))]}
    assert [e.external_id for e in parse(payload)] == ["p"]


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"",
        b"[]",
        b'{"entry": "x"}',
        b'{"object": "instagram", "entry": "x"}',
        b'{"object": "whatsapp_business_account", "entry": []}',
        b'{"object": "instagram"}',
    ],
)
def test_bad_bodies_raise(raw):
    with pytest.raises(BadPayload):
        parse_webhook(raw, any_channel)


def test_issue_17_a_broken_entry_costs_only_itself():
    assert parse_webhook(b'{"object": "instagram", "entry": [{"time": 1}]}', any_channel) == []


def test_empty_bodies_are_fine():
    assert parse(body()) == []
    assert parse(body({"id": ACCOUNT, "time": "soon", "messaging": None})) == []
