"""The owner's configuration: one YAML document, validated whole, stored as one row.

`pasokh config load FILE` checks every part before anything changes and names the line of
each problem; `pasokh config export` writes back what is stored. The sections here are the
ones the flows use today (`faq`, `menu`); docs/config.md documents them, and the others of
DESIGN.md arrive with the features that use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import msgspec
import yaml

from core.models import OwnerConfig

MAX_TEXT = 4000  # an answer must fit one message on every platform
MAX_TITLE = 64
FAQ_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class FaqItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: str
    question: str
    answer: str
    alternatives: list[str] = msgspec.field(default_factory=list)


class MenuItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    title: str
    reply: str | None = None
    faq: str | None = None
    submenu: list[MenuItem] | None = None
    action: Literal["handoff"] | None = None


class OwnerDocument(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    faq: list[FaqItem] = msgspec.field(default_factory=list)
    menu: list[MenuItem] = msgspec.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None  # 1-based, where the YAML has the value
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class InvalidConfig(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def parse(text: str) -> OwnerDocument:
    """The document, or InvalidConfig listing every problem found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InvalidConfig([Problem(mark.line + 1 if mark else None,
                                     f"not valid YAML: {getattr(error, 'problem', error)}")]
                            ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidConfig([Problem(1, "the file must be a mapping of sections (faq:, menu:)")])
    try:
        document = msgspec.convert(data, OwnerDocument)
    except msgspec.ValidationError as error:
        message, _, path = str(error).rpartition(" - at ")
        if not message:
            message, path = str(error), "$"
        path = path.strip("`")
        raise InvalidConfig([Problem(_line(node, path), _explain(message, path))]) from None
    problems = _check(document)
    if problems:
        raise InvalidConfig([Problem(_line(node, path), message) for path, message in problems])
    return document


def dump(document: OwnerDocument) -> str:
    return yaml.safe_dump(msgspec.to_builtins(document), allow_unicode=True, sort_keys=False,
                          width=100)


async def load_stored() -> OwnerDocument:
    row = await OwnerConfig.get_or_none(id=1)
    return msgspec.convert(row.document, OwnerDocument) if row else OwnerDocument()


async def stored_at() -> datetime | None:
    row = await OwnerConfig.get_or_none(id=1).only("id", "updated_at")
    return row.updated_at if row else None


async def store(document: OwnerDocument) -> None:
    await OwnerConfig.update_or_create(
        id=1, defaults={"document": msgspec.to_builtins(document), "updated_at": datetime.now(UTC)}
    )


def _check(document: OwnerDocument) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(document.faq):
        at = f"$.faq[{index}]"
        if not FAQ_ID.fullmatch(item.id):
            problems.append((f"{at}.id", "an FAQ id is 1 to 64 letters, digits, - or _"))
        elif item.id in seen:
            problems.append((f"{at}.id", f"the id {item.id!r} is used twice"))
        seen.add(item.id)
        for field_name in ("question", "answer"):
            value = getattr(item, field_name)
            if not value.strip():
                problems.append((f"{at}.{field_name}", f"the {field_name} is empty"))
            elif len(value) > MAX_TEXT:
                problems.append((f"{at}.{field_name}",
                                 f"the {field_name} is longer than {MAX_TEXT} characters"))
    problems.extend(_check_menu(document.menu, "$.menu", seen))
    return problems


def _check_menu(items: list[MenuItem], at: str, faq_ids: set[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        here = f"{at}[{index}]"
        if not item.title.strip() or len(item.title) > MAX_TITLE:
            problems.append((f"{here}.title", f"a title needs 1 to {MAX_TITLE} characters"))
        chosen = [name for name in ("reply", "faq", "submenu", "action")
                  if getattr(item, name) is not None]
        if len(chosen) != 1:
            problems.append((here, "a menu item needs exactly one of reply, faq, submenu, "
                                   f"action (it has {', '.join(chosen) or 'none'})"))
        if item.faq is not None and item.faq not in faq_ids:
            problems.append((f"{here}.faq", f"no FAQ entry has the id {item.faq!r}"))
        if item.submenu is not None:
            if not item.submenu:
                problems.append((f"{here}.submenu", "a submenu needs at least one item"))
            problems.extend(_check_menu(item.submenu, f"{here}.submenu", faq_ids))
    return problems


_STEP = re.compile(r"\.([A-Za-z_]+)|\[(\d+)\]")


def _line(node: yaml.Node | None, path: str) -> int | None:
    """The line of the YAML value at a `$.faq[2].answer`-style path (or of its parent)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key, index in _STEP.findall(path):
        if key and isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == key), None)
            if child is None:
                return line
            node = child
        elif index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            node = node.value[int(index)]
        else:
            return line
        line = node.start_mark.line + 1
    return line


ALLOWED_ACTIONS = "handoff"
SECTIONS = tuple(OwnerDocument.__struct_fields__)


def _explain(message: str, path: str) -> str:
    if path == "$" and "unknown field" in message:
        section = message.rpartition(" ")[2]
        return f"unknown section {section}; this version knows: {', '.join(SECTIONS)}"
    where = path.removeprefix("$.") if path != "$" else "the file"
    if path.endswith(".action"):
        message += f"; an action can be: {ALLOWED_ACTIONS}"
    return f"{where}: {message}"
