"""Pacing: GCRA spacing, bursts, holds after a 429 and a map that does not grow; windowed
limits (slots a late pass missed made up, replies first) and real sends held to the
platform's window."""

from __future__ import annotations

import asyncio

import pytest

from core.delivery import Pace
from core.ratelimit import Pacer, SendWindows
from tests.fakes.clock import FakeClock

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


# Limits the platform counts in a window (issue 16: a broadcast near the floor the limits allow)

WINDOWED = Pace.per_second("bot", "w", 30)  # 30 in any second, planned 1/30 s apart
SPACED = Pace("bot", "s", interval=1 / 30)  # the same pace, spacing only


def _given_at(pacer: Pacer, pace: Pace, now: float, since: float) -> int:
    """How many sends a pass at `now`, due at `since`, may start at once."""
    count = 0
    while pacer.wait_time([pace], now, since=since) <= 0:
        pacer.take([pace], now, since=since)
        count += 1
    return count


def test_a_per_second_limit_counts_whole_sends_in_its_window():
    assert (WINDOWED.per_window, WINDOWED.window) == (30, 1.0)
    slow = Pace.per_second("line", "l", 2.5, safety=1.02)
    assert (slow.per_window, slow.window) == (2, pytest.approx(0.8))
    assert slow.interval == pytest.approx(1.02 / 2.5)


def test_a_late_pass_makes_up_the_windowed_slots_it_missed():
    """A pass due at 0 that runs at 0.5 s: under a windowed limit the 15 slots it missed
    still go (at once), where spacing alone gives one and loses the rest for good."""
    windowed, spaced = Pacer(), Pacer()
    windowed.take([WINDOWED], 0.0, since=0.0)
    spaced.take([SPACED], 0.0, since=0.0)
    assert _given_at(windowed, WINDOWED, now=0.5, since=0.0) == 15
    assert _given_at(spaced, SPACED, now=0.5, since=0.0) == 1


def _passes(pace: Pace) -> list[float]:
    """The slots 400 passes give: each due 0.1 s after the last ran, some of them up to
    0.3 s late, each claiming what may go within 0.2 s."""
    pacer = Pacer()
    given: list[float] = []
    due, lateness = 0.0, [0.0, 0.0, 0.15, 0.0, 0.05, 0.0, 0.3, 0.0]
    for n in range(400):
        now = due + lateness[n % len(lateness)]
        while (wait := pacer.wait_time([pace], now, since=due)) <= 0.2:
            pacer.take([pace], now + wait, since=due)
            given.append(now + wait)
        due = now + 0.1
    return given


def test_made_up_slots_keep_the_pace_and_never_put_more_than_the_limit_in_a_window():
    given = _passes(WINDOWED)
    assert len(given) / given[-1] >= 0.97 * 30
    assert all(later - earlier >= WINDOWED.window - 1e-9
               for earlier, later in zip(given, given[WINDOWED.per_window:], strict=False))
    spaced = _passes(SPACED)  # each late pass lost its slots: 25 a second
    assert len(spaced) / spaced[-1] < 0.9 * 30


def test_an_idle_windowed_key_owes_nothing():
    pacer = Pacer()
    pacer.take([WINDOWED], 0.0, since=0.0)
    assert _given_at(pacer, WINDOWED, now=10.0, since=10.0) == 1  # then one interval


def test_a_reply_goes_ahead_of_the_proactive_sends_planned_under_a_windowed_limit():
    pacer = Pacer()
    chat = Pace("chat", "c", interval=1.0)
    for _ in range(60):  # two windows of a broadcast claimed ahead
        pacer.take([WINDOWED], pacer.wait_time([WINDOWED], 0.0))
    assert pacer.wait_time([WINDOWED, chat], 0.1) > 1.0
    assert pacer.wait_time([WINDOWED, chat], 0.1, first=True) == 0
    before = pacer.wait_time([WINDOWED], 0.1)
    pacer.take([WINDOWED, chat], 0.1, first=True)
    # The proactive sends planned next leave it room; its chat keeps its own pace.
    assert pacer.wait_time([WINDOWED], 0.1) == pytest.approx(before + WINDOWED.interval)
    assert pacer.wait_time([WINDOWED, chat], 0.1, first=True) == pytest.approx(1.0)


def test_a_reply_still_waits_out_a_hold_the_platform_asked_for():
    pacer = Pacer()
    pacer.hold(WINDOWED, until=5.0)
    assert pacer.wait_time([WINDOWED], 1.0, first=True) == 4.0
    pacer.prune(now=6.0)
    assert pacer.wait_time([WINDOWED], 6.0, first=True) == 0


async def _call(windows: SendWindows, clock: FakeClock, name: str, rank: tuple[int, float],
                calls: list[tuple[str, float, float]], round_trip: float = 0.2) -> None:
    """One platform call under a limit of 3 in any second, taking `round_trip`."""
    async with windows.sending([THREE_A_SECOND], rank):
        started = clock.monotonic()
        await clock.sleep(round_trip)
        calls.append((name, started, clock.monotonic()))


THREE_A_SECOND = Pace.per_second("bot", "b", 3)


async def test_sends_bunched_together_never_put_more_than_the_limit_in_a_window():
    """Ten sends that come at once: each next three start a window after the answers of
    the three before, so however the platform counts between call and answer, no second
    of its own holds a fourth."""
    async with FakeClock().jumping() as clock:
        windows = SendWindows(clock)
        calls: list[tuple[str, float, float]] = []
        await asyncio.gather(*(_call(windows, clock, str(n), (1, 0.0), calls)
                               for n in range(10)))
    calls.sort(key=lambda call: call[1])
    assert len(calls) == 10
    assert all(later[1] >= earlier[2] + THREE_A_SECOND.window
               for earlier, later in zip(calls, calls[3:], strict=False))
    assert len(windows) == 1
    windows.prune(clock.monotonic() + THREE_A_SECOND.window)
    assert len(windows) == 0


async def test_a_reply_gets_room_before_proactive_sends_waiting_for_it():
    async with FakeClock().jumping() as clock:
        windows = SendWindows(clock)
        calls: list[tuple[str, float, float]] = []
        first = [asyncio.create_task(_call(windows, clock, f"p{n}", (1, float(n)), calls))
                 for n in range(5)]  # three go, two wait for room
        await asyncio.sleep(0)
        reply = asyncio.create_task(_call(windows, clock, "reply", (0, 9.0), calls))
        await asyncio.gather(*first, reply)
    order = [name for name, _, _ in sorted(calls, key=lambda call: call[1])]
    assert order[3] == "reply"
    assert order[4:] == ["p3", "p4"]


async def test_a_send_given_up_while_waiting_leaves_its_place():
    async with FakeClock().jumping() as clock:
        windows = SendWindows(clock)
        calls: list[tuple[str, float, float]] = []
        going = [asyncio.create_task(_call(windows, clock, f"p{n}", (1, float(n)), calls))
                 for n in range(3)]
        await asyncio.sleep(0)
        dropped = asyncio.create_task(_call(windows, clock, "dropped", (0, 0.0), calls))
        later = asyncio.create_task(_call(windows, clock, "later", (1, 5.0), calls))
        await asyncio.sleep(0)
        dropped.cancel()
        await asyncio.gather(*going, later)
    assert dropped.cancelled()
    assert [name for name, _, _ in calls][-1] == "later"


async def test_the_sends_waiting_for_room_say_how_long_they_will_keep_the_window_busy():
    async with FakeClock().jumping() as clock:
        windows = SendWindows(clock)
        calls: list[tuple[str, float, float]] = []
        assert windows.queued([THREE_A_SECOND]) == 0
        sends = [asyncio.create_task(_call(windows, clock, f"p{n}", (1, float(n)), calls))
                 for n in range(5)]  # three go, two wait for room
        await asyncio.sleep(0)
        assert windows.queued([THREE_A_SECOND, Pace("chat", "c", 1.0)]) == pytest.approx(
            2 * THREE_A_SECOND.interval)
        await asyncio.gather(*sends)
        assert windows.queued([THREE_A_SECOND]) == 0


def test_a_windowed_key_is_kept_while_its_window_holds_a_send():
    pacer = Pacer()
    pacer.take([WINDOWED], 0.0, since=0.0)
    pacer.prune(now=0.5)  # its time has come, but its last send still counts
    assert len(pacer) == 1
    pacer.prune(now=WINDOWED.window + 0.1)
    assert len(pacer) == 0
