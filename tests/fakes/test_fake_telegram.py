"""The fake Telegram Bot API, driven over real loopback HTTP with a plain aiohttp client."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram, ManualClock, Upload

TOKEN = DEFAULT_TOKEN
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def telegram():
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def clock():
    return ManualClock()


@pytest.fixture
async def limited(clock):
    """A fake whose flood limits run on a clock the test moves by hand."""
    async with FakeTelegram(clock=clock) as fake:
        yield fake


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    """Calls one fake the way a bot would: POST {base}/bot{token}/{method}."""

    def __init__(self, http: aiohttp.ClientSession, fake: FakeTelegram, token: str = TOKEN):
        self.http, self.fake, self.token = http, fake, token

    def url(self, method: str) -> str:
        return f"{self.fake.base_url}/bot{self.token}/{method}"

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.url(method), json=params) as response:
            return response.status, await response.json()

    async def form(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.url(method), data=params) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert (status, body["ok"]) == (200, True), body
        return body["result"]


@pytest.fixture
def api(http, telegram):
    return Api(http, telegram)


@pytest.fixture
def limited_api(http, limited):
    return Api(http, limited)


def error(status: int, description: str) -> tuple[int, dict[str, Any]]:
    return status, {"ok": False, "error_code": status, "description": description}


def too_many(retry_after: int) -> tuple[int, dict[str, Any]]:
    status, body = error(429, f"Too Many Requests: retry after {retry_after}")
    return status, {**body, "parameters": {"retry_after": retry_after}}


def keyboard(callback_data: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "Yes", "callback_data": callback_data}]]}


def user_message(chat_id: int, text: str) -> dict[str, Any]:
    return {"message": {
        "message_id": 1, "date": 1_700_000_000, "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "Sara"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Sara"},
    }}


# ------------------------------------------------------------------ basics


async def test_get_me_answers_a_get_with_the_token_id(http, telegram):
    async with http.get(f"{telegram.base_url}/bot{TOKEN}/getMe") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        body = await response.json()
    assert body["ok"] is True
    assert body["result"]["id"] == 123456
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"]


async def test_unknown_token_is_401_and_unknown_method_is_404(http, telegram):
    assert await Api(http, telegram, token="999:WRONG")("getMe") == error(401, "Unauthorized")
    assert await Api(http, telegram)("sendTelepathy") == error(404, "Not Found: method not found")


async def test_method_names_are_case_insensitive_and_recorded_canonically(api, telegram):
    await api.ok("SENDMESSAGE", chat_id=5, text="hi")
    await api.ok("getme")
    assert [call.method for call in telegram.calls] == ["sendMessage", "getMe"]
    assert telegram.calls_to("sendmessage")[0].params == {"chat_id": 5, "text": "hi"}
    assert telegram.calls[0].token == TOKEN
    assert telegram.calls[0].status == 200
    assert telegram.calls[0].at <= telegram.calls[1].at


async def test_query_string_parameters_are_accepted(http, telegram):
    url = f"{telegram.base_url}/bot{TOKEN}/sendMessage"
    async with http.get(url, params={"chat_id": "77", "text": "سلام"}) as response:
        body = await response.json()
    assert body["result"]["text"] == "سلام"
    assert telegram.sent_messages(77) == [{"chat_id": 77, "text": "سلام"}]


# ------------------------------------------------------------------ sendMessage


async def test_send_message_returns_a_message_numbered_per_chat(api, telegram):
    first = await api.ok("sendMessage", chat_id=10, text="one")
    second = await api.ok("sendMessage", chat_id=10, text="two")
    other = await api.ok("sendMessage", chat_id=-1001234, text="group")

    assert second["message_id"] == first["message_id"] + 1
    assert first["chat"]["id"] == 10 and first["chat"]["type"] == "private"
    assert other["chat"]["type"] == "supergroup"
    assert first["from"]["is_bot"] is True and first["from"]["id"] == 123456
    assert isinstance(first["date"], int)
    assert first["text"] == "one"
    assert [m["text"] for m in telegram.sent_messages(chat_id=10)] == ["one", "two"]
    assert len(telegram.sent_messages()) == 3


async def test_one_sequence_per_chat_is_shared_by_the_bot_and_the_customer(api, telegram):
    """Issue 17: as Telegram, a chat's ids count the customer's messages and the bot's alike,
    so a redelivered customer message can never carry the id of a reply."""
    told = telegram.push_update(user_message(10, "first"))  # has message_id 1
    unnumbered = user_message(10, "second")
    del unnumbered["message"]["message_id"]
    numbered = telegram.push_update(unnumbered)
    reply = await api.ok("sendMessage", chat_id=10, text="welcome")
    by_generator = telegram.next_message_id(10)
    elsewhere = await api.ok("sendMessage", chat_id=11, text="other chat")

    assert [told["message"]["message_id"], numbered["message"]["message_id"],
            reply["message_id"], by_generator] == [1, 2, 3, 4]
    assert elsewhere["message_id"] == 1


async def test_a_customer_message_numbered_ahead_moves_the_bot_past_it(api, telegram):
    pushed = user_message(12, "hello")
    pushed["message"]["message_id"] = 40
    telegram.push_update(pushed)

    reply = await api.ok("sendMessage", chat_id=12, text="welcome")

    assert reply["message_id"] == 41


async def test_form_encoding_decodes_numbers_and_json_markup(api, telegram):
    markup = keyboard("buy:42")
    status, body = await api.form(
        "sendMessage", chat_id="10", text="pick", reply_markup=json.dumps(markup),
        disable_notification="true",
    )
    assert status == 200
    assert body["result"]["reply_markup"] == markup
    params = telegram.sent_messages(10)[0]
    assert params["reply_markup"] == markup
    assert params["disable_notification"] is True


async def test_markup_given_as_json_string_inside_a_json_body(api):
    markup = json.dumps(keyboard("a"))
    result = await api.ok("sendMessage", chat_id=3, text="x", reply_markup=markup)
    assert result["reply_markup"] == keyboard("a")


async def test_business_connection_and_thread_are_echoed(api):
    result = await api.ok(
        "sendMessage", chat_id=-100777, text="x", message_thread_id=9,
        business_connection_id="bc-1",
    )
    assert result["message_thread_id"] == 9
    assert result["business_connection_id"] == "bc-1"


@pytest.mark.parametrize("text", ["", "   \n ", None])
async def test_empty_text_is_rejected(api, text):
    params = {"chat_id": 1} if text is None else {"chat_id": 1, "text": text}
    assert await api("sendMessage", **params) == error(400, "Bad Request: message text is empty")


async def test_text_is_limited_to_4096_characters_after_entity_parsing(api, telegram):
    await api.ok("sendMessage", chat_id=1, text="ب" * 4096)
    too_long = await api("sendMessage", chat_id=2, text="x" * 4097)
    assert too_long == error(400, "Bad Request: message is too long")
    # Markup does not count: 4096 visible characters wrapped in tags still fit.
    html = "<b>" + "y" * 4000 + "</b>" + "&lt;" * 96
    result = await api.ok("sendMessage", chat_id=3, text=html, parse_mode="HTML")
    assert len(result["text"]) == 4096
    assert len(telegram.sent_messages()) == 2


async def test_html_is_parsed_into_entities_with_utf16_offsets(api):
    text = '😀 <b>bold <i>both</i></b> <a href="https://example.com/?a=1&amp;b=2">link</a>'
    result = await api.ok("sendMessage", chat_id=1, text=text, parse_mode="HTML")
    assert result["text"] == "😀 bold both link"
    assert result["entities"] == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 13, "length": 4, "url": "https://example.com/?a=1&b=2"},
    ]


@pytest.mark.parametrize(("text", "detail"), [
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
])
async def test_bad_html_is_rejected_like_telegram(api, text, detail):
    answer = await api("sendMessage", chat_id=1, text=text, parse_mode="HTML")
    assert answer == error(400, f"Bad Request: can't parse entities: {detail}")


async def test_markdown_v2_needs_reserved_characters_escaped(api):
    answer = await api("sendMessage", chat_id=1, text="Price: 5.0", parse_mode="MarkdownV2")
    reserved = "Character '.' is reserved and must be escaped with the preceding '\\'"
    assert answer == error(400, f"Bad Request: can't parse entities: {reserved}")

    result = await api.ok(
        "sendMessage", chat_id=1, text="*Price:* 5\\.0 [site](https://x.org)",
        parse_mode="MarkdownV2",
    )
    assert result["text"] == "Price: 5.0 site"
    assert result["entities"] == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "offset": 11, "length": 4, "url": "https://x.org"},
    ]
    unclosed = await api("sendMessage", chat_id=1, text="a *b", parse_mode="MarkdownV2")
    assert unclosed == error(
        400, "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 2"
    )


async def test_legacy_markdown_and_unknown_parse_mode(api):
    result = await api.ok("sendMessage", chat_id=1, text="*hi* _there_", parse_mode="Markdown")
    assert result["text"] == "hi there"
    assert [entity["type"] for entity in result["entities"]] == ["bold", "italic"]
    unclosed = await api("sendMessage", chat_id=1, text="snake_case", parse_mode="Markdown")
    assert unclosed == error(400, "Bad Request: can't parse entities: Can't find end of the "
                                  "entity starting at byte offset 5")
    assert await api("sendMessage", chat_id=1, text="x", parse_mode="BBCode") == error(
        400, "Bad Request: unsupported parse_mode"
    )


async def test_callback_data_may_be_at_most_64_bytes(api, telegram):
    await api.ok("sendMessage", chat_id=1, text="x", reply_markup=keyboard("ع" * 32))
    for data in ("ع" * 33, "a" * 65, ""):
        answer = await api("sendMessage", chat_id=1, text="x", reply_markup=keyboard(data))
        assert answer == error(400, "Bad Request: BUTTON_DATA_INVALID")
    assert len(telegram.sent_messages()) == 1


@pytest.mark.parametrize(("markup", "description"), [
    ({"inline_keyboard": {"text": "x"}},
     'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'),
    ({"inline_keyboard": [{"text": "x", "callback_data": "y"}]},
     'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'),
    ({"inline_keyboard": [[{"callback_data": "y"}]]},
     'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String'),
    ({"inline_keyboard": [[{"text": "x"}]]},
     "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
     "inline keyboard"),
    ("{not json", "Bad Request: can't parse reply keyboard markup JSON object"),
])
async def test_malformed_inline_keyboards_are_rejected(api, markup, description):
    answer = await api("sendMessage", chat_id=1, text="x", reply_markup=markup)
    assert answer == error(400, description)


async def test_chat_id_forms(api, telegram):
    assert (await api.ok("sendMessage", chat_id="-100500", text="x"))["chat"]["id"] == -100500
    channel = await api.ok("sendMessage", chat_id="@pasokh_news", text="x")
    assert channel["chat"]["type"] == "channel" and channel["chat"]["id"] < 0
    for bad in ("abc", "@x", 0, [1]):
        answer = await api("sendMessage", chat_id=bad, text="x")
        assert answer == error(400, "Bad Request: chat not found"), bad
    assert await api("sendMessage", text="x") == error(400, "Bad Request: chat_id is empty")


async def test_known_chats_limits_who_can_be_reached(api, telegram):
    telegram.known_chats = {1}
    await api.ok("sendMessage", chat_id=1, text="x")
    assert await api("sendMessage", chat_id=2, text="x") == error(
        400, "Bad Request: chat not found"
    )


async def test_blocked_chat_is_403_and_not_sent(api, telegram):
    telegram.blocked_chats.add(8)
    answer = await api("sendMessage", chat_id=8, text="x")
    assert answer == error(403, "Forbidden: bot was blocked by the user")
    assert telegram.sent_messages(8) == []
    assert telegram.calls_to("sendMessage")[0].status == 403


async def test_pre_with_a_language_and_a_blockquote(api):
    text = '<pre><code class="language-python">print(1)</code></pre>\n<blockquote>q</blockquote>'
    result = await api.ok("sendMessage", chat_id=1, text=text, parse_mode="HTML")
    assert result["text"] == "print(1)\nq"
    assert result["entities"] == [
        {"type": "pre", "offset": 0, "length": 8, "language": "python"},
        {"type": "blockquote", "offset": 9, "length": 1},
    ]


async def test_chat_action_delete_and_commands(api, telegram):
    assert await api.ok("sendChatAction", chat_id=1, action="typing") is True
    assert await api("sendChatAction", chat_id=1, action="dancing") == error(
        400, "Bad Request: wrong parameter action in request"
    )
    sent = await api.ok("sendMessage", chat_id=1, text="x")
    assert await api.ok("deleteMessage", chat_id=1, message_id=sent["message_id"]) is True
    assert await api("deleteMessage", chat_id=1, message_id=sent["message_id"]) == error(
        400, "Bad Request: message to delete not found"
    )
    commands = [{"command": "start", "description": "شروع"}]
    assert await api.ok("setMyCommands", commands=commands) is True
    assert await api.ok("getMyCommands") == commands


# ------------------------------------------------------------------ files


async def test_photo_upload_then_get_file_and_download(http, api, telegram):
    form = aiohttp.FormData()
    form.add_field("chat_id", "12")
    form.add_field("caption", "<b>receipt</b>")
    form.add_field("parse_mode", "HTML")
    form.add_field("photo", b"\x89PNG fake bytes", filename="receipt.png",
                   content_type="image/png")
    async with http.post(api.url("sendPhoto"), data=form) as response:
        body = await response.json()
    assert response.status == 200, body
    message = body["result"]
    assert message["caption"] == "receipt"
    assert message["caption_entities"] == [{"type": "bold", "offset": 0, "length": 7}]
    upload = telegram.sent_messages(12)[0]["photo"]
    assert isinstance(upload, Upload) and upload.filename == "receipt.png"

    file = await api.ok("getFile", file_id=message["photo"][-1]["file_id"])
    assert file["file_size"] == len(b"\x89PNG fake bytes")
    async with http.get(f"{telegram.base_url}/file/bot{TOKEN}/{file['file_path']}") as response:
        assert response.status == 200
        assert await response.read() == b"\x89PNG fake bytes"


async def test_document_by_url_by_known_id_and_by_unknown_id(api, telegram):
    by_url = await api.ok("sendDocument", chat_id=1, document="https://example.com/a/menu.pdf")
    assert by_url["document"]["file_name"] == "menu.pdf"
    assert by_url["document"]["mime_type"] == "application/pdf"

    telegram.add_file("known-id", b"%PDF-1.7")
    again = await api.ok("sendDocument", chat_id=1, document="known-id", caption="again")
    assert again["document"]["file_id"] == "known-id"
    assert again["caption"] == "again"

    assert await api("sendDocument", chat_id=1, document="nope") == error(
        400, "Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert await api("sendDocument", chat_id=1) == error(
        400, "Bad Request: there is no document in the request"
    )


async def test_caption_is_limited_to_1024_characters(api):
    await api.ok("sendPhoto", chat_id=1, photo="https://example.com/p.jpg", caption="c" * 1024)
    answer = await api("sendPhoto", chat_id=1, photo="https://example.com/p.jpg",
                       caption="c" * 1025)
    assert answer == error(400, "Bad Request: message caption is too long")


async def test_added_files_download_and_unknown_ones_do_not(http, api, telegram):
    telegram.add_file("voice-1", b"OggS...", file_path="voice/file_9.oga")
    file = await api.ok("getFile", file_id="voice-1")
    assert file["file_unique_id"]
    assert {key: file[key] for key in ("file_id", "file_size", "file_path")} == {
        "file_id": "voice-1", "file_size": 7, "file_path": "voice/file_9.oga",
    }
    async with http.get(f"{telegram.base_url}/file/bot{TOKEN}/voice/file_9.oga") as response:
        assert await response.read() == b"OggS..."
    async with http.get(f"{telegram.base_url}/file/bot{TOKEN}/voice/none.oga") as response:
        assert response.status == 404
        assert await response.json() == error(404, "Not Found")[1]
    assert await api("getFile", file_id="missing") == error(400, "Bad Request: invalid file_id")


async def test_file_ids_in_pushed_updates_become_known(api, telegram):
    update = user_message(5, "")
    update["message"].pop("text")
    update["message"]["document"] = {"file_id": "from-user", "file_unique_id": "u1"}
    telegram.push_update(update)
    assert (await api.ok("getFile", file_id="from-user"))["file_unique_id"] == "u1"


# ------------------------------------------------------------------ callbacks and edits


async def test_answer_callback_query(api, telegram):
    assert await api.ok("answerCallbackQuery", callback_query_id="q1", text="Done") is True
    invalid = error(400, "Bad Request: query is too old and response timeout expired or "
                         "query ID is invalid")
    assert await api("answerCallbackQuery") == invalid
    assert await api("answerCallbackQuery", callback_query_id="q2", text="t" * 201) == error(
        400, "Bad Request: MESSAGE_TOO_LONG"
    )
    telegram.push_update({"callback_query": {
        "id": "pushed", "chat_instance": "c", "data": "x",
        "from": {"id": 5, "is_bot": False, "first_name": "Sara"},
    }})
    await api.ok("answerCallbackQuery", callback_query_id="pushed")
    assert await api("answerCallbackQuery", callback_query_id="pushed") == invalid


async def test_edit_message_text(api):
    sent = await api.ok("sendMessage", chat_id=4, text="old", reply_markup=keyboard("a"))
    edited = await api.ok("editMessageText", chat_id=4, message_id=sent["message_id"], text="new")
    assert edited["text"] == "new"
    assert "reply_markup" not in edited  # an edit without reply_markup drops the keyboard
    assert "edit_date" in edited

    not_modified = await api("editMessageText", chat_id=4, message_id=sent["message_id"],
                             text="new")
    assert not_modified == error(
        400, "Bad Request: message is not modified: specified new message content and reply "
             "markup are exactly the same as a current content and reply markup of the message"
    )
    assert await api("editMessageText", chat_id=4, message_id=999, text="x") == error(
        400, "Bad Request: message to edit not found"
    )
    assert await api("editMessageText", chat_id=5, message_id=sent["message_id"], text="x") == (
        error(400, "Bad Request: message to edit not found")
    )
    assert await api.ok("editMessageText", inline_message_id="inl-1", text="x") is True
    assert await api("editMessageText", chat_id=4, message_id=sent["message_id"], text="") == (
        error(400, "Bad Request: message text is empty")
    )


# ------------------------------------------------------------------ getUpdates


async def test_get_updates_returns_pushed_updates_until_confirmed(api, telegram):
    first = telegram.push_update(user_message(1, "a"))
    telegram.push_update(user_message(1, "b"))
    updates = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in updates] == ["a", "b"]
    assert updates[1]["update_id"] == updates[0]["update_id"] + 1 == first["update_id"] + 1

    assert await api.ok("getUpdates", limit=1) == updates[:1]
    again = await api.ok("getUpdates", offset=updates[0]["update_id"] + 1)
    assert [u["message"]["text"] for u in again] == ["b"]
    assert await api.ok("getUpdates", offset=updates[1]["update_id"] + 1) == []


async def test_get_updates_long_poll_wakes_up_on_a_push(api, telegram):
    poll = asyncio.create_task(api.ok("getUpdates", timeout=10))
    await telegram.wait_for(lambda fake: fake.polling())
    telegram.push_update(user_message(1, "late"))
    updates = await asyncio.wait_for(poll, 5)
    assert [u["message"]["text"] for u in updates] == ["late"]


async def test_get_updates_answers_an_empty_list_when_the_poll_times_out(api):
    assert await api.ok("getUpdates", timeout=1) == []


async def test_a_second_poll_terminates_the_first_with_conflict(api, telegram):
    first = asyncio.create_task(api("getUpdates", timeout=10))
    await telegram.wait_for(lambda fake: fake.polling())
    second = asyncio.create_task(api("getUpdates", timeout=10))
    assert await asyncio.wait_for(first, 5) == error(
        409, "Conflict: terminated by other getUpdates request; make sure that only one bot "
             "instance is running"
    )
    telegram.push_update(user_message(1, "x"))
    status, body = await asyncio.wait_for(second, 5)
    assert status == 200 and len(body["result"]) == 1


async def test_allowed_updates_filters_update_types(api, telegram):
    telegram.push_update(user_message(1, "text"))
    telegram.push_update({"callback_query": {"id": "q", "chat_instance": "c",
                                             "from": {"id": 1, "is_bot": False,
                                                      "first_name": "S"}}})
    telegram.push_update({"message_reaction": {"chat": {"id": 1, "type": "private"}}})
    only_callbacks = await api.ok("getUpdates", allowed_updates=["callback_query"])
    assert [next(k for k in u if k != "update_id") for u in only_callbacks] == ["callback_query"]


# ------------------------------------------------------------------ webhooks


@pytest.mark.parametrize(("params", "description"), [
    ({"url": "http://example.com/hook"},
     "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"),
    ({"url": "https://example.com:8080/hook"},
     "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"),
    ({"url": "https://example.com/hook", "secret_token": "has space"},
     "Bad Request: secret token contains unallowed characters"),
    ({"url": "https://example.com/hook", "secret_token": "s" * 257},
     "Bad Request: secret token contains unallowed characters"),
])
async def test_set_webhook_validation(api, telegram, params, description):
    assert await api("setWebhook", **params) == error(400, description)
    assert telegram.webhook is None


async def test_webhook_blocks_get_updates_until_deleted(api, telegram):
    telegram.push_update(user_message(1, "queued"))
    status, body = await api("setWebhook", url="https://example.com/hook",
                             secret_token="abc_DEF-123")
    assert (status, body) == (200, {"ok": True, "result": True, "description": "Webhook was set"})
    assert telegram.webhook["url"] == "https://example.com/hook"
    assert telegram.webhook["secret_token"] == "abc_DEF-123"
    info = await api.ok("getWebhookInfo")
    assert info["url"] == "https://example.com/hook"
    assert info["pending_update_count"] == 1

    assert await api("getUpdates") == error(
        409, "Conflict: can't use getUpdates method while webhook is active; use "
             "deleteWebhook to delete the webhook first"
    )
    status, body = await api("deleteWebhook", drop_pending_updates=True)
    assert body["description"] == "Webhook was deleted"
    assert telegram.webhook is None
    assert await api.ok("getUpdates") == []
    assert (await api.ok("getWebhookInfo"))["url"] == ""


async def test_set_webhook_terminates_a_pending_poll(api, telegram):
    poll = asyncio.create_task(api("getUpdates", timeout=10))
    await telegram.wait_for(lambda fake: fake.polling())
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    assert await asyncio.wait_for(poll, 5) == error(
        409, "Conflict: terminated by setWebhook request"
    )


async def test_deliver_update_posts_to_the_webhook_with_the_secret(api, telegram):
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                         await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        port = runner.addresses[0][1]
        await api.ok("setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        assert await telegram.deliver_update(user_message(3, "hello")) == 200
    finally:
        await runner.cleanup()
    secret, update = received[0]
    assert secret == "s3cret"
    assert update["message"]["text"] == "hello" and "update_id" in update


# ------------------------------------------------------------------ flood limits


async def test_the_31st_message_within_a_second_is_429(limited_api, limited, clock):
    for chat_id in range(1, 31):
        await limited_api.ok("sendMessage", chat_id=chat_id, text="x")
    clock.advance(0.5)
    assert await limited_api("sendMessage", chat_id=31, text="x") == too_many(1)
    assert limited.too_many_requests == 1
    assert limited.sent_messages(31) == []
    clock.advance(0.5)
    await limited_api.ok("sendMessage", chat_id=31, text="x")


async def test_a_private_chat_may_burst_then_one_per_second(limited_api, limited, clock):
    for _ in range(3):
        await limited_api.ok("sendMessage", chat_id=7, text="x")
    assert await limited_api("sendMessage", chat_id=7, text="x") == too_many(1)
    await limited_api.ok("sendMessage", chat_id=8, text="other chats are not affected")
    clock.advance(1.0)
    await limited_api.ok("sendMessage", chat_id=7, text="x")
    clock.advance(0.25)
    assert await limited_api("sendMessage", chat_id=7, text="x") == too_many(1)
    assert limited.too_many_requests == 2
    assert len(limited.sent_messages(7)) == 4


async def test_the_21st_message_to_a_group_within_a_minute_is_429(limited_api, limited, clock):
    for _ in range(20):
        await limited_api.ok("sendMessage", chat_id=-100200, text="x")
        clock.advance(1.0)
    clock.advance(10.0)  # 30 s after the first message
    assert await limited_api("sendMessage", chat_id=-100200, text="x") == too_many(30)
    clock.advance(30.0)
    await limited_api.ok("sendMessage", chat_id=-100200, text="x")


async def test_other_methods_do_not_count_against_the_limits(limited_api, limited):
    sent = [await limited_api.ok("sendMessage", chat_id=7, text=str(n)) for n in range(3)]
    for n in range(40):
        await limited_api.ok("answerCallbackQuery", callback_query_id=f"q{n}")
        await limited_api.ok("editMessageText", chat_id=7, message_id=sent[0]["message_id"],
                             text=f"edit {n}")
        await limited_api.ok("getUpdates")
    assert limited.too_many_requests == 0


async def test_photos_and_documents_count_too(limited_api):
    for n in range(3):
        await limited_api.ok("sendPhoto", chat_id=7, photo=f"https://example.com/{n}.jpg")
    assert await limited_api("sendDocument", chat_id=7, document="https://e.com/a.pdf") == (
        too_many(1)
    )


async def test_limits_can_be_switched_off(http):
    async with FakeTelegram(enforce_limits=False) as fake:
        api = Api(http, fake)
        for _ in range(40):
            await api.ok("sendMessage", chat_id=7, text="x")
        assert fake.too_many_requests == 0


async def test_the_limiter_forgets_idle_chats(limited_api, limited, clock):
    for chat_id in range(1, 21):
        await limited_api.ok("sendMessage", chat_id=chat_id, text="x")
    await limited_api.ok("sendMessage", chat_id=-100300, text="x")
    assert limited.limiter.tracked_keys() == 22
    clock.advance(61.0)
    await limited_api.ok("sendMessage", chat_id=99, text="x")
    assert limited.limiter.tracked_keys() == 2  # the bot window and chat 99


# ------------------------------------------------------------------ injected faults


async def test_fail_next_injects_errors_then_recovers(api, telegram):
    telegram.fail_next("sendMessage", status=500, description="Internal Server Error", times=2)
    telegram.fail_next("getMe", status=429, description="Too Many Requests: retry after 7",
                       retry_after=7)
    for _ in range(2):
        assert await api("sendMessage", chat_id=1, text="x") == error(
            500, "Internal Server Error"
        )
    await api.ok("sendMessage", chat_id=1, text="x")
    assert await api("getMe") == too_many(7)
    assert telegram.too_many_requests == 0  # injected, not earned
    assert [call.status for call in telegram.calls_to("sendMessage")] == [500, 500, 200]
    assert len(telegram.sent_messages(1)) == 1


async def test_delay_next_makes_a_client_time_out(http, api, telegram):
    telegram.delay_next("sendMessage", 2.0)
    with pytest.raises(asyncio.TimeoutError):
        async with http.post(api.url("sendMessage"), json={"chat_id": 1, "text": "x"},
                             timeout=aiohttp.ClientTimeout(total=0.2)):
            pass
    await api.ok("sendMessage", chat_id=1, text="on time")


async def test_wait_for_waits_and_explains_a_timeout(api, telegram):
    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await api.ok("sendMessage", chat_id=6, text="hi")

    task = asyncio.create_task(send_later())
    await telegram.wait_for(lambda fake: fake.sent_messages(6))
    await task
    with pytest.raises(AssertionError, match=r"(?s)still false after 0\.1 s.*sendMessage -> 200"):
        await telegram.wait_for(lambda fake: fake.sent_messages(7), timeout=0.1)


# ------------------------------------------------------------------ out-of-process use


async def test_stats_and_update_endpoints(http, api, telegram):
    await api.ok("sendMessage", chat_id=1, text="x")
    await api("sendMessage", chat_id=1, text="")
    async with http.post(f"{telegram.base_url}/__updates",
                         json=[user_message(1, "a"), user_message(1, "b")]) as response:
        assert (await response.json())["ok"] is True
    async with http.get(f"{telegram.base_url}/__stats", params={"sends": "1"}) as response:
        stats = await response.json()
    assert stats["calls"] == {"sendMessage": 2}
    assert stats["failed"] == {"sendMessage": 1}
    assert stats["sent"] == 1 and stats["too_many_requests"] == 0
    assert [chat_id for chat_id, _ in stats["sends"]] == [1]
    assert len(await api.ok("getUpdates")) == 2


async def test_record_limit_keeps_only_the_newest_calls(http):
    async with FakeTelegram(record_limit=3, send_log_limit=2, enforce_limits=False) as fake:
        api = Api(http, fake)
        for n in range(5):
            await api.ok("sendMessage", chat_id=1, text=str(n))
        assert [call.params["text"] for call in fake.calls] == ["2", "3", "4"]
        assert len(fake.sends) == 2
        assert fake.stats()["sent"] == 5


async def test_command_line_server_serves_until_sigterm(http):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram", "--port", "0", "--token", "42:ABC",
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().strip()
        assert line.startswith("READY http://127.0.0.1:")
        base_url = line.removeprefix("READY ")
        async with http.get(f"{base_url}/bot42:ABC/getMe") as response:
            assert (await response.json())["result"]["id"] == 42
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
