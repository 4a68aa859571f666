"""Safir (سفیر), Bale's business messaging API: a verified business writes, through one of
its bots, to a phone number whose owner has never started that bot. Pasokh uses it for
one thing: a proactive message to a customer known only by a phone number (an event from
the shop's site), where the owner has set BALE_SAFIR_API_KEY. Off when it is unset.

As documented at https://docs.bale.ai/safir:
- `POST {BALE_SAFIR_API_BASE}/api/v3/send_message`, header `api-access-key` (the
  organisation's key from Bale's business panel), JSON body `request_id` (optional: the
  same id again sends nothing twice), `bot_id` (the sending bot's number), `phone_number`
  (98…, no other characters) and `message_data: {"message": {"text": …}}`.
- The answer is `{"message_id": "…", "error_data": …}`; `error_data` lists the numbers
  that failed, each with `phone_number`, `code` and `description`.
What the documentation does not give, and how it is read here: the HTTP statuses of a
refused key or of throttling (401/403 and 429 are read as everywhere else) and the list
of `code`s (any entry in `error_data` is a refusal of that number, shown with its code).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp

from adapters.answers import Refusals, json_object, persian
from core.delivery import PermanentError, TransientError
from core.i18n import gettext_noop
from core.settings import Settings, SettingsError, env_int, env_text
from core.text import phone_key, to_persian_digits

DEFAULT_API_BASE = "https://safir.bale.ai"
TIMEOUT = aiohttp.ClientTimeout(total=20)
REFUSALS = Refusals(
    provider="Safir",
    slow_down=gettext_noop("Bale asked to slow down; the message goes again shortly."),
    key_refused=gettext_noop("Not sent: Bale did not accept the business API key "
                             "(BALE_SAFIR_API_KEY)."),
    refused=gettext_noop("Not sent: Bale refused the message (code %(code)s)."),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SafirConfig:
    api_key: str = field(repr=False)
    api_base: str
    bot_id: int  # the bot the messages come from

    @classmethod
    def of(cls, settings: Settings) -> SafirConfig | None:
        """None when BALE_SAFIR_API_KEY is unset. The bot is BALE_SAFIR_BOT_ID, or else
        the Bale bot of BALE_BOT_TOKEN (a token's prefix is its bot's number)."""
        key = env_text(settings, "BALE_SAFIR_API_KEY")
        if not key:
            return None
        prefix = env_text(settings, "BALE_BOT_TOKEN").partition(":")[0]
        bot_id = env_int(settings, "BALE_SAFIR_BOT_ID", int(prefix) if prefix.isdigit() else 0)
        if bot_id <= 0:
            raise SettingsError("BALE_SAFIR_API_KEY needs the bot that sends: set "
                                "BALE_SAFIR_BOT_ID (or BALE_BOT_TOKEN)")
        return cls(api_key=key, bot_id=bot_id,
                   api_base=env_text(settings, "BALE_SAFIR_API_BASE",
                                     DEFAULT_API_BASE).rstrip("/") or DEFAULT_API_BASE)


class SafirSender:
    """Sends one text to one phone number through Safir (adapters.base.PhoneSender)."""

    def __init__(self, config: SafirConfig, session: aiohttp.ClientSession) -> None:
        self._config = config
        self._session = session

    async def send_to_phone(self, *, phone: str, text: str, request_id: str) -> str:
        number = phone_key(phone) or ""
        if not (number.startswith("989") and len(number) == 12):  # Safir takes 98 9xx …
            raise PermanentError(persian(gettext_noop(
                "Not sent: the phone number is not a valid mobile number.")))
        body = {"request_id": request_id, "bot_id": self._config.bot_id,
                "phone_number": number, "message_data": {"message": {"text": text}}}
        try:
            async with self._session.post(f"{self._config.api_base}/api/v3/send_message",
                                          json=body, timeout=TIMEOUT,
                                          headers={"api-access-key": self._config.api_key}
                                          ) as response:
                status = response.status
                answer = json_object(await response.read())
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientError(f"Safir: {type(error).__name__}") from None
        if status != 200:
            raise REFUSALS.error(status)
        failures = answer.get("error_data")
        if failures:
            raise _failed_number(failures)
        message_id = answer.get("message_id")
        if not message_id:
            raise TransientError("Safir: an answer without a message id")
        return str(message_id)


def _failed_number(failures: object) -> PermanentError:
    """`error_data` names the numbers that failed: one here, as one number was sent to."""
    entries = failures if isinstance(failures, list) else [failures]
    first = entries[0] if entries and isinstance(entries[0], dict) else {}
    return PermanentError(persian(gettext_noop(
        "Not sent: Bale could not reach this number (code %(code)s)."),
        code=to_persian_digits(str(first.get("code", "?")))))
