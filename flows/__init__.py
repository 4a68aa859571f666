"""Conversation flows: pure functions (state, turn, config) → (state, actions).

`decide` is what the runtime calls for every customer message; it never does I/O.
"""

from __future__ import annotations

from typing import Any

from core.actions import FlowResult, Turn
from flows import welcome
from flows.config import FlowConfig


def decide(state: dict[str, Any], turn: Turn, config: FlowConfig) -> FlowResult:
    return welcome.handle(state, turn, config)


__all__ = ["FlowConfig", "decide"]
