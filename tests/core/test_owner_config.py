"""The owner's YAML: validated whole, problems named by line, round-trips unchanged."""

from __future__ import annotations

from pathlib import Path

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


# --- the sections of issue 5 -------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def test_the_whole_example_in_the_docs_loads_and_round_trips():
    whole = DOCS.read_text(encoding="utf-8").split("## A whole file", 1)[1]
    document = parse(whole.split("```yaml\n", 1)[1].split("```", 1)[0])
    assert document.business_hours[0].holidays == ["1405-01-01", "1405-01-02"]
    assert document.order_lookup.fields.tracking_code == "order.shipping.tracking"
    assert {item.action for item in document.menu} == {"order", None, "ticket", "handoff"}
    assert parse(owner_config.dump(document)) == document


def test_a_csv_order_lookup_names_a_file_and_no_path():
    assert parse("order_lookup:\n  csv: سفارش‌ها.csv\n").order_lookup.csv == "سفارش‌ها.csv"
    for path in ("/etc/passwd", "../pasokh.db", "orders/../../x.csv", ".hidden.csv",
                 "a\\\\b.csv"):
        with pytest.raises(InvalidConfig) as raised:
            parse(f"order_lookup:\n  csv: '{path}'\n")
        assert raised.value.problems[0].line == 2
        assert "name alone" in raised.value.problems[0].message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("auto_replies:\n  - id: a\n    keywords: [x]\n    reply: r\n    match: regex\n", 5,
         "exact"),
        ("auto_replies:\n  - id: a\n    keywords: ['؟!']\n    reply: r\n", 3, "letter"),
        ("auto_replies:\n  - id: a\n    keywords: [x]\n    reply: r\n    channels: [fax]\n", 5,
         "telegram"),
        ("business_hours:\n  - week:\n      saturday: [9-17]\n", 3, "time range"),
        ("business_hours:\n  - week:\n      saturday: ['17:00-09:00']\n", 3, "time range"),
        ("business_hours:\n  - week:\n      satruday: [09:00-17:00]\n", 3, "satruday"),
        ("business_hours:\n  - week: {}\n    holidays: [1405-13-01]\n", 3, "Jalali"),
        ("business_hours:\n  - week: {}\n    timezone: Mars/Base\n", 3, "time zone"),
        ("menu:\n  - title: t\n    action: order\n", 3, "order_lookup"),
        ("order_lookup:\n  url: http://x/orders\n", 2, "{order_id}"),
        ("order_lookup:\n  headers: {a: b}\n", 2, "exactly one"),
        ("teams:\n  - name: a\n    members: [not-an-address]\n", 3, "e-mail"),
        ("teams:\n  - name: a\n    hours: nights\n", 3, "nights"),
        ("canned_replies:\n  - shortcut: two words\n    text: t\n", 2, "no spaces"),
        ("survey:\n  question: ''\n", 2, "empty"),
    ],
    ids=["match-kind", "empty-keyword", "channel", "range-shape", "range-backwards",
         "weekday", "holiday", "timezone", "order-without-lookup", "url-placeholder",
         "url-or-csv", "member", "team-hours", "shortcut", "survey-text"],
)
def test_problems_in_the_new_sections_name_the_line(text, line, words):
    with pytest.raises(InvalidConfig) as raised:
        parse(text)
    (problem,) = raised.value.problems
    assert (problem.line, words in problem.message) == (line, True), problem


async def test_loading_teams_makes_their_members_match(database):
    from core.models import Team, TeamMember
    from core.users import add_user

    await add_user("sara@shop.example", "a-long-passphrase", "agent")
    await add_user("ali@shop.example", "a-long-passphrase", "agent")
    first = parse("teams:\n  - name: فروش\n    members: [sara@shop.example, ALI@shop.example,"
                  " new@shop.example]\n")
    assert await owner_config.store(first) == ["new@shop.example"]
    team = await Team.get(name="فروش")
    assert await TeamMember.filter(team_id=team.id).count() == 2
    await owner_config.store(parse("teams:\n  - name: فروش\n    members: [sara@shop.example]\n"))
    members = await TeamMember.filter(team_id=team.id).prefetch_related("user")
    assert [m.user.email for m in members] == ["sara@shop.example"]
