"""What every visitor request passes before it is read: its `Origin` against the channel's
allow-list, and the limits per visitor and per IP address. Refusals are counted by channel
and reason and written in batches, so a flood costs the inbox nothing and one row per
reason in the database, which the owner's channels page shows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from core.events import ChannelCredentials
from core.settings import Settings, env_int, env_text
from core.visitors import add_refusals

log = logging.getLogger(__name__)

REFUSALS_FLUSH_SECONDS = 5.0
FILE_TYPES = "image/jpeg image/png image/gif image/webp application/pdf"


def normal_origin(text: str) -> str | None:
    """`scheme://host[:port]` in lower case, or None when `text` is not an http(s) origin."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    netloc = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    return f"{parts.scheme}://{netloc}"


def origin_allowed(channel: ChannelCredentials, origin: str | None) -> bool:
    """Whether a request with this `Origin` header may speak to the channel."""
    normal = normal_origin(origin or "")
    return normal is not None and normal in channel.option_values("origin")


def request_allowed(channel: ChannelCredentials, *, origin: str | None, fetch_site: str | None,
                    referer: str | None, own: str) -> bool:
    """Whether a widget request may speak to the channel.

    A browser names the page's origin on every cross-origin request and on a same-origin
    POST, but not on a same-origin GET (the widget's history and stream read from a page
    on Pasokh itself, e.g. the owner's preview). Without `Origin`, the request is taken
    only when the channel allows Pasokh's own address and the browser says the page is
    on it: `Sec-Fetch-Site: same-origin` (which no page can set), or, from a browser
    that sends no Sec-Fetch-* at all, a Referer on Pasokh's own address. A page of
    another site reaching the endpoint with an image or a script tag sends no `Origin`
    either, but `Sec-Fetch-Site: cross-site` and its own Referer, and is refused."""
    if origin is not None:
        return origin_allowed(channel, origin)
    own = normal_origin(own or "")
    if own is None or own not in channel.option_values("origin"):
        return False
    if fetch_site is not None:
        return fetch_site == "same-origin"
    if not referer:
        return False
    try:
        parts = urlsplit(referer)
    except ValueError:
        return False
    return normal_origin(f"{parts.scheme}://{parts.netloc}") == own


@dataclass(frozen=True, slots=True)
class Limit:
    name: str  # also the reason counted when it refuses
    allowed: int  # requests per window
    window: float  # seconds


class WindowCounter:
    """Requests per key in fixed windows: memory is one integer per key seen in the
    current window, dropped when the window turns."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._window = -1
        self._counts: Counter[str] = Counter()

    def take(self, key: str) -> bool:
        """Counts one request for `key`; False when it is over the limit."""
        window = int(self._clock() // self.limit.window)
        if window != self._window:
            self._window, self._counts = window, Counter()
        self._counts[key] += 1
        return self._counts[key] <= self.limit.allowed

    def retry_after(self) -> int:
        """Whole seconds until the window turns (for `Retry-After`), at least 1."""
        now = self._clock()
        turns = (int(now // self.limit.window) + 1) * self.limit.window
        return max(1, math.ceil(turns - now))


class Refusals:
    """Refused requests by (channel id, reason), written every few seconds."""

    def __init__(self) -> None:
        self._pending: Counter[tuple[int, str]] = Counter()
        self._task: asyncio.Task[None] | None = None

    def count(self, channel_id: int, reason: str) -> None:
        self._pending[(channel_id, reason)] += 1

    def start(self) -> None:
        self._task = asyncio.create_task(self._flush_forever(), name="webchat-refusals")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, Counter()
        if not pending:
            return
        try:
            await add_refusals(pending)
        except Exception:
            log.exception("webchat: could not store %d refusal count(s); kept for later",
                          len(pending))
            self._pending.update(pending)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(REFUSALS_FLUSH_SECONDS)
            await self.flush()


@dataclass(frozen=True, slots=True)
class VisitorLimits:
    """WEBCHAT_* limits from the environment (see .env.example)."""

    messages_per_minute: int
    messages_per_minute_per_ip: int
    reads_per_minute: int
    reads_per_minute_per_ip: int
    visitors_per_hour_per_ip: int
    max_text_chars: int
    max_body_bytes: int
    max_file_bytes: int
    file_types: tuple[str, ...]

    @classmethod
    def of(cls, settings: Settings) -> VisitorLimits:
        return cls(
            messages_per_minute=env_int(settings, "WEBCHAT_MESSAGES_PER_MINUTE", 20),
            messages_per_minute_per_ip=env_int(settings, "WEBCHAT_MESSAGES_PER_MINUTE_PER_IP",
                                               60),
            reads_per_minute=env_int(settings, "WEBCHAT_READS_PER_MINUTE", 120),
            reads_per_minute_per_ip=env_int(settings, "WEBCHAT_READS_PER_MINUTE_PER_IP", 600),
            visitors_per_hour_per_ip=env_int(settings, "WEBCHAT_VISITORS_PER_HOUR_PER_IP", 20),
            max_text_chars=env_int(settings, "WEBCHAT_MAX_TEXT_CHARS", 2000),
            max_body_bytes=env_int(settings, "WEBCHAT_MAX_BODY_BYTES", 16384),
            # A file is one request's body: never more than the server reads at all.
            max_file_bytes=min(env_int(settings, "WEBCHAT_MAX_FILE_BYTES", 1024 * 1024),
                               settings.webhook_max_body_bytes),
            file_types=tuple(env_text(settings, "WEBCHAT_FILE_TYPES", FILE_TYPES)
                             .replace(",", " ").lower().split()),
        )


class Gate:
    """The limits and the refusal counts of this process."""

    def __init__(self, limits: VisitorLimits) -> None:
        self.limits = limits
        self.per_token = WindowCounter(Limit("messages", limits.messages_per_minute, 60))
        self.per_ip = WindowCounter(Limit("messages_ip", limits.messages_per_minute_per_ip, 60))
        self.reads = WindowCounter(Limit("reads", limits.reads_per_minute, 60))
        self.reads_ip = WindowCounter(Limit("reads_ip", limits.reads_per_minute_per_ip, 60))
        self.visitors = WindowCounter(Limit("visitors_ip", limits.visitors_per_hour_per_ip,
                                            3600))
        self.refusals = Refusals()
        self.streams: set[asyncio.Task[Any]] = set()
        self.streams_ended = False

    def end_streams(self) -> None:
        """Shutdown: every open stream ends now, and one asked for after this is refused."""
        self.streams_ended = True
        for task in list(self.streams):
            task.cancel()
