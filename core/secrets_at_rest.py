"""Secrets at rest: channel tokens and webhook secrets (a Meta app's secret among them) are
kept encrypted in the database, so that a copy of the database file or a backup gives no
one the shop's bots.

One secret key per installation: PASOKH_SECRET_KEY, or when that is empty a key generated on
first start into PASOKH_DATA_DIR/session.key (mode 0600; the name is from when it only
encrypted the panel's sessions). From it each use derives a key of its own: the session
cookies one, the database another. Values are sealed with Fernet (`cryptography`: AES-128-CBC
with an HMAC-SHA256) and stored as "fernet:<token>". Losing the key loses the channels'
tokens (add the channels again); changing it needs the old key to read what was sealed.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from tortoise import fields

from core.settings import Settings

log = logging.getLogger(__name__)

KEY_FILE = "session.key"
SEALED_PREFIX = "fernet:"
_DATABASE_KEY_PURPOSE = b"pasokh: secrets in the database\0"


class SecretKeyError(RuntimeError):
    """A sealed value cannot be read: the database was sealed under another key, or no key
    was set up. The message never contains the value."""


def data_dir_of(settings: Settings) -> Path:
    """The data folder, made owner-only (0700) when Pasokh creates it."""
    path = Path(settings.data_dir)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def installation_secret(settings: Settings) -> str:
    """PASOKH_SECRET_KEY, or the key kept in the data folder (created the first time)."""
    if settings.secret_key:
        return settings.secret_key
    path = data_dir_of(settings) / KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made before, or by another process starting at once
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        raise RuntimeError(f"{path} is empty: delete it to have a new key made") from None
    key = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    log.info("generated the installation's secret key in %s", path)
    return key


def derived_key(secret: str, purpose: bytes) -> bytes:
    """32 bytes for one purpose from the installation's secret (any long string)."""
    return hashlib.sha256(purpose + secret.encode()).digest()


class _Sealer:
    def __init__(self) -> None:
        self._fernet: Fernet | None = None

    def use(self, settings: Settings) -> None:
        key = derived_key(installation_secret(settings), _DATABASE_KEY_PURPOSE)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def _key(self) -> Fernet:
        if self._fernet is None:
            raise SecretKeyError("no secret key set up: open the database through core.db")
        return self._fernet

    def seal(self, plain: str) -> str:
        if not plain:
            return ""
        return SEALED_PREFIX + self._key().encrypt(plain.encode()).decode("ascii")

    def unseal(self, stored: str) -> str:
        if not stored.startswith(SEALED_PREFIX):
            return stored  # empty, or written before migration 0013 sealed every row
        try:
            return self._key().decrypt(stored.removeprefix(SEALED_PREFIX)).decode()
        except InvalidToken:
            raise SecretKeyError(
                "a secret in the database was sealed with another key: set PASOKH_SECRET_KEY"
                " (or PASOKH_DATA_DIR's session.key) back to the one it was sealed with"
            ) from None


sealer = _Sealer()


def use_secret_key(settings: Settings) -> None:
    """Sets up the key for this process; core.db calls it before any query."""
    sealer.use(settings)


class SealedTextField(fields.TextField):
    """Text kept encrypted in the database and plain in Python."""

    def to_db_value(self, value: Any, instance: Any) -> Any:
        value = super().to_db_value(value, instance)
        return sealer.seal(value) if isinstance(value, str) else value

    def to_python_value(self, value: Any) -> Any:
        value = super().to_python_value(value)
        return sealer.unseal(value) if isinstance(value, str) else value
