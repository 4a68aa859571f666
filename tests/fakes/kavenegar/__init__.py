"""A fake Kavenegar SMS API for the SMS channel's tests (see server.py)."""

from .server import API_KEY, LINE, PRICE_PER_PART, FakeKavenegar, SentText

__all__ = ["API_KEY", "LINE", "PRICE_PER_PART", "FakeKavenegar", "SentText"]
