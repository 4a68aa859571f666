"""The session key: from PASOKH_SECRET_KEY, or generated once and kept in the data folder."""

from __future__ import annotations

import stat
from dataclasses import replace

import pytest

from admin_panel.security import secret_key
from core.secrets_at_rest import KEY_FILE
from core.settings import SettingsError, load_settings


def test_a_generated_key_is_kept_private_and_reused(settings):
    first = secret_key(settings)
    assert len(first) >= 32
    assert secret_key(settings) == first  # a restart keeps the sessions
    mode = (settings.data_dir / KEY_FILE).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_the_setting_wins_over_the_file(settings):
    configured = replace(settings, secret_key="k" * 40)
    assert secret_key(configured) == "k" * 40
    assert not (settings.data_dir / KEY_FILE).exists()


def test_a_short_secret_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("PASOKH_SECRET_KEY", "short")
    with pytest.raises(SettingsError, match="PASOKH_SECRET_KEY"):
        load_settings(tmp_path / "missing.env")
