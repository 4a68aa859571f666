"""The owner's keyword rules, tried before the FAQ: the first matching rule answers.

Matching is on normalized text and whole words, so "قيمت" finds "قیمت" but "ارسال" does not
fire inside "ارسالی". A rule answers a conversation at most once an hour: the state keeps,
per rule, when it last fired, and forgets entries older than that hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flows.config import AutoReplyRule
from flows.intents import said

QUIET_FOR = timedelta(hours=1)


def matches(rule: AutoReplyRule, said: str) -> bool:
    padded = f" {said} "
    match rule.match:
        case "exact":
            return any(said == keyword for keyword in rule.keywords)
        case "starts_with":
            return any(padded.startswith(f" {keyword} ") for keyword in rule.keywords)
        case _:
            return any(f" {keyword} " in padded for keyword in rule.keywords)


def first_match(rules: tuple[AutoReplyRule, ...], text: str | None, channel: str
                ) -> AutoReplyRule | None:
    if not text or not rules:
        return None
    normalized = said(text)
    if not normalized:
        return None
    return next((rule for rule in rules if (not rule.channels or channel in rule.channels)
                 and matches(rule, normalized)), None)


def fired_recently(state: dict[str, Any], rule: AutoReplyRule, now: datetime) -> bool:
    last = state.get("auto_replied", {}).get(rule.id)
    return last is not None and now - datetime.fromisoformat(last) < QUIET_FOR


def remember(state: dict[str, Any], rule: AutoReplyRule, now: datetime) -> dict[str, Any]:
    """The state with this rule's time, and without the times that no longer matter."""
    kept = {rule_id: at for rule_id, at in state.get("auto_replied", {}).items()
            if now - datetime.fromisoformat(at) < QUIET_FOR}
    return {**state, "auto_replied": {**kept, rule.id: now.isoformat()}}
