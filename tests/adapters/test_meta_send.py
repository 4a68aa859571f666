"""What WhatsApp and Instagram are sent: the platforms' limits, in the bodies themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.instagram.transport import InstagramTransport
from adapters.instagram.transport import render as instagram_bodies
from adapters.meta.graph import GraphRefused, graph_error
from adapters.whatsapp.transport import WhatsAppTransport
from adapters.whatsapp.transport import render as whatsapp_bodies
from core.delivery import PermanentError, RecipientUnreachable, RetryLater, TransientError
from core.events import Button, OutboundAuthor, OutboundKind, OutboundMessage, Platform, Template


def _message(platform: Platform, text: str = "چه کمکی از ما ساخته است؟", buttons: int = 0,
             title: str = "گزینه", **extra) -> OutboundMessage:
    return OutboundMessage(
        platform=platform, channel_id=1, chat_id="989121234567", text=text,
        buttons=tuple(Button(title=f"{title} {n}", payload=f"m:{n}") for n in range(buttons)),
        **extra)


def test_whatsapp_shows_up_to_three_short_buttons_as_reply_buttons():
    (body,) = whatsapp_bodies(_message(Platform.WHATSAPP, buttons=3))
    assert body["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in body["interactive"]["action"]["buttons"]] == \
        ["m:0", "m:1", "m:2"]


def test_whatsapp_shows_four_to_ten_buttons_as_a_list():
    (body,) = whatsapp_bodies(_message(Platform.WHATSAPP, buttons=10))
    assert body["interactive"]["type"] == "list"
    assert len(body["interactive"]["action"]["sections"][0]["rows"]) == 10
    assert body["interactive"]["action"]["button"] == "گزینه‌ها"


LONG_TITLE = "عنوانی که از بیست و چهار نویسه بلندتر است"


@pytest.mark.parametrize("buttons, title", [(11, "گزینه"), (2, LONG_TITLE)])
def test_whatsapp_writes_out_what_it_cannot_show_as_a_numbered_menu(buttons, title):
    (body,) = whatsapp_bodies(_message(Platform.WHATSAPP, buttons=buttons, title=title))
    assert body["type"] == "text"
    lines = body["text"]["body"].splitlines()
    assert lines[0] == "چه کمکی از ما ساخته است؟"
    assert lines[2].startswith("۱. ")
    assert len(lines) == 2 + buttons


def test_whatsapp_splits_text_over_4096_characters_at_word_ends():
    words = " ".join(["سفارش"] * 1500)  # 8,999 characters
    bodies = whatsapp_bodies(_message(Platform.WHATSAPP, text=words))
    assert len(bodies) == 3
    assert all(len(b["text"]["body"]) <= 4096 for b in bodies)
    assert " ".join(b["text"]["body"] for b in bodies) == words


def test_whatsapp_template_carries_name_language_and_parameters():
    message = _message(Platform.WHATSAPP, kind=OutboundKind.TEMPLATE,
                       template=Template(name="order_update", language="fa",
                                         parameters=("۱۲۳۴",)))
    (body,) = whatsapp_bodies(message)
    assert body["template"]["name"] == "order_update"
    assert body["template"]["language"] == {"code": "fa"}
    assert body["template"]["components"][0]["parameters"] == [{"type": "text", "text": "۱۲۳۴"}]


def test_whatsapp_free_replies_have_a_24_hour_window_and_templates_none():
    transport = WhatsAppTransport(None, graph_base="", token="t", phone_number_id="1")  # type: ignore[arg-type]
    assert transport.reply_window(_message(Platform.WHATSAPP)) == timedelta(hours=24)
    template = _message(Platform.WHATSAPP, kind=OutboundKind.TEMPLATE,
                        template=Template(name="hello", language="fa"))
    assert transport.reply_window(template) is None


def test_whatsapp_paces_each_customer_and_the_number():
    transport = WhatsAppTransport(None, graph_base="", token="t", phone_number_id="555")  # type: ignore[arg-type]
    paces = {p.limit: p for p in transport.pacing(_message(Platform.WHATSAPP))}
    assert paces["whatsapp-customer"].key == "555:989121234567"
    assert paces["whatsapp-customer"].burst == 45
    assert paces["whatsapp-customer"].interval >= 6.0
    assert paces["whatsapp-number"].interval >= 1 / 80


def test_instagram_quick_replies_up_to_thirteen_else_numbered():
    (fits,) = instagram_bodies(_message(Platform.INSTAGRAM, buttons=13))
    assert len(fits["quick_replies"]) == 13
    (numbered,) = instagram_bodies(_message(Platform.INSTAGRAM, buttons=14))
    assert "quick_replies" not in numbered
    assert "۱۴. گزینه 13" in numbered["text"]


def test_instagram_text_is_cut_to_1000_bytes_and_the_buttons_go_on_the_last_piece():
    text = " ".join(["پیگیری"] * 300)  # 3,299 bytes in UTF-8
    bodies = instagram_bodies(_message(Platform.INSTAGRAM, text=text, buttons=2))
    assert len(bodies) >= 4
    assert all(len(b["text"].encode()) <= 1000 for b in bodies)
    assert "quick_replies" in bodies[-1] and all("quick_replies" not in b for b in bodies[:-1])


def test_instagram_bot_introduces_itself_but_an_agent_does_not():
    first = _message(Platform.INSTAGRAM, introduces_bot=True)
    assert instagram_bodies(first)[0]["text"].startswith("این پاسخ خودکار است.")
    agent = _message(Platform.INSTAGRAM, introduces_bot=True, author=OutboundAuthor.AGENT)
    assert instagram_bodies(agent)[0]["text"] == agent.text


def test_instagram_windows_bot_a_day_agent_a_week():
    transport = InstagramTransport(None, graph_base="", token="t", account_id="1")  # type: ignore[arg-type]
    assert transport.reply_window(_message(Platform.INSTAGRAM)) == timedelta(hours=24)
    agent = _message(Platform.INSTAGRAM, author=OutboundAuthor.AGENT)
    assert transport.reply_window(agent) == timedelta(days=7)


@pytest.mark.parametrize("status, code, expected", [
    (400, 130429, RetryLater), (400, 131056, RetryLater), (400, 80007, RetryLater),
    (400, 613, RetryLater), (429, None, RetryLater), (500, 1, TransientError),
    (503, None, TransientError), (400, 131026, GraphRefused), (400, 131047, GraphRefused),
    (400, 100, GraphRefused), (400, 551, RecipientUnreachable),
])
def test_graph_errors_map_to_retry_or_record(status, code, expected):
    error = graph_error("WhatsApp", status, {"code": code, "message": f"(#{code}) x"})
    assert type(error) is expected
    if expected is GraphRefused:
        assert isinstance(error, PermanentError) and error.code == code
