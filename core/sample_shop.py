"""The sample shop a fresh install starts with (core/data/sample_shop.yaml): a Persian FAQ,
a menu, business hours with split shifts, an auto-reply and canned replies, so the bot and
the owner pages show what they do before anyone has written a line.

It is stored when the first owner is added and nothing was ever configured; the owner keeps
it, edits it, or clears it in one click (the owner's start page).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from core import owner_config
from core.owner_config import OwnerDocument

SAMPLE = Path(__file__).resolve().parent / "data" / "sample_shop.yaml"


@cache
def sample() -> OwnerDocument:
    return owner_config.parse(SAMPLE.read_text(encoding="utf-8"))


async def install_if_fresh() -> bool:
    """Stores the sample when no configuration was ever stored; whether it did."""
    if await owner_config.stored_at() is not None:
        return False
    await owner_config.store(sample())
    return True


async def in_use() -> bool:
    """Whether the stored configuration is still the sample as shipped."""
    return await owner_config.load_stored() == sample()
