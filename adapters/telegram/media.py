"""Telegram media: getFile names the path, the Bot API's file server serves it."""

from __future__ import annotations

import telegram
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from core.events import MediaRef
from core.media import MediaLocation, MediaRefused, MediaTryAgain


class TelegramMedia:
    def __init__(self, bot: telegram.Bot) -> None:
        self._bot = bot

    async def locate(self, ref: MediaRef) -> MediaLocation:
        try:
            file = await self._bot.get_file(ref.file_id)
        except (RetryAfter, TimedOut) as error:
            raise MediaTryAgain(f"telegram getFile: {type(error).__name__}") from None
        except (BadRequest, Forbidden) as error:
            raise MediaRefused(f"telegram getFile: {error.message}") from None
        except NetworkError as error:
            raise MediaTryAgain(f"telegram getFile: {type(error).__name__}") from None
        except TelegramError as error:
            raise MediaRefused(f"telegram getFile: {error.message}") from None
        if not file.file_path:
            raise MediaRefused("telegram getFile: no file_path in the answer")
        # The download URL carries the bot token: MediaLocation keeps it out of its repr.
        return MediaLocation(url=file.file_path, size=file.file_size)
