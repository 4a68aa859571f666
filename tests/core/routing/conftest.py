"""Routing's fixtures: a `World` (the real inbox and desk) on either database."""

from __future__ import annotations

import pytest

from tests.core.desk.helpers import running_world


@pytest.fixture
async def world(any_database):
    async for started in running_world():
        yield started
