"""Sending for one Telegram bot, with the limits Telegram documents.

https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this:
about one message per second in a chat, 20 per minute in a group, 30 per second overall
(more for bots with paid broadcasts: TELEGRAM_SENDS_PER_SECOND).

Bale's Bot API takes the same calls; its adapter sends through this class under its own
platform name, so its paces and error messages are its own.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import timedelta

import telegram
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from core.delivery import (
    AnswerLost,
    Pace,
    PermanentError,
    RecipientUnreachable,
    RetryLater,
    TransientError,
)
from core.events import OutboundKind, OutboundMessage, Platform, SendResult

# `Bot.send_message` builds a whole telegram.Message from the answer (~180 µs, a fifth of
# Pasokh's CPU per webhook in the benchmark) only for us to read one id; the generic call
# returns the raw result. PTB suggests the named method when the generic one is used.
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning
)

# A little slower than the published limits: a send that a busy event loop delays must
# not land in the same second as the next one and provoke a 429.
SAFETY = 1.02
PRIVATE_CHAT_INTERVAL = 1.0 * SAFETY
GROUP_INTERVAL = 60 / 20 * SAFETY
MAX_TEXT = 4096
MAX_BUTTON_DATA_BYTES = 64


class TelegramTransport:
    def __init__(self, bot: telegram.Bot, *, channel_key: str, sends_per_second: float,
                 platform: Platform = Platform.TELEGRAM) -> None:
        self._bot = bot
        self._channel_key = channel_key
        self._sends_per_second = sends_per_second
        self._pace_prefix = platform.value
        self._label = platform.value.capitalize()  # "Telegram: …" in the outbox's errors

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        if message.kind is OutboundKind.ACKNOWLEDGE:
            return ()  # answering a callback is not a message: no limit applies
        is_group = message.chat_id.startswith("-")
        chat_pace = Pace(f"{self._pace_prefix}-group" if is_group
                         else f"{self._pace_prefix}-chat",
                         f"{self._channel_key}:{message.chat_id}",
                         GROUP_INTERVAL if is_group else PRIVATE_CHAT_INTERVAL)
        if self._sends_per_second <= 0:
            return (chat_pace,)
        return (Pace.per_second(f"{self._pace_prefix}-bot", self._channel_key,
                                self._sends_per_second, safety=SAFETY), chat_pace)

    def reply_window(self, message: OutboundMessage) -> None:
        return None  # a bot may write to anyone who has not blocked it

    async def send(self, message: OutboundMessage) -> SendResult:
        try:
            if message.kind is OutboundKind.ACKNOWLEDGE:
                await self._bot.answer_callback_query(message.ack_token or "")
                return SendResult()
            sent = await self._bot.do_api_request("sendMessage", api_kwargs=_message(message))
        except RetryAfter as error:
            raise RetryLater(str(error), _seconds(error)) from None
        except Forbidden as error:
            raise RecipientUnreachable(f"{self._label}: {error.message}") from None
        except BadRequest as error:
            raise PermanentError(f"{self._label}: {error.message}") from None
        except TimedOut as error:
            raise AnswerLost(f"{self._label}: {error.message}") from None
        except (NetworkError, TelegramError) as error:
            raise TransientError(f"{self._label}: {error.message}") from None
        return SendResult(external_id=f"{message.chat_id}:{sent['message_id']}")


def _message(message: OutboundMessage) -> dict[str, object]:
    params: dict[str, object] = {"chat_id": message.chat_id, "text": message.text[:MAX_TEXT]}
    keyboard = _keyboard(message)
    if keyboard is not None:
        params["reply_markup"] = keyboard
    if business := message.route.get("business_connection_id"):
        params["business_connection_id"] = business
    if thread := _thread(message):
        params["message_thread_id"] = thread
    return params


def _keyboard(message: OutboundMessage) -> dict[str, object] | None:
    """The Bot API's InlineKeyboardMarkup as plain JSON: PTB's own classes would be built
    only to be turned back into this dict (~35 µs per reply in the benchmark)."""
    buttons = [b for b in message.buttons
               if len(b.payload.encode()) <= MAX_BUTTON_DATA_BYTES]
    if not buttons:
        return None
    return {"inline_keyboard": [[{"text": b.title, "callback_data": b.payload}]
                                for b in buttons]}


def _thread(message: OutboundMessage) -> int | None:
    thread = message.route.get("message_thread_id")
    return int(thread) if thread else None


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the type will become timedelta; both are handled here.
        warnings.simplefilter("ignore")
        retry_after = error.retry_after
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
