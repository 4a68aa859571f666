"""A fake Web Push service (see server.py)."""

from .server import FakePushService, PushCall

__all__ = ["FakePushService", "PushCall"]
