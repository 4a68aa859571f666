"""Panel users: argon2 password hashes, unique e-mail addresses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache, partial

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from tortoise.exceptions import IntegrityError

from core.models import Role, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


class UserExists(ValueError):
    """Another user has that e-mail address."""


async def add_user(email: str, password: str, role: str) -> str:
    """Returns the address as stored (trimmed, lower case)."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    # argon2 is slow on purpose; keep it off the event loop.
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    try:
        await User.create(email=email, password_hash=password_hash, role=Role(role).value)
    except IntegrityError:
        raise UserExists(f"a user with the address {email} exists already") from None
    return email


@cache
def _unknown_user_hash() -> str:
    return _hasher.hash("the hash an unknown address is checked against")


def _matches(password_hash: str | None, password: str) -> bool:
    try:
        matched = _hasher.verify(password_hash or _unknown_user_hash(), password)
    except (VerifyMismatchError, InvalidHashError):
        return False
    return matched and password_hash is not None


class PasswordChecksBusy(RuntimeError):
    """More password checks are waiting than can be served soon; this one was not run."""


class PasswordChecks:
    """At most `parallel` argon2 checks at once, and at most `waiting` queued behind them.

    argon2 takes its time and memory on purpose; a burst of logins checked all at once would
    slow every other login (and the rest of the process) for seconds. So the queue is
    bounded: an attempt that finds it full is refused at once, as busy, and costs nothing.
    """

    def __init__(self, parallel: int, waiting: int) -> None:
        self._parallel = parallel
        self._waiting_limit = waiting
        self._waiting = 0
        self._slots = asyncio.Semaphore(parallel)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self, check: Callable[[], bool]) -> bool:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a semaphore serves one event loop; tests run many
            self._loop, self._slots, self._waiting = loop, asyncio.Semaphore(self._parallel), 0
        if self._slots.locked() and self._waiting >= self._waiting_limit:
            raise PasswordChecksBusy(f"{self._parallel} password checks running and"
                                     f" {self._waiting} waiting")
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            # argon2 is slow on purpose; keep it off the event loop.
            return await asyncio.to_thread(check)
        finally:
            self._slots.release()


PASSWORD_CHECKS_PARALLEL = 2  # argon2 uses a core per check; the process has others to serve
PASSWORD_CHECKS_WAITING = 8
password_checks = PasswordChecks(PASSWORD_CHECKS_PARALLEL, PASSWORD_CHECKS_WAITING)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """The same work whether the user exists or not (`None`): an unknown address is
    checked against a stand-in hash, so timing tells nothing about who has an account.
    Raises PasswordChecksBusy when too many checks are queued already."""
    return await password_checks.run(partial(_matches, password_hash, password))
