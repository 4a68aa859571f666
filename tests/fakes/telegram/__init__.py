"""A fake Telegram Bot API server for integration tests and benchmarks.

    async with FakeTelegram() as telegram:
        settings.telegram_api_base = telegram.base_url
        ...
        await telegram.wait_for(lambda fake: fake.sent_messages(chat_id=42))
"""

from tests.fakes.base import ManualClock

from .server import (
    DEFAULT_TOKEN,
    SEND_METHODS,
    ApiCall,
    ApiError,
    FakeTelegram,
    FormattedText,
    SendLimiter,
    StoredFile,
    Upload,
    parse_formatted_text,
)

__all__ = [
    "DEFAULT_TOKEN",
    "SEND_METHODS",
    "ApiCall",
    "ApiError",
    "FakeTelegram",
    "FormattedText",
    "ManualClock",
    "SendLimiter",
    "StoredFile",
    "Upload",
    "parse_formatted_text",
]
