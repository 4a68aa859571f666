"""A fake receiver of Pasokh's outgoing webhooks (see server.py)."""

from .server import FakeReceiver, Received

__all__ = ["FakeReceiver", "Received"]
