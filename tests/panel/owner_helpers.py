"""An owner logged in to the panel."""

from __future__ import annotations

from tests.panel.helpers import log_in, make_user

OWNER = "owner@example.com"


async def as_owner(client, email: str = OWNER) -> int:
    user_id = await make_user(email, "owner")
    assert (await log_in(client, email)).status == 303
    return user_id
