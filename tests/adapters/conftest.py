"""What the adapters' tests against fake providers share."""

from __future__ import annotations

import aiohttp
import pytest


@pytest.fixture
async def session():
    """The HTTP client an adapter sends with, as the runtime lends it one."""
    async with aiohttp.ClientSession() as client:
        yield client
