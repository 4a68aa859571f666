"""Login and its throttling: who is looking, from their credentials or their session.

Failures are counted per address in the database (`login_throttle`), for addresses that
exist and for those that do not alike, so the lockout says nothing about who has an account.
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
from core.users import password_matches

log = logging.getLogger(__name__)

LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_FOR = timedelta(minutes=15)
FAILURES_FORGOTTEN_AFTER = timedelta(minutes=15)
THROTTLE_ROWS_KEPT_FOR = timedelta(days=1)


class LoginRefused(DeskError):
    """Wrong address or password; the same for both, so addresses cannot be probed."""


class LoginLocked(DeskError):
    """Too many failed attempts for this address; `until` says when it opens again."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class Login:
    async def authenticate(self, email: str, password: str) -> Viewer:
        """The viewer for these credentials; raises LoginRefused or LoginLocked."""
        email = email.strip().lower()[:254]
        conn = connection()
        now = utcnow()
        locked = await query_rows(conn, "SELECT locked_until FROM login_throttle WHERE email = ?",
                                  [email])
        until = from_db_time(locked[0]["locked_until"]) if locked else None
        if until and until > now:
            raise LoginLocked(gettext_noop("Too many failed attempts."), until)
        user = await User.get_or_none(email=email, active=True)
        if await password_matches(user.password_hash if user else None, password) and user:
            await conn.execute_query(
                dialect_sql(conn, "DELETE FROM login_throttle WHERE email = ?"), [email]
            )
            return await _viewer_of(user)
        await _count_failure(conn, email, now)
        raise LoginRefused(gettext_noop("The e-mail address or the password is wrong."))

    async def viewer(self, user_id: int) -> Viewer | None:
        """The viewer a session names, or None once the user is gone or deactivated."""
        user = await User.get_or_none(id=user_id, active=True)
        return await _viewer_of(user) if user else None


async def _count_failure(conn: BaseDBAsyncClient, email: str, now: datetime) -> None:
    stamp = db_time(conn, now)
    forgotten = db_time(conn, now - FAILURES_FORGOTTEN_AFTER)
    rows = await query_rows(
        conn,
        "INSERT INTO login_throttle (email, failures, locked_until, updated_at)"
        " VALUES (?, 1, NULL, ?) ON CONFLICT (email) DO UPDATE SET"
        " failures = CASE WHEN login_throttle.updated_at < ? THEN 1"
        " ELSE login_throttle.failures + 1 END, updated_at = excluded.updated_at"
        " RETURNING failures",
        [email, stamp, forgotten],
    )
    if rows and rows[0]["failures"] >= LOCKOUT_AFTER_FAILURES:
        log.warning("panel: login locked for %s minutes after %d failures",
                    LOCKOUT_FOR.seconds // 60, rows[0]["failures"])
        await conn.execute_query(
            dialect_sql(conn, "UPDATE login_throttle SET locked_until = ?, failures = 0"
                              " WHERE email = ?"),
            [db_time(conn, now + LOCKOUT_FOR), email],
        )
    # Rows of addresses nobody tries any more go, so guessing cannot grow the table.
    await conn.execute_query(
        dialect_sql(conn, "DELETE FROM login_throttle WHERE updated_at < ?"
                          " AND (locked_until IS NULL OR locked_until < ?)"),
        [db_time(conn, now - THROTTLE_ROWS_KEPT_FOR), stamp],
    )


async def _viewer_of(user: User) -> Viewer:
    team_ids = await TeamMember.filter(user_id=user.id).order_by("team_id").values_list(
        "team_id", flat=True
    )
    return Viewer(user.id, user.email, user.display_name, user.role, tuple(team_ids))
