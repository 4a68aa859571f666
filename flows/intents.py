"""Recognising what a customer asks for, on normalized Persian (ي/ی, digits, ZWNJ…)."""

from __future__ import annotations

from core.text import normalize, tokens


def wants_a_person(text: str | None, phrases: tuple[str, ...]) -> bool:
    if not text:
        return False
    said = normalize(text)
    words = set(tokens(text))
    for phrase in phrases:
        wanted = normalize(phrase)
        if " " in wanted and wanted in said:
            return True
        if wanted in words or said == wanted:
            return True
    return False


def is_command(text: str | None, command: str) -> bool:
    """"/start", "/start payload" and "/start@SomeBot" all count as /start."""
    if not text or not text.startswith("/"):
        return False
    head = text.split(maxsplit=1)[0]
    return head.split("@", 1)[0].lower() == f"/{command}"
