"""core/desk/login.py: failed logins are counted and locked per address."""

from __future__ import annotations

import pytest

from core.desk import DeskError, LoginLocked
from tests.panel.helpers import PASSWORD, make_user


async def test_lockout_is_stored_per_address(world):
    await make_user("a@example.com")
    for _ in range(5):
        with pytest.raises(DeskError):
            await world.desk.authenticate("a@example.com", "wrong")
    with pytest.raises(LoginLocked):
        await world.desk.authenticate("A@example.com ", PASSWORD)
