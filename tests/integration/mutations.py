"""Hypothesis strategies that spoil real webhook payloads the ways the wild does.

`mutated(payload)` draws one to three changes to a JSON document: a node replaced by a value
of another type, a number at an edge of the integer and float ranges, a string that is
empty, huge, bidirectional, with NUL or a lone surrogate, a deep nest, a key deleted, a list
item repeated. `spoiled_bytes` then may break the encoding of the serialized body (invalid
UTF-8 inside a string). The payloads come from tests/data/corpus, so every mutation starts
from something a platform really sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from copy import deepcopy
from typing import Any

from hypothesis import strategies as st

Path = tuple[str | int, ...]

EDGE_NUMBERS = (0, -1, 1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64,
                2**70, -(2**70), 10**30, 1e308, -1e308, 5e-324, -0.0, 0.5)
EDGE_TEXTS = ("", " ", "0", "-1", "null", "true", "9" * 400, "ن" * 20_000, "\u202egpj.exe",
              "a\x00b", "\ud800", "\U0001F600" * 50, "<script>alert(1)</script>",
              "' OR 1=1 --", "%s%n", "\r\n\r\n", "1774080000", "-9223372036854775809")


def _paths(node: Any, here: Path = ()) -> Iterator[Path]:
    yield here
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, (*here, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _paths(child, (*here, index))


def _nest(depth: int, leaf: Any) -> Any:
    for level in range(depth):
        leaf = [leaf] if level % 2 else {"x": leaf}
    return leaf


scalars = st.one_of(
    st.sampled_from(EDGE_NUMBERS),
    st.sampled_from(EDGE_TEXTS),
    st.integers(),
    st.text(max_size=60),
    st.booleans(),
    st.none(),
)
replacements = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.text(max_size=8), scalars, max_size=3),
    st.builds(_nest, st.integers(min_value=2, max_value=120), scalars),
)


@st.composite
def _one_change(draw: st.DrawFn, document: Any) -> Any:
    paths = list(_paths(document))
    path = draw(st.sampled_from(paths[1:] if len(paths) > 1 else paths))
    if not path:
        return draw(replacements)
    parent, last = _at(document, path[:-1]), path[-1]
    action = draw(st.sampled_from(("replace", "replace", "replace", "delete", "repeat")))
    if action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "repeat" and isinstance(parent, list):
        parent.insert(last, deepcopy(parent[last]))
    else:
        parent[last] = draw(replacements)
    return document


@st.composite
def mutated(draw: st.DrawFn, payload: Any) -> Any:
    """A deep copy of `payload` with one to three drawn changes."""
    document = deepcopy(payload)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        document = draw(_one_change(document))
    return document


_MARK = "\u0001spoil\u0001"


@st.composite
def spoiled_bytes(draw: st.DrawFn, document: Any,
                  spoilable: Callable[[Path], bool] = lambda path: True) -> bytes:
    """`document` as JSON, sometimes with invalid UTF-8 inside one of its strings whose
    path `spoilable` allows (the JSON around it stays well formed)."""
    document = deepcopy(document)
    strings = [path for path in _paths(document)
               if path and isinstance(_at(document, path), str) and spoilable(path)]
    spoil = strings and draw(st.integers(min_value=0, max_value=3)) == 0
    if spoil:
        path = draw(st.sampled_from(strings))
        _at(document, path[:-1])[path[-1]] += _MARK
    body = json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8",
                                                                         "surrogatepass")
    if spoil:
        broken = draw(st.sampled_from((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xfe")))
        body = body.replace(json.dumps(_MARK)[1:-1].encode(), broken)
    return body


def _at(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document
