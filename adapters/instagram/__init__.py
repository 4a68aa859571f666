"""Instagram: webhook body parsing (direct messages, comments, mentions)."""

from __future__ import annotations

from adapters.base import BadPayload
from adapters.instagram.parse import parse_webhook

__all__ = ["BadPayload", "parse_webhook"]
