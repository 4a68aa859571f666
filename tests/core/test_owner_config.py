"""The owner's YAML: validated whole, problems named by line, round-trips unchanged."""

from __future__ import annotations

import pytest

from core import owner_config
from core.owner_config import InvalidConfig, parse

GOOD = """\
faq:
  - id: shipping-time
    question: سفارش من کی می‌رسد؟
    alternatives: [زمان ارسال چقدر است؟]
    answer: ظرف ۲ روز کاری.
menu:
  - title: ارسال
    submenu:
      - title: زمان ارسال
        faq: shipping-time
      - title: هزینه
        reply: رایگان است.
  - title: گفتگو با پشتیبان
    action: handoff
"""


def test_a_good_file_parses_and_round_trips():
    document = parse(GOOD)
    assert [item.id for item in document.faq] == ["shipping-time"]
    assert document.menu[0].submenu[0].faq == "shipping-time"
    assert parse(owner_config.dump(document)) == document


def test_an_empty_file_is_an_empty_configuration():
    assert parse("") == owner_config.OwnerDocument()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("faq:\n  - id: a\n    question: q\n", 2, "answer"),
        ("faq:\n  - id: a\n    question: q\n    answer: 5\n", 4, "str"),
        ("faq:\n  - id: a\n    question: q\n    answer: x\n  - id: a\n    question: r\n"
         "    answer: y\n", 5, "used twice"),
        ("faq:\n  - id: 'bad id!'\n    question: q\n    answer: x\n", 2, "letters"),
        ("menu:\n  - title: t\n    reply: r\n    action: handoff\n", 2, "exactly one"),
        ("menu:\n  - title: t\n    faq: missing\n", 3, "no FAQ entry"),
        ("menu:\n  - title: t\n    action: dance\n", 3, "handoff"),
        ("surveys:\n  enabled: true\n", 1, "surveys"),
        ("faq: [unclosed\n", 2, "YAML"),
        ("- just\n- a list\n", 1, "mapping"),
    ],
    ids=["missing-answer", "wrong-type", "duplicate-id", "bad-id", "two-kinds",
         "unknown-faq", "unknown-action", "unknown-section", "broken-yaml", "not-a-mapping"],
)
def test_problems_name_the_line(text, line, words):
    with pytest.raises(InvalidConfig) as raised:
        parse(text)
    (problem,) = raised.value.problems
    assert problem.line == line
    assert words in problem.message


def test_every_problem_is_reported_at_once():
    text = "faq:\n  - id: a\n    question: ''\n    answer: ''\n"
    with pytest.raises(InvalidConfig) as raised:
        parse(text)
    assert [p.line for p in raised.value.problems] == [3, 4]


def test_customer_facing_text_is_kept_as_written():
    text = "faq:\n  - id: a\n    question: '{name} <b>x</b>'\n    answer: '%s {{7*7}}'\n"
    assert parse(text).faq[0].answer == "%s {{7*7}}"


async def test_store_and_load(database):
    document = parse(GOOD)
    assert await owner_config.stored_at() is None
    await owner_config.store(document)
    assert await owner_config.load_stored() == document
    assert await owner_config.stored_at() is not None
