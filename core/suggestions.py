"""What the panel offers an agent to start a reply from: records that cross from the flows
(which find them) through the runtime to the panel (which shows them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Suggestion:
    """One answer to offer: `label` names it (the FAQ question or the canned shortcut)."""

    kind: str  # "faq" or "canned"
    label: str
    text: str
    score: float  # 0..1
