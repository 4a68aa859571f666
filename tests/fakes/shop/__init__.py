"""A fake shop order API for the order-tracking tests (see server.py)."""

from .server import API_KEY, BROKEN_ORDER, ORDERS, SLOW_ORDER, FakeShop

__all__ = ["API_KEY", "BROKEN_ORDER", "ORDERS", "SLOW_ORDER", "FakeShop"]
