"""What the outbox needs from a platform, and the errors a platform send can end in.

Adapters implement `Transport` and raise these errors; the outbox decides what each
means (retry, give up, stop writing to that customer). Keeping the hierarchy here lets
both sides agree without the outbox importing any adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable

from core.events import OutboundMessage, SendResult

DELIVERY_ORDER = ("queued", "sent", "delivered", "read", "played")
# For each receipt, the states it may replace: only earlier ones ("failed" ends a send).
EARLIER_DELIVERY_STATES: dict[str, tuple[str, ...]] = {
    state: DELIVERY_ORDER[:index] for index, state in enumerate(DELIVERY_ORDER) if index
} | {"failed": ("queued", "sent")}


def furthest_delivery(current: str | None, receipts: Sequence[str]) -> str | None:
    """The state a message reaches from `current` through `receipts`, in any order."""
    state = current
    for _ in receipts:  # each pass can only move forward; len(receipts) passes suffice
        for receipt in receipts:
            if state is None or state in EARLIER_DELIVERY_STATES.get(receipt, ()):
                state = receipt
    return state


class SendError(Exception):
    """A send that did not reach the customer. `str()` is safe to store and log."""


class RetryLater(SendError):
    """The platform asked us to slow down (HTTP 429 and friends)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(SendError):
    """5xx, a timeout or a dropped connection: worth another try later."""


class AnswerLost(TransientError):
    """The request may have reached the platform but its answer never reached us (a read
    timeout): tried again, and flagged possibly duplicated, since the customer may have it."""


class PermanentError(SendError):
    """The platform refused this message for good (bad request): retrying cannot help."""


class RecipientUnreachable(PermanentError):
    """The customer blocked the bot or can no longer be written to."""


@dataclass(frozen=True, slots=True)
class Pace:
    """One rate limit a send must respect: at most one send per `interval` seconds per key,
    with up to `burst` sends allowed back to back. A platform that counts the limit as at
    most `per_window` sends in any `window` seconds (Telegram's 30 a second per bot,
    WhatsApp's 80 per number) says so: the outbox then plans on `interval` but makes up
    slots a late pass missed, within that window, and holds each real send until the
    window as the platform counts it has room (core/ratelimit.py). 0: spacing only."""

    limit: str
    key: str
    interval: float
    burst: int = 1
    per_window: int = 0
    window: float = 1.0

    @classmethod
    def per_second(cls, limit: str, key: str, sends: float, *, safety: float = 1.0) -> Pace:
        """A limit the platform counts as `sends` a second: whole sends in the window that
        holds them (2.5 a second: 2 in any 0.8 s), planned `safety` times slower."""
        per_window = max(1, int(sends))
        return cls(limit, key, safety / sends, per_window=per_window, window=per_window / sends)


class Transport(Protocol):
    async def send(self, message: OutboundMessage) -> SendResult: ...

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]: ...

    def reply_window(self, message: OutboundMessage) -> timedelta | None:
        """How long after the customer's last message the platform accepts this message;
        None when it has no such rule. The outbox refuses a message sent too late instead
        of letting the platform fail it."""


@runtime_checkable
class PricedPerPart(Protocol):
    """A transport whose messages are billed per text-message part (core/segments.py)."""

    price_per_part: int  # in rials, as the owner set it; 0 = not set


@dataclass(frozen=True, slots=True)
class FileRules:
    """Which files a channel gives its customers, as it takes them from them."""

    types: tuple[str, ...]  # MIME types, each also on the media allowlist (core/media.py)
    max_bytes: int


@runtime_checkable
class DeliversFiles(Protocol):
    """A transport that gives the customer a file an agent attached (an outbound message
    of kind FILE, stored by Pasokh first); the others are never asked to."""

    file_rules: FileRules
