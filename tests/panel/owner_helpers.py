"""An owner logged in to the panel."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp

from tests.panel.helpers import log_in, make_user

OWNER = "owner@example.com"


async def as_owner(client, email: str = OWNER) -> int:
    user_id = await make_user(email, "owner")
    assert (await log_in(client, email)).status == 303
    return user_id


@contextlib.asynccontextmanager
async def another_browser(client) -> AsyncIterator[aiohttp.ClientSession]:
    """A second browser on the same running Pasokh: its own cookies, its own session."""
    async with aiohttp.ClientSession(base_url=str(client.make_url("/")),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        yield browser
