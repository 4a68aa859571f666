"""The owner's configuration: one YAML document, validated whole, stored as one row.

`pasokh config load FILE` checks every part before anything changes and names the line of
each problem; `pasokh config export` writes back what is stored. docs/config.md documents
every section.

Only shapes are checked here, never customer text: answers, titles and messages are sent
as written, and no part of the file is ever used as a template or a pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import yaml

from core.events import Platform
from core.followup_config import FollowupLimits, FollowupRule, check_followups
from core.formats import DEFAULT_TZ, format_number, parse_jalali_date
from core.i18n import current_language, gettext, gettext_noop
from core.models import OwnerConfig, Team, TeamMember, User
from core.secrets_at_rest import sealer
from core.text import normalize

MAX_TEXT = 4000  # an answer must fit one message on every platform
MAX_TITLE = 64
FAQ_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
TIME_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SHORTCUT = re.compile(r"[^\s]{1,32}")
# Meta's rules: a template name is lower-case letters, digits and _; a language code is
# like "fa" or "en_US".
TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
TEMPLATE_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
MAX_TEMPLATE_PARAMETERS = 10
MENU_ACTIONS = ("handoff", "order", "ticket")
PLATFORMS = tuple(platform.value for platform in Platform)


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
    action: Literal["handoff", "order", "ticket"] | None = None


class AutoReply(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    id: str
    keywords: list[str]
    reply: str
    match: Literal["exact", "contains", "starts_with"] = "contains"
    channels: list[Platform] = msgspec.field(
        default_factory=list)
    priority: int = 0


class Week(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Opening times per weekday as "09:00-17:00" ranges; a day left out is closed."""

    saturday: list[str] = msgspec.field(default_factory=list)
    sunday: list[str] = msgspec.field(default_factory=list)
    monday: list[str] = msgspec.field(default_factory=list)
    tuesday: list[str] = msgspec.field(default_factory=list)
    wednesday: list[str] = msgspec.field(default_factory=list)
    thursday: list[str] = msgspec.field(default_factory=list)
    friday: list[str] = msgspec.field(default_factory=list)


class BusinessHours(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    name: str = "default"
    timezone: str = DEFAULT_TZ
    week: Week
    holidays: list[str] = msgspec.field(default_factory=list)  # Jalali, e.g. 1405-01-01
    away_message: str | None = None
    minutes_per_conversation: int = 5  # for "a person will answer in about …"


class OrderFields(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Where each value is in the shop's answer (dotted for nested JSON) or CSV row."""

    status: str = "status"
    updated_at: str = "updated_at"
    tracking_code: str = "tracking_code"
    order_id: str = "order_id"  # the CSV column that holds the order number


class OrderLookup(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    url: str | None = None  # https://shop.example/api/orders/{order_id}
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    csv: str | None = None
    fields: OrderFields | None = None  # None: the names below as they are
    status_names: dict[str, str] = msgspec.field(default_factory=dict)
    timeout_seconds: float = 5.0


class Survey(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    enabled: bool = True
    question: str | None = None
    comment_prompt: str | None = None
    thanks: str | None = None


class Routing(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """How conversations handed to people find an agent (core/routing/): `round_robin` gives
    each to the member who has waited longest for a new one; `manual` leaves it in the queue."""

    mode: Literal["round_robin", "manual"] = "manual"
    max_open_per_agent: int | None = None  # None: no cap
    only_available: bool = True  # False: members who are away or offline get them too


class Targets(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Response-time targets, in minutes of the team's business hours (core/targets/)."""

    first_response_minutes: int | None = None  # handed to people → an agent's first reply
    next_response_minutes: int | None = None  # the customer writes again → the next reply
    resolution_minutes: int | None = None  # handed to people → resolved


class TeamItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    name: str
    members: list[str] = msgspec.field(default_factory=list)  # agents' e-mail addresses
    hours: str | None = None  # the name of a business_hours entry
    routing: Routing | None = None  # None: the document's `routing`
    targets: Targets | None = None  # None: the document's `targets`


class CannedReply(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    shortcut: str
    text: str


class WhatsAppTemplate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True,
                       omit_defaults=True):
    """A message template approved by Meta, which agents may send after WhatsApp's
    24-hour window has closed."""

    name: str
    language: str
    parameters: int = 0  # how many {{1}}, {{2}}... the approved body has
    description: str = ""  # what agents read: what the template says and when to use it


class AgentReplies(msgspec.Struct, kw_only=True, forbid_unknown_fields=True,
                   omit_defaults=True):
    # An agent's reply starts with their display name, «سارا از پشتیبانی:», so customers know
    # who writes; off: customers see the reply alone.
    show_name_to_customers: bool = False


class OwnerDocument(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    faq: list[FaqItem] = msgspec.field(default_factory=list)
    menu: list[MenuItem] = msgspec.field(default_factory=list)
    auto_replies: list[AutoReply] = msgspec.field(default_factory=list)
    business_hours: list[BusinessHours] = msgspec.field(default_factory=list)
    order_lookup: OrderLookup | None = None
    survey: Survey | None = None
    teams: list[TeamItem] = msgspec.field(default_factory=list)
    routing: Routing | None = None  # None: manual, as before routing existed
    targets: Targets | None = None  # for conversations of no team, and teams without their own
    canned_replies: list[CannedReply] = msgspec.field(default_factory=list)
    whatsapp_templates: list[WhatsAppTemplate] = msgspec.field(default_factory=list)
    agent_replies: AgentReplies | None = None
    followups: list[FollowupRule] = msgspec.field(default_factory=list)
    followup_limits: FollowupLimits | None = None


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: a holiday 1405-01-01 stays the Jalali text it is."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None  # 1-based, where the YAML has the value
    message: str  # in English, as `pasokh config load` prints it
    path: str = ""  # where in the document, like $.menu[0].title; "" when unknown
    said: str = ""  # the message in the panel reader's language; "" when only English

    @property
    def for_reader(self) -> str:
        return self.said or self.message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class InvalidConfig(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def parse(text: str) -> OwnerDocument:
    """The document, or InvalidConfig listing every problem found."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass  # nosec B506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InvalidConfig([Problem(mark.line + 1 if mark else None,
                                     f"not valid YAML: {getattr(error, 'problem', error)}")]
                            ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidConfig([Problem(1, "the file must be a mapping of sections (faq:, menu:, …)")])
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
        raise InvalidConfig([Problem(_line(node, path), english, path=path, said=said)
                             for path, english, said in problems])
    return document


def from_builtins(data: dict[str, Any]) -> OwnerDocument:
    """The document from plain data, as the panel's forms build it, checked like `parse`;
    InvalidConfig lists every problem with its path (and no line: there is no file)."""
    try:
        document = msgspec.convert(data, OwnerDocument)
    except msgspec.ValidationError as error:
        message, _, path = str(error).rpartition(" - at ")
        if not message:
            message, path = str(error), "$"
        path = path.strip("`")
        raise InvalidConfig([Problem(None, _explain(message, path), path=path)]) from None
    problems = _check(document)
    if problems:
        raise InvalidConfig([Problem(None, english, path=path, said=said)
                             for path, english, said in problems])
    return document


# What the shop's order-lookup headers (its API key) show as outside the database: the
# settings page and `pasokh config export` without --with-secrets. Given back unchanged, it
# keeps the stored value (`with_secrets_kept`).
SECRET_MASK = "********"  # noqa: S105 - a placeholder shown instead of the key  # nosec B105


def masked(document: OwnerDocument) -> OwnerDocument:
    """The document with the order lookup's header values (the shop key) masked."""
    lookup = document.order_lookup
    if lookup is None or not lookup.headers:
        return document
    headers = {name: SECRET_MASK if value else value for name, value in lookup.headers.items()}
    return msgspec.structs.replace(
        document, order_lookup=msgspec.structs.replace(lookup, headers=headers))


def with_secrets_kept(document: OwnerDocument, stored: OwnerDocument) -> OwnerDocument:
    """`document` with every masked header value put back from `stored`; a masked header
    that `stored` does not have is left out, so the mask is never saved as a key."""
    lookup = document.order_lookup
    if lookup is None or SECRET_MASK not in lookup.headers.values():
        return document
    known = stored.order_lookup.headers if stored.order_lookup else {}
    headers = {name: known[name] if value == SECRET_MASK else value
               for name, value in lookup.headers.items()
               if value != SECRET_MASK or name in known}
    return msgspec.structs.replace(
        document, order_lookup=msgspec.structs.replace(lookup, headers=headers))


def _with_headers(document: OwnerDocument, change: Callable[[str], str]) -> OwnerDocument:
    """The order lookup's header values (the shop key) sealed for the database, or unsealed
    from it (core/secrets_at_rest.py). A value stored before they were sealed reads as is,
    and is sealed the next time the document is stored."""
    lookup = document.order_lookup
    if lookup is None or not lookup.headers:
        return document
    headers = {name: change(value) for name, value in lookup.headers.items()}
    return msgspec.structs.replace(
        document, order_lookup=msgspec.structs.replace(lookup, headers=headers))


def dump(document: OwnerDocument) -> str:
    return yaml.safe_dump(msgspec.to_builtins(document), allow_unicode=True, sort_keys=False,
                          width=100)


async def load_stored() -> OwnerDocument:
    row = await OwnerConfig.get_or_none(id=1)
    if row is None:
        return OwnerDocument()
    return _with_headers(msgspec.convert(row.document, OwnerDocument), sealer.unseal)


async def stored_at() -> datetime | None:
    row = await OwnerConfig.get_or_none(id=1).only("id", "updated_at")
    return row.updated_at if row else None


async def store(document: OwnerDocument) -> list[str]:
    """Stores the document and makes the teams' memberships match it.

    Returns the members' e-mail addresses that belong to no panel user yet (they join their
    team when the document is loaded again after `pasokh user add`).
    """
    await OwnerConfig.update_or_create(
        id=1, defaults={"document": msgspec.to_builtins(_with_headers(document, sealer.seal)),
                        "updated_at": datetime.now(UTC)}
    )
    return await _sync_teams(document.teams)


async def _sync_teams(teams: list[TeamItem]) -> list[str]:
    unknown: list[str] = []
    for item in teams:
        team, _ = await Team.get_or_create(name=item.name)
        emails = [email.lower() for email in item.members]
        users = await User.filter(email__in=emails).values_list("id", "email")
        found = {email for _, email in users}
        unknown.extend(email for email in emails if email not in found)
        await TeamMember.filter(team_id=team.id).exclude(user_id__in=[i for i, _ in users]).delete()
        have = set(await TeamMember.filter(team_id=team.id).values_list("user_id", flat=True))
        await TeamMember.bulk_create(
            [TeamMember(team_id=team.id, user_id=user_id) for user_id, _ in users
             if user_id not in have],
            ignore_conflicts=True,
        )
    return unknown


Finding = tuple[str, str, str]  # (path like $.menu[0].title, English, the reader's language)


def _say(path: str, message: str, /, **values: object) -> Finding:
    """One problem at `path`: `message` is an English message id (extracted for the
    catalogues), said in English for the CLI and in the panel reader's language."""
    language = current_language.get()
    said = {name: format_number(value, language) if isinstance(value, int) else value
            for name, value in values.items()}
    return path, message % values, gettext(message) % said


def _check(document: OwnerDocument) -> list[Finding]:
    problems: list[Finding] = []
    seen: set[str] = set()
    for index, item in enumerate(document.faq):
        at = f"$.faq[{index}]"
        if not FAQ_ID.fullmatch(item.id):
            problems.append(_say(f"{at}.id",
                                 gettext_noop("an FAQ id is 1 to 64 letters, digits, - or _")))
        elif item.id in seen:
            problems.append(_say(f"{at}.id", gettext_noop("the id '%(id)s' is used twice"),
                                 id=item.id))
        seen.add(item.id)
        if not item.question.strip():
            problems.append(_say(f"{at}.question", gettext_noop("the question is empty")))
        elif len(item.question) > MAX_TEXT:
            problems.append(_say(f"{at}.question", gettext_noop(
                "the question is longer than %(most)s characters"), most=MAX_TEXT))
        if not item.answer.strip():
            problems.append(_say(f"{at}.answer", gettext_noop("the answer is empty")))
        elif len(item.answer) > MAX_TEXT:
            problems.append(_say(f"{at}.answer", gettext_noop(
                "the answer is longer than %(most)s characters"), most=MAX_TEXT))
    problems.extend(_check_menu(document.menu, "$.menu", seen,
                                actions=_menu_actions(document)))
    problems.extend(_check_auto_replies(document.auto_replies))
    problems.extend(_check_hours(document.business_hours))
    if document.order_lookup is not None:
        problems.extend(_check_order_lookup(document.order_lookup))
    if document.survey is not None:
        problems.extend(_check_texts(document.survey, "$.survey",
                                     ("question", "comment_prompt", "thanks")))
    problems.extend(_check_teams(document.teams, {h.name for h in document.business_hours}))
    problems.extend(_check_routing(document))
    problems.extend(_check_targets(document))
    problems.extend(_check_canned(document.canned_replies))
    problems.extend(_check_templates(document.whatsapp_templates))
    problems.extend(_say(path, message, **values) for path, message, values in check_followups(
        document.followups, document.followup_limits,
        [(t.name, t.language, t.parameters) for t in document.whatsapp_templates]))
    return problems


def _menu_actions(document: OwnerDocument) -> tuple[str, ...]:
    return MENU_ACTIONS if document.order_lookup is not None else ("handoff", "ticket")


def _check_texts(section: msgspec.Struct, at: str, names: tuple[str, ...]) -> list[Finding]:
    problems: list[Finding] = []
    for name in names:
        value = getattr(section, name)
        if value is None:
            continue
        if not value.strip():
            problems.append(_say(f"{at}.{name}", gettext_noop(
                "%(name)s is empty; leave it out for the default"), name=name))
        elif len(value) > MAX_TEXT:
            problems.append(_say(f"{at}.{name}", gettext_noop(
                "%(name)s is longer than %(most)s characters"), name=name, most=MAX_TEXT))
    return problems


def _check_auto_replies(rules: list[AutoReply]) -> list[Finding]:
    problems: list[Finding] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        at = f"$.auto_replies[{index}]"
        if not FAQ_ID.fullmatch(rule.id):
            problems.append(_say(f"{at}.id", gettext_noop(
                "a rule id is 1 to 64 letters, digits, - or _")))
        elif rule.id in seen:
            problems.append(_say(f"{at}.id", gettext_noop("the id '%(id)s' is used twice"),
                                 id=rule.id))
        seen.add(rule.id)
        if not rule.keywords:
            problems.append(_say(f"{at}.keywords",
                                 gettext_noop("a rule needs at least one keyword")))
        for position, keyword in enumerate(rule.keywords):
            if not normalize(keyword):
                problems.append(_say(f"{at}.keywords[{position}]",
                                     gettext_noop("a keyword needs a letter or a digit")))
        problems.extend(_check_texts(rule, at, ("reply",)))
    return problems


def _check_hours(schedules: list[BusinessHours]) -> list[Finding]:
    problems: list[Finding] = []
    names: set[str] = set()
    for index, schedule in enumerate(schedules):
        at = f"$.business_hours[{index}]"
        if not schedule.name.strip():
            problems.append(_say(f"{at}.name", gettext_noop("a name is needed")))
        elif schedule.name in names:
            problems.append(_say(f"{at}.name", gettext_noop("the name '%(name)s' is used twice"),
                                 name=schedule.name))
        names.add(schedule.name)
        try:
            ZoneInfo(schedule.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(_say(f"{at}.timezone", gettext_noop(
                "unknown time zone '%(zone)s' (e.g. Asia/Tehran)"), zone=schedule.timezone))
        for day in Week.__struct_fields__:
            for position, text in enumerate(getattr(schedule.week, day)):
                if time_range(text) is None:
                    problems.append(_say(f"{at}.week.{day}[{position}]", gettext_noop(
                        "'%(text)s' is not a time range like 09:00-17:00"), text=text))
        for position, holiday in enumerate(schedule.holidays):
            try:
                parse_jalali_date(holiday)
            except ValueError:
                problems.append(_say(f"{at}.holidays[{position}]", gettext_noop(
                    "'%(text)s' is not a Jalali date like 1405-01-01"), text=holiday))
        if not 1 <= schedule.minutes_per_conversation <= 24 * 60:
            problems.append(_say(f"{at}.minutes_per_conversation",
                                 gettext_noop("use 1 to 1440 minutes")))
        problems.extend(_check_texts(schedule, at, ("away_message",)))
    return problems


def time_range(text: str) -> tuple[int, int] | None:
    """"09:00-17:30" → minutes after midnight (540, 1050); "00:00-24:00" is the whole day."""
    match = TIME_RANGE.fullmatch(text.strip())
    if match is None:
        return None
    start_hour, start_minute, end_hour, end_minute = (int(group) for group in match.groups())
    if start_minute > 59 or end_minute > 59:
        return None
    start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
    if not 0 <= start < end <= 24 * 60:
        return None
    return start, end


_CSV_NAME = re.compile(r"[^/\\\x00-\x1f]{1,120}")


def csv_name_allowed(name: str) -> bool:
    """A plain file name (the order lookup's CSV): no folder, no parent, no hidden file."""
    return _CSV_NAME.fullmatch(name) is not None and name.strip() == name and name[0] != "."


def _check_order_lookup(lookup: OrderLookup) -> list[Finding]:
    at = "$.order_lookup"
    if (lookup.url is None) == (lookup.csv is None):
        return [_say(at, gettext_noop("order_lookup needs exactly one of url or csv"))]
    problems: list[Finding] = []
    if lookup.url is not None:
        if not lookup.url.startswith(("https://", "http://")) or "{order_id}" not in lookup.url:
            problems.append(_say(f"{at}.url", gettext_noop(
                "the url starts with https:// and contains {order_id}")))
        elif urlsplit(lookup.url.replace("{order_id}", "0")).netloc != urlsplit(
                lookup.url.replace("{order_id}", "1")).netloc:
            problems.append(_say(f"{at}.url", gettext_noop(
                "{order_id} goes in the path or the query, not in the host")))
    elif not csv_name_allowed(lookup.csv or ""):
        problems.append(_say(f"{at}.csv", gettext_noop(
            "give the CSV file's name alone: it is read from the orders folder of the data "
            "directory, where the file uploaded on the order lookup page goes")))
    if not 0.5 <= lookup.timeout_seconds <= 30:
        problems.append(_say(f"{at}.timeout_seconds", gettext_noop("use 0.5 to 30 seconds")))
    return problems


def _check_teams(teams: list[TeamItem], schedules: set[str]) -> list[Finding]:
    problems: list[Finding] = []
    names: set[str] = set()
    for index, team in enumerate(teams):
        at = f"$.teams[{index}]"
        if not team.name.strip() or len(team.name) > 128:
            problems.append(_say(f"{at}.name",
                                 gettext_noop("a team name needs 1 to 128 characters")))
        elif team.name in names:
            problems.append(_say(f"{at}.name", gettext_noop(
                "the team '%(name)s' is listed twice"), name=team.name))
        names.add(team.name)
        for position, email in enumerate(team.members):
            if not EMAIL.fullmatch(email):
                problems.append(_say(f"{at}.members[{position}]", gettext_noop(
                    "'%(email)s' is not an e-mail address"), email=email))
        if team.hours is not None and team.hours not in schedules:
            problems.append(_say(f"{at}.hours", gettext_noop(
                "no business_hours entry is named '%(name)s'"), name=team.hours))
    return problems


MAX_OPEN_PER_AGENT = 1000


def _check_routing(document: OwnerDocument) -> list[Finding]:
    sections = [("$.routing", document.routing)] + [
        (f"$.teams[{index}].routing", team.routing) for index, team in enumerate(document.teams)]
    return [_say(f"{at}.max_open_per_agent", gettext_noop(
                 "max_open_per_agent is 1 to %(most)s, or none for no cap"),
                 most=MAX_OPEN_PER_AGENT)
            for at, routing in sections
            if routing is not None and routing.max_open_per_agent is not None
            and not 1 <= routing.max_open_per_agent <= MAX_OPEN_PER_AGENT]


MAX_TARGET_MINUTES = 30 * 24 * 60


def _check_targets(document: OwnerDocument) -> list[Finding]:
    sections = [("$.targets", document.targets)] + [
        (f"$.teams[{index}].targets", team.targets) for index, team in enumerate(document.teams)]
    return [_say(f"{at}.{name}", gettext_noop("%(name)s is 1 to %(most)s minutes, or left out"),
                 name=name, most=MAX_TARGET_MINUTES)
            for at, targets in sections if targets is not None
            for name in Targets.__struct_fields__
            if (value := getattr(targets, name)) is not None
            and not 1 <= value <= MAX_TARGET_MINUTES]


def _check_canned(replies: list[CannedReply]) -> list[Finding]:
    problems: list[Finding] = []
    seen: set[str] = set()
    for index, reply in enumerate(replies):
        at = f"$.canned_replies[{index}]"
        if not SHORTCUT.fullmatch(reply.shortcut):
            problems.append(_say(f"{at}.shortcut", gettext_noop(
                "a shortcut is 1 to 32 characters, no spaces")))
        elif reply.shortcut in seen:
            problems.append(_say(f"{at}.shortcut", gettext_noop(
                "the shortcut '%(shortcut)s' is used twice"), shortcut=reply.shortcut))
        seen.add(reply.shortcut)
        if not reply.text.strip() or len(reply.text) > MAX_TEXT:
            problems.append(_say(f"{at}.text", gettext_noop(
                "a canned reply needs 1 to %(most)s characters"), most=MAX_TEXT))
    return problems


def _check_templates(templates: list[WhatsAppTemplate]) -> list[Finding]:
    problems: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for index, template in enumerate(templates):
        at = f"$.whatsapp_templates[{index}]"
        if not TEMPLATE_NAME.fullmatch(template.name):
            problems.append(_say(f"{at}.name", gettext_noop(
                "a template name is lower-case letters, digits and _")))
        if not TEMPLATE_LANGUAGE.fullmatch(template.language):
            problems.append(_say(f"{at}.language", gettext_noop(
                "a language code looks like fa or en_US")))
        if (template.name, template.language) in seen:
            problems.append(_say(f"{at}.name", gettext_noop(
                "the template '%(name)s' in '%(language)s' is listed twice"),
                name=template.name, language=template.language))
        seen.add((template.name, template.language))
        if not 0 <= template.parameters <= MAX_TEMPLATE_PARAMETERS:
            problems.append(_say(f"{at}.parameters", gettext_noop(
                "a template has 0 to %(most)s parameters"), most=MAX_TEMPLATE_PARAMETERS))
        if len(template.description) > MAX_TEXT:
            problems.append(_say(f"{at}.description", gettext_noop(
                "the description is longer than %(most)s characters"), most=MAX_TEXT))
    return problems


def _check_menu(items: list[MenuItem], at: str, faq_ids: set[str], *,
                actions: tuple[str, ...]) -> list[Finding]:
    problems: list[Finding] = []
    for index, item in enumerate(items):
        here = f"{at}[{index}]"
        if not item.title.strip() or len(item.title) > MAX_TITLE:
            problems.append(_say(f"{here}.title", gettext_noop(
                "a title needs 1 to %(most)s characters"), most=MAX_TITLE))
        chosen = [name for name in ("reply", "faq", "submenu", "action")
                  if getattr(item, name) is not None]
        if len(chosen) != 1:
            problems.append(_say(here, gettext_noop(
                "a menu item needs exactly one of reply, faq, submenu, action (it has "
                "%(chosen)s)"), chosen=", ".join(chosen) or "none"))
        if item.action is not None and item.action not in actions:
            problems.append(_say(f"{here}.action", gettext_noop(
                "the action '%(action)s' needs an order_lookup section"), action=item.action))
        if item.faq is not None and item.faq not in faq_ids:
            problems.append(_say(f"{here}.faq", gettext_noop("no FAQ entry has the id '%(id)s'"),
                                 id=item.faq))
        if item.submenu is not None:
            if not item.submenu:
                problems.append(_say(f"{here}.submenu",
                                     gettext_noop("a submenu needs at least one item")))
            problems.extend(_check_menu(item.submenu, f"{here}.submenu", faq_ids,
                                        actions=actions))
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


ALLOWED_ACTIONS = ", ".join(MENU_ACTIONS)
SECTIONS = tuple(OwnerDocument.__struct_fields__)


def _explain(message: str, path: str) -> str:
    if path == "$" and "unknown field" in message:
        section = message.rpartition(" ")[2]
        return f"unknown section {section}; this version knows: {', '.join(SECTIONS)}"
    where = path.removeprefix("$.") if path != "$" else "the file"
    if path.endswith(".action"):
        message += f"; an action can be: {ALLOWED_ACTIONS}"
    elif path.endswith(".mode"):
        message += "; mode can be: round_robin, manual"
    elif path.endswith(".match"):
        message += "; match can be: exact, contains, starts_with"
    elif ".channels[" in path:
        message += f"; a channel can be: {', '.join(PLATFORMS)}"
    return f"{where}: {message}"
