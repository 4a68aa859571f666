"""What an owner configures for the flows. Loaded from YAML by `pasokh config load`
(see docs/config.md) once that lands; until then the defaults below are the bot."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.i18n import gettext_noop

HANDOFF = "handoff"
MAIN_MENU = "menu"


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuItem:
    title: str  # an English message id, translated for each customer
    payload: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowConfig:
    menu: tuple[MenuItem, ...] = field(
        default_factory=lambda: (MenuItem(title=gettext_noop("Talk to a person"), payload=HANDOFF),)
    )
    handoff_phrases: tuple[str, ...] = (
        "اپراتور",
        "پشتیبان",
        "کارشناس",
        "انسان",
        "با یک انسان صحبت کنم",
        "با یک نفر صحبت کنم",
        "operator",
        "human",
        "agent",
        "/human",
    )
