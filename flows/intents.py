"""Recognising what a customer asks for, on normalized Persian (ي/ی, digits, ZWNJ…)."""

from __future__ import annotations

from functools import lru_cache

from core.text import normalize


@lru_cache(maxsize=64)
def _normalized(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalize(phrase) for phrase in phrases)


def wants_a_person(text: str | None, phrases: tuple[str, ...]) -> bool:
    if not text:
        return False
    said = normalize(text)
    words = set(said.split())
    return any(
        wanted in said if " " in wanted else wanted in words
        for wanted in _normalized(phrases)
    )


def is_command(text: str | None, command: str) -> bool:
    """"/start", "/start payload" and "/start@SomeBot" all count as /start."""
    if not text or not text.startswith("/"):
        return False
    head = text.split(maxsplit=1)[0]
    return head.split("@", 1)[0].lower() == f"/{command}"
