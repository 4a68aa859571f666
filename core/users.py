"""Panel users: argon2 password hashes, unique e-mail addresses."""

from __future__ import annotations

import asyncio
from functools import cache

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


async def password_matches(password_hash: str | None, password: str) -> bool:
    """The same work whether the user exists or not (`None`): an unknown address is
    checked against a stand-in hash, so timing tells nothing about who has an account."""
    # argon2 is slow on purpose; keep it off the event loop.
    return await asyncio.to_thread(_matches, password_hash, password)
