"""The event bus: "something changed" notices for open panels and other processes.

The bus carries notices, not data: a subscriber that misses one (slow, restarted) reads
the tables again. So a slow subscriber's queue is bounded and drops its oldest notices
rather than holding memory for it.

`InProcessBus` serves one process; `RedisBus` (REDIS_URL set) fans out through Redis
pub/sub so that every process's panels see every change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from core.db import redacted_url

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "pasokh:"
START_TIMEOUT = 15.0  # seconds for Redis to answer when the process starts
RECONNECT_FIRST_PAUSE = 0.5  # seconds; doubled after each failure, up to the longest
RECONNECT_LONGEST_PAUSE = 30.0


class BusUnavailable(RuntimeError):
    """REDIS_URL is set, and Redis did not answer at start."""


@dataclass(frozen=True, slots=True)
class Notice:
    topic: str
    data: dict[str, Any]


class Bus(Protocol):
    async def publish(self, topic: str, data: dict[str, Any]) -> None: ...

    async def publish_many(self, topic: str, items: Sequence[dict[str, Any]]) -> None: ...

    def subscribe(self, *topics: str) -> Subscription: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class Subscription:
    """A subscriber's notices. It is registered when `subscribe` returns, not when first
    read, so nothing published between subscribing and reading is lost (a live page asks
    for a fresh copy when its stream opens, and must hear of every change after that)."""

    def __init__(self, topics: frozenset[str], capacity: int,
                 registry: set[Subscription]) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[Notice] = asyncio.Queue(maxsize=capacity)
        self._registry = registry
        registry.add(self)

    def offer(self, notice: Notice) -> None:
        if self.topics and notice.topic not in self.topics:
            return
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(notice)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Notice:
        return await self.queue.get()

    async def aclose(self) -> None:
        self._registry.discard(self)


class InProcessBus:
    def __init__(self, capacity: int = 1000) -> None:
        self._capacity = capacity
        self._subscriptions: set[Subscription] = set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subscriptions.clear()

    async def publish(self, topic: str, data: dict[str, Any]) -> None:
        self._deliver(Notice(topic, data))

    async def publish_many(self, topic: str, items: Sequence[dict[str, Any]]) -> None:
        for data in items:
            self._deliver(Notice(topic, data))

    def _deliver(self, notice: Notice) -> None:
        for subscription in self._subscriptions:
            subscription.offer(notice)

    def subscribe(self, *topics: str) -> Subscription:
        """Notices of these topics (all, when none is named) from now on; `aclose` ends it."""
        return Subscription(frozenset(topics), self._capacity, self._subscriptions)


class RedisBus(InProcessBus):
    """Publishes through Redis; a listener task hands every notice to local subscribers,
    including the ones this process published, so all processes see the same stream."""

    def __init__(self, url: str, capacity: int = 1000, *,
                 start_timeout: float = START_TIMEOUT) -> None:
        super().__init__(capacity)
        from redis import asyncio as redis_asyncio

        self._url = url
        self._start_timeout = start_timeout

        # Named, so that an operator (or a test) can tell Pasokh's connections apart.
        self.client_name = f"pasokh-bus-{os.getpid()}-{id(self):x}"
        self._redis = redis_asyncio.from_url(url, client_name=self.client_name)
        self._outage = (redis_asyncio.RedisError, OSError)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._pause = RECONNECT_FIRST_PAUSE

    async def start(self) -> None:
        """Subscribes; a Redis that does not answer at start is a configuration error, said
        plainly, rather than a process that waits for ever."""
        self._listener = asyncio.create_task(self._listen(), name="redis-bus-listener")
        try:
            await asyncio.wait_for(self._ready.wait(), self._start_timeout)
        except TimeoutError:
            await self.close()
            raise BusUnavailable(
                f"Redis at {redacted_url(self._url)} did not answer within"
                f" {self._start_timeout:.0f} s; check REDIS_URL (unset it for one process)"
            ) from None

    async def _listen(self) -> None:
        """Subscribes, and subscribes again whenever the connection is lost: without it this
        process's panels would go quiet for good after a Redis restart."""
        while True:
            try:
                await self._listen_once()
            except self._outage as error:
                log.warning("bus: no Redis subscription (%s); subscribing again in"
                            " %.1f s", type(error).__name__, self._pause)
            await asyncio.sleep(self._pause)
            self._pause = min(self._pause * 2, RECONNECT_LONGEST_PAUSE)

    async def _listen_once(self) -> None:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
            self._ready.set()
            self._pause = RECONNECT_FIRST_PAUSE
            async for raw in pubsub.listen():
                if raw.get("type") != "pmessage":
                    continue
                topic = raw["channel"].decode().removeprefix(CHANNEL_PREFIX)
                try:
                    data = orjson.loads(raw["data"])
                except orjson.JSONDecodeError:
                    log.warning("bus: dropped a notice on %s that is not JSON", topic)
                    continue
                self._deliver(Notice(topic, data))
        finally:
            await pubsub.aclose()

    async def publish(self, topic: str, data: dict[str, Any]) -> None:
        await self.publish_many(topic, [data])

    async def publish_many(self, topic: str, items: Sequence[dict[str, Any]]) -> None:
        """One round trip for a whole batch: the writers publish after every commit.

        Never raises: the writers publish after their commit, and a Redis outage must not
        stop them. Notices are hints, so this process's subscribers get them directly and
        other processes' panels catch up when they next read the tables.
        """
        if not items:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for data in items:
                    pipe.publish(f"{CHANNEL_PREFIX}{topic}", orjson.dumps(data))
                await pipe.execute()
        except self._outage as error:
            log.warning("bus: Redis refused %d %s notice(s) (%s); delivered in this process"
                        " only", len(items), topic, type(error).__name__)
            for data in items:
                self._deliver(Notice(topic, data))

    async def close(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
        await super().close()


def make_bus(redis_url: str) -> InProcessBus:
    return RedisBus(redis_url) if redis_url else InProcessBus()
