"""A fake of Bale's business messaging API, Safir, for the proactive path's tests."""

from .server import API_KEY, BOT_ID, NOT_ON_BALE, FakeSafir, SafirMessage

__all__ = ["API_KEY", "BOT_ID", "NOT_ON_BALE", "FakeSafir", "SafirMessage"]
