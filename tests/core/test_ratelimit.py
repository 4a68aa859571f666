"""GCRA pacing: spacing, bursts, holds after a 429, and a map that does not grow."""

from __future__ import annotations

import pytest

from core.delivery import Pace
from core.ratelimit import Pacer

CHAT = Pace("chat", "c1", interval=1.0)
BOT = Pace("bot", "b", interval=1 / 30)


def test_a_fresh_key_may_send_at_once_then_waits_one_interval():
    pacer = Pacer()
    assert pacer.wait_time([CHAT], now=10.0) == 0
    pacer.take([CHAT], at=10.0)
    assert pacer.wait_time([CHAT], now=10.0) == 1.0
    assert pacer.wait_time([CHAT], now=10.6) == pytest.approx(0.4)


def test_the_slowest_pace_decides():
    pacer = Pacer()
    pacer.take([BOT, CHAT], at=0.0)
    assert pacer.wait_time([BOT, CHAT], now=0.0) == 1.0
    assert pacer.wait_time([BOT, Pace("chat", "c2", 1.0)], now=0.0) == BOT.interval


def test_thirty_per_second_are_spaced_evenly():
    pacer = Pacer()
    at = 0.0
    for _ in range(31):
        at += pacer.wait_time([BOT], now=at)
        pacer.take([BOT], at=at)
    assert abs(at - 1.0) < 1e-9  # the 31st goes exactly one second after the first


def test_a_burst_allowance_lets_that_many_go_back_to_back():
    pace = Pace("chat", "c", interval=1.0, burst=3)
    pacer = Pacer()
    for _ in range(3):
        assert pacer.wait_time([pace], now=0.0) == 0
        pacer.take([pace], at=0.0)
    assert pacer.wait_time([pace], now=0.0) == 1.0


def test_hold_blocks_a_key_until_the_platform_says():
    pacer = Pacer()
    pacer.hold(CHAT, until=25.0)
    assert pacer.wait_time([CHAT], now=20.0) == 5.0


def test_idle_keys_are_pruned():
    pacer = Pacer()
    for n in range(1000):
        pacer.take([Pace("chat", str(n), 1.0)], at=0.0)
    assert len(pacer) == 1000
    pacer.prune(now=5.0)
    assert len(pacer) == 0
