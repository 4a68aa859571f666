"""What an SMS provider is to Pasokh: a way to send one text to one number with an
idempotency key, a way to ask what became of sent texts, and the callbacks it makes (a
text received, a delivery report), or, for one that makes none, a way to fetch the texts.

One module per provider (kavenegar.py, ghasedak.py) implements `Provider`, and one line in
`adapters/sms/providers.py` names it. Everything else of the channel (the webhook path and
its secret, turning callbacks into events, pacing, the outbox) is shared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import aiohttp

from adapters.answers import persian
from core.settings import Settings

TIMEOUT = aiohttp.ClientTimeout(total=20)


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One sending line at one provider: what a send needs."""

    api_base: str
    api_key: str = field(repr=False)
    number: str  # the line the texts come from (e.g. 10004346, 300002525)


@dataclass(frozen=True, slots=True, kw_only=True)
class Received:
    """A customer's text to one of our lines."""

    message_id: str  # the provider's id for it: a redelivered callback carries it again
    sender: str  # the customer's number, as the provider wrote it
    line: str  # our line it was sent to
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """What became of a text we sent."""

    message_id: str  # the id the provider answered our send with
    state: str  # one of core.delivery.DELIVERY_ORDER or "failed"
    reason: str | None = None  # failed: why, in Persian, for the agent
    blocked: bool = False  # the recipient refuses texts from service lines


Callback = Received | Report


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryCodes:
    """A provider's delivery status codes, read the same way in a callback and in a status
    answer; a code it does not list (queued, scheduled, unknown) says nothing yet."""

    delivered: frozenset[int]
    on_the_way: frozenset[int]  # with the operator: what "sent" says already
    failed: Mapping[int, str]  # code → the reason's message id (gettext_noop)
    refused: frozenset[int]  # of `failed`: the recipient refuses service lines' texts

    def reports(self, message_id: str, code: object) -> list[Report]:
        try:
            status = int(str(code).strip())
        except ValueError:
            return []
        if not message_id:
            return []
        if status in self.delivered:
            return [Report(message_id=message_id, state="delivered")]
        if status in self.on_the_way:
            return [Report(message_id=message_id, state="sent")]
        if status in self.failed:
            return [Report(message_id=message_id, state="failed",
                           reason=persian(self.failed[status]),
                           blocked=status in self.refused)]
        return []


class Provider(Protocol):
    name: str  # the path segment after /webhooks/sms/, and SMS_PROVIDER's value
    status_batch: int  # how many message ids one status call may ask about

    def line(self, settings: Settings) -> Line | None:
        """The line `.env` declares with this provider's own keys, or None."""

    def api_base(self, settings: Settings) -> str:
        """Where this provider's API is (its own *_API_BASE key, so tests use a fake)."""

    async def send(self, session: aiohttp.ClientSession, line: Line, *, receptor: str,
                   text: str, local_id: int | None) -> str:
        """Sends `text` to `receptor` (0912… for an Iranian number) and returns the
        provider's message id. `local_id` is the idempotency key: the same id again
        answers the first send instead of sending twice. Raises core.delivery errors
        whose text an agent can read."""

    async def statuses(self, session: aiohttp.ClientSession, line: Line,
                       message_ids: Sequence[str]) -> Sequence[Report]:
        """What became of these texts (at most `status_batch` ids), for those the provider
        has news of. Raises adapters.base.PollFailed when it cannot say now."""

    def parse(self, form: Mapping[str, str]) -> Sequence[Callback]:
        """What one callback (form fields or query) says; adapters.base.BadPayload when it
        is not one of this provider's callbacks."""


@runtime_checkable
class TextsByPolling(Protocol):
    """A provider that posts nothing to a callback (Ghasedak): the texts customers send
    are fetched, and so are its delivery reports (adapters/sms/poller.py)."""

    async def received(self, session: aiohttp.ClientSession, line: Line) -> Sequence[Received]:
        """The texts to `line` the provider holds; `message_id` is a whole number that
        grows with each text. Raises adapters.base.PollFailed when it cannot say now."""
