"""Clocks, bounded "last seen" records and the two WhatsApp send limits.

Everything takes ``now`` from the fake's clock so a test can move time by hand
(`ManualClock`) instead of sleeping.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any


class Recent:
    """key -> value of the latest event (a time, or a small tuple); with ``limit`` only the
    most recently touched keys are kept, so a long benchmark cannot grow it without bound."""

    def __init__(self, limit: int | None = None) -> None:
        self._values: OrderedDict[str, Any] = OrderedDict()
        self._limit = limit

    def touch(self, key: str, value: Any) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        if self._limit is not None and len(self._values) > self._limit:
            self._values.popitem(last=False)

    def get(self, key: str) -> Any:
        return self._values.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)


@dataclass
class _Bucket:
    tokens: float
    updated: float

    def refill(self, now: float, capacity: float, rate: float) -> None:
        self.tokens = min(capacity, self.tokens + max(0.0, now - self.updated) * rate)
        self.updated = now


class PairLimiter:
    """Meta's (business number, customer) pair rate: on average one message every
    ``interval`` seconds, with bursts of up to ``burst`` that borrow from later quota.

    Modelled as a token bucket of ``burst`` tokens refilled at ``1 / interval`` per second:
    a burst of N leaves the pair needing N * interval seconds to be whole again, which is
    Meta's "borrowing" description, and the long-run rate never beats one per interval.
    """

    _EPSILON = 1e-9
    _SWEEP_EVERY = 60.0

    def __init__(self, *, interval: float = 6.0, burst: int = 45) -> None:
        if interval <= 0 or burst < 1:
            raise ValueError("pair limit needs interval > 0 and burst >= 1")
        self.interval = interval
        self.burst = burst
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._last_sweep = -math.inf

    @property
    def rate(self) -> float:
        return 1.0 / self.interval

    def allows(self, key: tuple[str, str], now: float) -> bool:
        self._sweep_if_due(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            return True
        bucket.refill(now, self.burst, self.rate)
        return bucket.tokens >= 1.0 - self._EPSILON

    def record(self, key: tuple[str, str], now: float) -> None:
        bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
        bucket.refill(now, self.burst, self.rate)
        bucket.tokens -= 1.0

    def tracked_keys(self) -> int:
        return len(self._buckets)

    def _sweep_if_due(self, now: float) -> None:
        if now - self._last_sweep >= self._SWEEP_EVERY:
            self.sweep(now)

    def sweep(self, now: float) -> None:
        """Forget full buckets: memory follows the pairs that are still paying back."""
        self._last_sweep = now
        for key, bucket in list(self._buckets.items()):
            bucket.refill(now, self.burst, self.rate)
            if bucket.tokens >= self.burst - self._EPSILON:
                del self._buckets[key]


class ThroughputLimiter:
    """Messages per business phone number in any sliding ``window`` seconds (Meta's
    Cloud API default throughput is 80 messages per second)."""

    def __init__(self, *, per_window: int = 80, window: float = 1.0) -> None:
        self.per_window = per_window
        self.window = window
        self._sent: dict[str, deque[float]] = {}

    def allows(self, key: str, now: float) -> bool:
        times = self._sent.get(key)
        if times is None:
            return True
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._sent[key]  # keeps memory to the numbers sending right now
            return True
        return len(times) < self.per_window

    def record(self, key: str, now: float) -> None:
        self._sent.setdefault(key, deque()).append(now)

    def tracked_keys(self) -> int:
        return len(self._sent)
