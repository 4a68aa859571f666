"""The fake Telegram Bot API, driven by aiogram 3 as an independent real client.

aiogram parses every answer into its own pydantic types and maps error answers to its
own exceptions, so these tests catch any drift of the fake from Telegram's wire format.
"""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram, ManualClock


@pytest.fixture
async def telegram():
    async with FakeTelegram() as fake:
        yield fake


def bot_for(fake: FakeTelegram, token: str = DEFAULT_TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    return Bot(token, session=session)


@pytest.fixture
async def bot(telegram):
    bot = bot_for(telegram)
    yield bot
    await bot.session.close()


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="بله", callback_data="confirm:1"),
        InlineKeyboardButton(text="Site", url="https://example.com"),
    ]])


def private_message(chat_id: int, text: str) -> dict:
    person = {"id": chat_id, "is_bot": False, "first_name": "Sara", "language_code": "fa"}
    return {"message": {
        "message_id": 11, "date": 1_700_000_000, "text": text, "from": person,
        "chat": {"id": chat_id, "type": "private", "first_name": "Sara"},
    }}


async def test_get_me(bot):
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot is True
    assert me.username


async def test_send_message_with_an_inline_keyboard_parses_into_a_message(bot, telegram):
    message = await bot.send_message(chat_id=42, text="<b>سلام</b>", parse_mode="HTML",
                                     reply_markup=keyboard())
    assert isinstance(message, Message)
    assert message.chat.id == 42 and message.chat.type == "private"
    assert message.text == "سلام"
    assert message.entities[0].type == "bold"
    assert message.from_user.is_bot is True
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "confirm:1"

    sent = telegram.sent_messages(chat_id=42)
    assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "confirm:1"
    follow_up = await bot.send_message(chat_id=42, text="again")
    assert follow_up.message_id == message.message_id + 1


async def test_edit_message_text(bot):
    message = await bot.send_message(chat_id=42, text="draft", reply_markup=keyboard())
    edited = await bot.edit_message_text(text="final", chat_id=42,
                                         message_id=message.message_id)
    assert isinstance(edited, Message)
    assert edited.text == "final" and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="final", chat_id=42, message_id=message.message_id)


async def test_answer_callback_query(bot, telegram):
    assert await bot.answer_callback_query("cq-1", text="ثبت شد") is True
    assert telegram.calls_to("answerCallbackQuery")[0].params["callback_query_id"] == "cq-1"


async def test_set_webhook_with_a_secret_token(bot, telegram):
    assert await bot.set_webhook("http://127.0.0.1:8443/tg/webhook", secret_token="s3cr3t_Token-1",
                                 allowed_updates=["message", "callback_query"]) is True
    assert telegram.webhook["url"] == "http://127.0.0.1:8443/tg/webhook"
    assert telegram.webhook["secret_token"] == "s3cr3t_Token-1"
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:8443/tg/webhook"
    assert info.allowed_updates == ["message", "callback_query"]

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await bot.set_webhook("https://example.com/hook", secret_token="not/allowed")

    assert await bot.delete_webhook() is True
    assert telegram.webhook is None


async def test_get_updates_returns_pushed_updates_as_aiogram_objects(bot, telegram):
    telegram.push_update(private_message(42, "سلام"))
    telegram.push_update({"callback_query": {
        "id": "cq-9", "chat_instance": "ci", "data": "confirm:1",
        "from": {"id": 42, "is_bot": False, "first_name": "Sara"},
    }})
    updates = await bot.get_updates(timeout=0)
    assert all(isinstance(update, Update) for update in updates)
    assert updates[0].message.text == "سلام"
    assert updates[1].callback_query.data == "confirm:1"
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []


async def test_get_file_and_download(bot, telegram):
    telegram.add_file("voice-file", b"OggS voice bytes")
    file = await bot.get_file("voice-file")
    assert file.file_size == len(b"OggS voice bytes")
    downloaded = await bot.download_file(file.file_path)
    assert downloaded.read() == b"OggS voice bytes"


async def test_uploaded_photo_can_be_downloaded_again(bot):
    photo = BufferedInputFile(b"\xff\xd8 jpeg bytes", filename="receipt.jpg")
    message = await bot.send_photo(chat_id=42, photo=photo, caption="رسید")
    assert message.caption == "رسید"
    downloaded = await bot.download(message.photo[-1].file_id)
    assert downloaded.read() == b"\xff\xd8 jpeg bytes"


async def test_bad_request_is_raised_for_an_empty_text(bot):
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat_id=42, text="")


async def test_forbidden_is_raised_for_a_blocked_chat(bot, telegram):
    telegram.blocked_chats.add(42)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(chat_id=42, text="hello")


async def test_retry_after_is_raised_when_a_private_chat_is_flooded():
    # A hand-moved clock: the verdict must not depend on how fast this machine is.
    async with FakeTelegram(clock=ManualClock()) as telegram:
        bot = bot_for(telegram)
        try:
            for _ in range(3):
                await bot.send_message(chat_id=42, text="burst")
            with pytest.raises(TelegramRetryAfter) as raised:
                await bot.send_message(chat_id=42, text="one too many")
        finally:
            await bot.session.close()
    assert raised.value.retry_after == 1
    assert telegram.too_many_requests == 1


async def test_injected_retry_after_carries_the_seconds(bot, telegram):
    telegram.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 5",
                       retry_after=5)
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(chat_id=42, text="hello")
    assert raised.value.retry_after == 5


async def test_unknown_token_is_unauthorized(telegram):
    stranger = bot_for(telegram, token="654321:WRONG-TOKEN")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()
