"""Tokens for the JSON API (/api/v1): made by an owner, kept only as a SHA-256 hash.

A token is 32 random bytes, shown once when it is made. A request that presents it acts
as the owner who made it, for as long as that user is an active owner and the token is
not revoked. The hash is looked up through its unique index and compared again with
`hmac.compare_digest`, so no comparison of secrets leaks timing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import utcnow
from core.db import connection, dialect_sql
from core.models import ApiToken, Role, User
from core.sqlvalues import db_time

TOKEN_PREFIX = "pasokh_"  # noqa: S105 - makes a leaked token recognisable; not a secret  # nosec B105
MAX_NAME_CHARS = 128
# last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenError(ValueError):
    """A token that cannot be made or revoked; the message says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedToken:
    id: int
    name: str
    owner_email: str
    token: str  # the secret itself: shown once, never stored

    def __repr__(self) -> str:
        return f"IssuedToken(id={self.id}, name={self.name!r}, owner_email={self.owner_email!r})"


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRecord:
    """A token as its owners' page lists it: never the secret, which is not kept."""

    id: int
    name: str
    owner_email: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


async def list_tokens() -> list[TokenRecord]:
    """Every token, the newest first, revoked ones included (they say who had access)."""
    tokens = await ApiToken.all().select_related("owner").order_by("-id")
    return [TokenRecord(id=token.id, name=token.name, owner_email=token.owner.email,
                        created_at=token.created_at, last_used_at=token.last_used_at,
                        revoked=token.revoked) for token in tokens]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(name: str, owner_email: str) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise ApiTokenError(f"a token needs a name of 1 to {MAX_NAME_CHARS} characters")
    email = owner_email.strip().lower()
    owner = await User.get_or_none(email=email, active=True, role=Role.OWNER.value)
    if owner is None:
        raise ApiTokenError(f"there is no active owner with the address {email}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    stored = await ApiToken.create(name=name, owner=owner, token_hash=_hash(token),
                                   created_at=utcnow())
    return IssuedToken(id=stored.id, name=name, owner_email=email, token=token)


async def revoke_token(token_id: int) -> None:
    if not await ApiToken.filter(id=token_id).update(revoked=True):
        raise ApiTokenError(f"there is no API token {token_id}")


async def token_user(token: str) -> int | None:
    """The id of the owner a valid token acts for, or None; records when it was used."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    presented = _hash(token)
    stored = await ApiToken.filter(token_hash=presented, revoked=False).select_related(
        "owner").first()
    if (stored is None or not hmac.compare_digest(stored.token_hash, presented)
            or not stored.owner.active or stored.owner.role != Role.OWNER):
        return None
    conn = connection()
    now = utcnow()
    await conn.execute_query(
        dialect_sql(conn, "UPDATE api_token SET last_used_at = ? WHERE id = ?"
                          " AND (last_used_at IS NULL OR last_used_at < ?)"),
        [db_time(conn, now), stored.id, db_time(conn, now - LAST_USED_PRECISION)],
    )
    return stored.owner_id
