"""A fake Telegram Bot API server for integration tests and benchmarks; with
``dialect=BALE_API``, a fake of Bale's Bot API.

    async with FakeTelegram() as telegram:
        settings = settings.with_environment(TELEGRAM_API_BASE=telegram.base_url)
        ...
        await telegram.wait_for(lambda fake: fake.sent_messages(chat_id=42))
"""

from tests.fakes.base import ManualClock

from .server import (
    BALE_API,
    DEFAULT_TOKEN,
    SEND_METHODS,
    TELEGRAM_API,
    ApiCall,
    ApiError,
    Dialect,
    FakeTelegram,
    FormattedText,
    SendLimiter,
    StoredFile,
    Upload,
    parse_formatted_text,
)

__all__ = [
    "BALE_API",
    "DEFAULT_TOKEN",
    "SEND_METHODS",
    "ApiCall",
    "ApiError",
    "Dialect",
    "FakeTelegram",
    "FormattedText",
    "ManualClock",
    "SendLimiter",
    "StoredFile",
    "TELEGRAM_API",
    "Upload",
    "parse_formatted_text",
]
