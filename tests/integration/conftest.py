"""Fakes that more than one end-to-end test module of a channel runs against."""

from __future__ import annotations

import pytest

from tests.fakes.kavenegar import FakeKavenegar


@pytest.fixture
async def fake_kavenegar():
    async with FakeKavenegar() as fake:
        yield fake
