"""Login and its throttling: who is looking, from their credentials or their session.

Attempts are counted in the database (`login_throttle`) under two keys: the e-mail address
(for addresses that exist and those that do not alike, so the lockout says nothing about who
has an account) and the client's network address, so that one client cannot try a handful
of passwords on every account. An attempt is *reserved* before its password is checked, in
one statement per key (an upsert that returns the new count), so a burst of parallel guesses
gets no more checks than a patient guesser would; on PostgreSQL the upsert takes the row's
lock, on SQLite the statement holds the database's write lock. A password that matches gives
its reservations back.

Checking a password is slow on purpose (argon2), so at most a few run at once
(`core/users.py`); when more are waiting than can be served soon, the attempt is refused as
busy instead of queueing, and every other user's login stays quick.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from core.clock import utcnow
from core.db import connection, dialect_sql, query_rows
from core.desk._scope import DeskError, Viewer
from core.i18n import gettext_noop
from core.models import TeamMember, User
from core.sqlvalues import db_time, from_db_time
from core.users import PasswordChecksBusy, password_matches

log = logging.getLogger(__name__)

LOCKOUT_AFTER_FAILURES = 5  # per e-mail address
# Per client address: higher, since an office may share one address behind its router.
CLIENT_LOCKOUT_AFTER_FAILURES = 20
LOCKOUT_FOR = timedelta(minutes=15)
FAILURES_FORGOTTEN_AFTER = timedelta(minutes=15)
THROTTLE_ROWS_KEPT_FOR = timedelta(days=1)
# A client's key has no "@", an account's always has one, so neither can stand for the other.
CLIENT_KEY_PREFIX = "client "


class LoginRefused(DeskError):
    """Wrong address or password; the same for both, so addresses cannot be probed."""


class LoginLocked(DeskError):
    """Too many failed attempts for this address; `until` says when it opens again."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class LoginBusy(DeskError):
    """Too many logins are being checked at this moment; the attempt was not counted."""


class Login:
    async def authenticate(self, email: str, password: str, client: str = "") -> Viewer:
        """The viewer for these credentials, tried from network address `client`; raises
        LoginRefused, LoginLocked or LoginBusy."""
        email = email.strip().lower()[:254]
        conn = connection()
        now = utcnow()
        keys = [(CLIENT_KEY_PREFIX + client)[:254]] if client else []
        limits = [CLIENT_LOCKOUT_AFTER_FAILURES] if client else []
        if "@" in email:  # anything else is no account, and must not lock out a client key
            keys.append(email)
            limits.append(LOCKOUT_AFTER_FAILURES)
        reserved: list[str] = []
        try:
            for key, limit in zip(keys, limits, strict=True):
                await _reserve(conn, key, limit, now)
                reserved.append(key)
            user = await User.get_or_none(email=email, active=True) if "@" in email else None
            matched = await password_matches(user.password_hash if user else None, password)
        except (LoginLocked, PasswordChecksBusy) as refused:
            await _give_back(conn, reserved)
            if isinstance(refused, PasswordChecksBusy):
                log.warning("panel: login refused as busy: %s", refused)
                raise LoginBusy(gettext_noop("Many people are logging in at this moment. Try again"
                                            " in a minute.")) from None
            raise
        if matched and user:
            # The account starts afresh; the client only gets this attempt back.
            await conn.execute_query(
                dialect_sql(conn, "DELETE FROM login_throttle WHERE email = ?"), [email])
            await _give_back(conn, [key for key in reserved if key != email])
            return await _viewer_of(user)
        await _forget_old_rows(conn, now)
        raise LoginRefused(gettext_noop("The e-mail address or the password is wrong."))

    async def viewer(self, user_id: int) -> Viewer | None:
        """The viewer a session names, or None once the user is gone or deactivated."""
        user = await User.get_or_none(id=user_id, active=True)
        return await _viewer_of(user) if user else None

    async def end_sessions(self, user_id: int) -> None:
        """Logs the user out everywhere: sessions naming the old version no longer count,
        so a copy of the cookie stops working with the one that logged out."""
        conn = connection()
        await conn.execute_query(
            dialect_sql(conn, 'UPDATE "user" SET session_version = session_version + 1'
                              " WHERE id = ?"), [user_id])


async def _reserve(conn: BaseDBAsyncClient, key: str, limit: int, now: datetime) -> None:
    """Counts one attempt for `key` before it is checked; LoginLocked when it is one too
    many. The count restarts once a lock has run out or the last attempt is long past."""
    stamp = db_time(conn, now)
    rows = await query_rows(
        conn,
        "INSERT INTO login_throttle (email, failures, locked_until, updated_at)"
        " VALUES (?, 1, NULL, ?) ON CONFLICT (email) DO UPDATE SET"
        " failures = CASE WHEN login_throttle.locked_until IS NOT NULL"
        " AND login_throttle.locked_until <= ? THEN 1"
        " WHEN login_throttle.updated_at < ? THEN 1"
        " ELSE login_throttle.failures + 1 END,"
        " locked_until = CASE WHEN login_throttle.locked_until <= ? THEN NULL"
        " ELSE login_throttle.locked_until END,"
        " updated_at = excluded.updated_at"
        " RETURNING failures, locked_until",
        [key, stamp, stamp, db_time(conn, now - FAILURES_FORGOTTEN_AFTER), stamp],
    )
    failures, until = rows[0]["failures"], from_db_time(rows[0]["locked_until"])
    if until is not None and until > now:
        raise LoginLocked(gettext_noop("Too many failed attempts."), until)
    if failures <= limit:
        return
    until = now + LOCKOUT_FOR
    log.warning("panel: login locked for %d minutes after %d failures (%s)",
                LOCKOUT_FOR.seconds // 60, limit,
                "client" if key.startswith(CLIENT_KEY_PREFIX) else "account")
    await conn.execute_query(
        dialect_sql(conn, "UPDATE login_throttle SET locked_until = ? WHERE email = ?"
                          " AND locked_until IS NULL"),
        [db_time(conn, until), key],
    )
    raise LoginLocked(gettext_noop("Too many failed attempts."), until)


async def _give_back(conn: BaseDBAsyncClient, keys: list[str]) -> None:
    """Takes back the attempts counted for `keys`: their password matched, or was never
    checked."""
    if keys:
        await conn.execute_query(
            dialect_sql(conn, "UPDATE login_throttle SET failures = failures - 1"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                              f" WHERE failures > 0 AND email IN ({', '.join('?' * len(keys))})"),
            keys,
        )


async def _forget_old_rows(conn: BaseDBAsyncClient, now: datetime) -> None:
    """Rows of addresses nobody tries any more go, so guessing cannot grow the table."""
    await conn.execute_query(
        dialect_sql(conn, "DELETE FROM login_throttle WHERE updated_at < ?"
                          " AND (locked_until IS NULL OR locked_until < ?)"),
        [db_time(conn, now - THROTTLE_ROWS_KEPT_FOR), db_time(conn, now)],
    )


async def _viewer_of(user: User) -> Viewer:
    team_ids = await TeamMember.filter(user_id=user.id).order_by("team_id").values_list(
        "team_id", flat=True
    )
    return Viewer(user.id, user.email, user.display_name, user.role, tuple(team_ids),
                  user.session_version)
