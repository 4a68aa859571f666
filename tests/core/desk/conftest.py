"""The desk's fixtures: a `World` on either database, or on SQLite alone."""

from __future__ import annotations

import pytest

from tests.core.desk.helpers import running_world


@pytest.fixture
async def world(any_database):
    async for started in running_world():
        yield started


@pytest.fixture
async def sqlite_world(database):
    """For what does not depend on the database's dialect."""
    async for started in running_world():
        yield started
