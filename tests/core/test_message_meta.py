"""Issue 13: a message's meta is one typed struct, read and written in one place."""

from __future__ import annotations

from core.actions import SystemEvent
from core.events import ChatType
from core.message_meta import MessageMeta, decode_meta, encode_meta


def test_issue_13_meta_round_trips_and_leaves_unset_fields_out():
    meta = MessageMeta(chat_type=ChatType.GROUP, button_payload="m:1", ack_token="cb-7")
    assert encode_meta(meta) == '{"chat_type":"group","button_payload":"m:1","ack_token":"cb-7"}'
    assert decode_meta(encode_meta(meta)) == meta
    assert encode_meta(MessageMeta()) == "{}"


def test_issue_13_rows_stored_before_read_as_they_were_written():
    # As SQLite hands them back (text) and as a JSON codec would (a dict); "legacy" is a
    # key no version reads any more.
    bot = decode_meta('{"buttons": [["منو", "menu"]], "legacy": 1}')
    assert bot == MessageMeta(buttons=(("منو", "menu"),))
    order = decode_meta({"event": "order_status", "order_id": "12", "outcome": "found",
                         "status": "shipped", "updated_at": None, "tracking_code": None})
    assert order.event is SystemEvent.ORDER_STATUS and order.outcome == "found"
    assert order.event_data() == {"event": "order_status", "order_id": "12",
                                  "outcome": "found", "status": "shipped"}
    assert decode_meta({"echo": True, "by": 3}) == MessageMeta(echo=True, by=3)


def test_issue_13_a_row_that_cannot_be_read_is_empty_not_an_error():
    assert decode_meta('{"by": "not a user id"}') == MessageMeta()
    assert decode_meta("not json") == MessageMeta()
    assert decode_meta(None) == MessageMeta()


def test_issue_13_only_system_events_carry_event_data():
    assert MessageMeta(by=3, template="order_update").event_data() == {}
