"""Issue 17, item 1: parallel guesses cannot get past the lockout, a client address has a
limit of its own, and password checks queue boundedly."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core import users
from core.desk import LoginBusy, LoginLocked, LoginRefused
from core.desk.login import CLIENT_LOCKOUT_AFTER_FAILURES, LOCKOUT_AFTER_FAILURES
from core.users import PasswordChecks, PasswordChecksBusy
from tests.panel.helpers import PASSWORD, make_user

CLIENT = "203.0.113.9"


async def _outcomes(world, attempts):
    results = await asyncio.gather(
        *(world.desk.authenticate(email, password, client) for email, password, client
          in attempts),
        return_exceptions=True,
    )
    return [type(result).__name__ if isinstance(result, Exception) else "viewer"
            for result in results]


async def test_issue_17_a_burst_of_guesses_gets_no_more_checks_than_the_limit(world):
    await make_user("a@example.com")
    burst = [("a@example.com", f"guess-{n}", f"198.51.100.{n}") for n in range(39)]
    outcomes = await _outcomes(world, [*burst, ("a@example.com", PASSWORD, "198.51.100.99")])
    checked = outcomes.count("LoginRefused") + outcomes.count("viewer")
    assert checked <= LOCKOUT_AFTER_FAILURES
    assert outcomes.count("LoginLocked") >= 40 - LOCKOUT_AFTER_FAILURES
    with pytest.raises(LoginLocked):  # and the right password does not open it now either
        await world.desk.authenticate("a@example.com", PASSWORD, "198.51.100.99")


async def test_issue_17_one_client_is_limited_across_accounts(world):
    await make_user("b@example.com")
    for n in range(CLIENT_LOCKOUT_AFTER_FAILURES):
        with pytest.raises(LoginRefused):
            await world.desk.authenticate(f"nobody{n}@example.com", "wrong", CLIENT)
    with pytest.raises(LoginLocked):
        await world.desk.authenticate("b@example.com", PASSWORD, CLIENT)
    # The account itself is not locked: another client logs in.
    viewer = await world.desk.authenticate("b@example.com", PASSWORD, "192.0.2.1")
    assert viewer.email == "b@example.com"


async def test_issue_17_a_success_gives_the_client_its_attempt_back(world):
    await make_user("c@example.com")
    for _ in range(CLIENT_LOCKOUT_AFTER_FAILURES * 2):  # many logins from one office
        await world.desk.authenticate("c@example.com", PASSWORD, CLIENT)
    with pytest.raises(LoginRefused):
        await world.desk.authenticate("c@example.com", "wrong", CLIENT)


async def test_issue_17_an_address_without_at_cannot_lock_a_client(world):
    await make_user("d@example.com")
    for _ in range(LOCKOUT_AFTER_FAILURES * 2):
        with pytest.raises(LoginRefused):
            await world.desk.authenticate(f"client {CLIENT}", "wrong", f"192.0.2.{_}")
    viewer = await world.desk.authenticate("d@example.com", PASSWORD, CLIENT)
    assert viewer.email == "d@example.com"


async def test_issue_17_password_checks_refuse_when_the_queue_is_full():
    checks = PasswordChecks(parallel=1, waiting=1)
    release = threading.Event()

    def slow_check() -> bool:
        release.wait(timeout=30)
        return True

    running = asyncio.ensure_future(checks.run(slow_check))
    queued = asyncio.ensure_future(checks.run(lambda: True))
    await asyncio.sleep(0)  # both have taken their places
    with pytest.raises(PasswordChecksBusy):
        await checks.run(lambda: True)
    release.set()
    assert await running and await queued
    assert await checks.run(lambda: False) is False  # the queue is free again


async def test_issue_17_a_busy_login_is_not_counted(world, monkeypatch):
    await make_user("e@example.com")
    full = PasswordChecks(parallel=1, waiting=0)
    release = threading.Event()
    monkeypatch.setattr(users, "password_checks", full)
    holder = asyncio.ensure_future(full.run(lambda: release.wait(timeout=30)))
    await asyncio.sleep(0)
    for _ in range(LOCKOUT_AFTER_FAILURES + 1):
        with pytest.raises(LoginBusy):
            await world.desk.authenticate("e@example.com", "wrong", CLIENT)
    release.set()
    await holder
    viewer = await world.desk.authenticate("e@example.com", PASSWORD, CLIENT)
    assert viewer.email == "e@example.com"
