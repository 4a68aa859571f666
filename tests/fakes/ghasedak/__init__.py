"""A fake Ghasedak SMS web service for the SMS channel's tests (see server.py)."""

from .server import API_KEY, LINE, PREFIX, FakeGhasedak, GhasedakText

__all__ = ["API_KEY", "LINE", "PREFIX", "FakeGhasedak", "GhasedakText"]
