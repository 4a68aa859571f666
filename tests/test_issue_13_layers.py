"""Issue 13: the layers, read from the source. No module outside adapters/ names a
concrete platform except through the registry, and the import graph of the packages runs
one way: bots → everything; admin_panel → core; adapters → core; flows → core's pure types
and text helpers; core → nothing above it. The platform names that remain are listed here
exactly, with the reason, so that the list can only shrink."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from core.events import Platform

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "adapters", "flows", "bots", "admin_panel")
OUTSIDE_ADAPTERS = ("core", "flows", "bots", "admin_panel")
_ALTERNATIVES = "|".join(p.value for p in Platform)
PLATFORM_WORD = re.compile(rf"\b({_ALTERNATIVES})\b", re.IGNORECASE)
PLATFORM_NAME = re.compile(rf"^({_ALTERNATIVES}|meta)_")  # settings.telegram_api_base…
PLATFORM_LIBRARIES = {"telegram", "aiogram", "pywa"}

# (file, what it names) → why it may. Each entry is one reference found in the code.
NAMED_ON_PURPOSE: dict[tuple[str, str], str] = {
    # The enum itself: the one list the registry is keyed by.
    **{("core/events.py", repr(p.value)): "the Platform enum" for p in Platform},
    # `pasokh telegram|bale set-webhook URL`, aliases of `pasokh channel set-webhook`.
    ("bots/cli.py", "'telegram'"): "the CLI alias the README documents",
    ("bots/cli.py", "'bale'"): "the CLI alias the README documents",
    # python-telegram-bot's logger, quieted with aiohttp's and Tortoise's: a library's name.
    ("bots/logs.py", "'telegram'"): "a library's logger",
    # Transliteration vocabulary: the words customers type, not a platform reference.
    ("flows/finglish.py", "'telegram'"): "Finglish vocabulary",
    ("flows/finglish.py", "'whatsapp'"): "Finglish vocabulary",
    ("flows/finglish.py", "'instagram'"): "Finglish vocabulary",
    ("flows/intents.py", "'bale'"): "Finglish for بله (yes), not the messenger",
}
# WhatsApp message templates are a section of the owner's configuration (docs/config.md).
NAMES_ANYWHERE = {"whatsapp_templates", "'WhatsApp templates'"}

ALLOWED_ARROWS = {("bots", other) for other in PACKAGES if other != "bots"} | {
    ("admin_panel", "core"), ("adapters", "core"), ("flows", "core")}
# flows may use core's pure types and text helpers only.
FLOWS_MAY_USE = {"core", "core.actions", "core.events", "core.formats", "core.i18n", "core.text",
                 "core.suggestions"}


def modules(packages: tuple[str, ...]) -> Iterator[tuple[str, str, ast.Module]]:
    """(module name, path from the root, tree) of every module in these packages."""
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            yield name, relative.as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def imported(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _docstrings(tree: ast.Module) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, kinds) and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def platform_references(tree: ast.Module) -> Iterator[str]:
    """Every place a module names a concrete platform: an enum member, an adapter's own
    module, a platform's library, a string or a name that says a platform."""
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "Platform" and node.attr in Platform.__members__):
            yield f"Platform.{node.attr}"
        elif isinstance(node, ast.Attribute) and PLATFORM_NAME.match(node.attr):
            yield ast.unparse(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings and PLATFORM_WORD.search(node.value):
            yield repr(node.value)
    for name in imported(tree):
        parts = name.split(".")
        if parts[0] == "adapters" and parts[1:2] not in ([], ["base"]):
            yield f"import {name}"
        if parts[0] in PLATFORM_LIBRARIES:
            yield f"import {name}"


def test_issue_13_no_module_outside_adapters_names_a_platform():
    found = {(path, reference) for _, path, tree in modules(OUTSIDE_ADAPTERS)
             for reference in platform_references(tree)
             if not any(name in reference for name in NAMES_ANYWHERE)}
    assert found - NAMED_ON_PURPOSE.keys() == set()
    assert NAMED_ON_PURPOSE.keys() - found == set(), "an allowance no longer needed: drop it"


def test_issue_13_templates_and_styles_name_no_platform():
    panel = ROOT / "admin_panel"
    texts = [*(panel / "templates").rglob("*.html"), *(panel / "static").glob("*.css"),
             *(panel / "static").glob("*.js")]
    named = {path.relative_to(ROOT).as_posix(): PLATFORM_WORD.findall(
        path.read_text(encoding="utf-8").replace("whatsapp_templates", ""))
        for path in texts}
    assert {path: words for path, words in named.items() if words} == {}


def arrows() -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Package → package, with the module imports that make each arrow."""
    found: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for name, _, tree in modules(PACKAGES):
        source = name.split(".")[0]
        for target in imported(tree):
            package = target.split(".")[0]
            if package in PACKAGES and package != source:
                found.setdefault((source, package), set()).add((name, target))
    return found


def test_issue_13_imports_run_one_way_with_no_circle():
    graph = arrows()
    upward = {pair for arrow, pairs in graph.items() if arrow not in ALLOWED_ARROWS
              for pair in pairs}
    flows_reach = {pair for pair in graph.get(("flows", "core"), set())
                   if pair[1] not in FLOWS_MAY_USE}
    assert upward | flows_reach == set()
    assert _circle(set(graph)) is None
    assert ("admin_panel", "bots") not in graph  # the panel never reaches into the wiring


def _circle(edges: set[tuple[str, str]]) -> list[str] | None:
    """A cycle among the packages, or None."""
    following: dict[str, set[str]] = {}
    for source, target in edges:
        following.setdefault(source, set()).add(target)

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        for target in sorted(following.get(node, ())):
            if (circle := visit(target, [*path, node])) is not None:
                return circle
        return None

    return next((c for start in PACKAGES if (c := visit(start, [])) is not None), None)
