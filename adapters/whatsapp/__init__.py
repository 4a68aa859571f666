"""WhatsApp Cloud API: webhook body parsing (verification and sending live elsewhere)."""

from __future__ import annotations

from adapters.whatsapp.parse import parse_webhook

__all__ = ["parse_webhook"]
