"""What an id of ours looks like, for every route that takes one from a path, a query, a
form or a JSON body: checked there, once, so that no number the database cannot hold
(PostgreSQL's integer stops at 2^31 − 1, SQLite's at 2^63 − 1) ever reaches a query.
"""

from __future__ import annotations

from core.text import to_latin_digits

MAX_ID = 2**31 - 1  # conversations, customers, channels, teams, users: integer columns
MAX_MESSAGE_ID = 2**63 - 1  # messages and the outbox: bigint columns
# More digits than any id has: longer text is refused before it is turned into a number.
_MAX_DIGITS = len(str(MAX_MESSAGE_ID))


class NotAnId(ValueError):
    """The text is given but is no id of ours."""


def parse_id(raw: object, *, maximum: int = MAX_ID) -> int | None:
    """The id `raw` names (ASCII or Persian/Arabic digits), None when it is absent or
    empty, NotAnId for anything else: a sign, a letter, zero, or more than `maximum`."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise NotAnId("an id is written in digits")
    digits = to_latin_digits(raw).strip()
    if not digits:
        return None
    if len(digits) > _MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
        raise NotAnId("an id is written in digits")
    return checked_id(int(digits), maximum=maximum)


def checked_id(value: int, *, maximum: int = MAX_ID) -> int:
    """`value`, when it can be one of our ids; NotAnId otherwise."""
    if not 1 <= value <= maximum:
        raise NotAnId("no id is that large" if value > 0 else "ids start at 1")
    return value


def id_or_none(raw: object, *, maximum: int = MAX_ID) -> int | None:
    """The id, or None for anything that is not one (a form field left blank or wrong)."""
    try:
        return parse_id(raw, maximum=maximum)
    except NotAnId:
        return None
