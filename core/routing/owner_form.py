"""The owner's routing form: the shop's rule and response-time targets and each team's own,
read from and saved into the configuration document (its `routing` and `targets` sections),
checked as `pasokh config load` checks them, with refusals as translation keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from core import owner_config, owner_settings
from core.i18n import gettext_noop
from core.models import Team, User
from core.owner_config import MAX_OPEN_PER_AGENT, MAX_TARGET_MINUTES, Routing, Targets, TeamItem
from core.owner_settings import ChangedMeanwhile
from core.text import to_latin_digits

INHERIT = ""  # a team's mode: follow the shop's rule


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str  # the input's name on the form: "max_open", "team:فروش:first_response"
    message: str  # an English message id, translated where shown


class RoutingFormError(Exception):
    """Every refused field of the form at once, so the owner fixes them in one go."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(", ".join(problem.field for problem in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleFields:
    mode: str  # round_robin | manual | "" (a team following the shop's rule)
    max_open: str  # "" for no cap
    only_available: bool
    # Response-time targets in minutes, "" for none (a team: all empty follows the shop's).
    first_response: str = ""
    next_response: str = ""
    resolution: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingSettings:
    shop: RuleFields
    teams: tuple[tuple[str, RuleFields], ...]  # every team the panel knows, by name
    version: str


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _fields(routing: Routing | None, targets: Targets | None, *, inherit: bool) -> RuleFields:
    targets = targets or Targets()
    minutes = {"first_response": _text(targets.first_response_minutes),
               "next_response": _text(targets.next_response_minutes),
               "resolution": _text(targets.resolution_minutes)}
    if routing is None:
        return RuleFields(mode=INHERIT if inherit else "manual", max_open="",
                          only_available=True, **minutes)
    return RuleFields(mode=routing.mode, only_available=routing.only_available,
                      max_open=_text(routing.max_open_per_agent), **minutes)


async def routing_settings() -> RoutingSettings:
    document = await owner_config.load_stored()
    by_name = {team.name: team for team in document.teams}
    names = await Team.all().order_by("name").values_list("name", flat=True)

    def team_fields(name: str) -> RuleFields:
        item = by_name.get(name)
        return _fields(item.routing if item else None, item.targets if item else None,
                       inherit=True)

    return RoutingSettings(
        shop=_fields(document.routing, document.targets, inherit=False),
        teams=tuple((name, team_fields(name)) for name in names),
        version=await owner_settings.version())


def parse_rule(fields: RuleFields, prefix: str, problems: list[FieldProblem]
               ) -> Routing | None:
    """The rule the fields describe; None for a team that follows the shop's rule (or when
    a field is refused: its problem is added to `problems` under the input's name)."""
    if fields.mode == INHERIT:
        return None
    refused = len(problems)
    if fields.mode not in ("round_robin", "manual"):
        problems.append(FieldProblem(f"{prefix}mode", gettext_noop(
            "Choose how conversations are assigned.")))
    text = to_latin_digits(fields.max_open.strip())
    if text and (not text.isdigit() or not 1 <= int(text) <= MAX_OPEN_PER_AGENT):
        problems.append(FieldProblem(f"{prefix}max_open", gettext_noop(
            "The most open conversations per agent is a whole number from 1 to 1000, or"
            " empty for no limit.")))
    if len(problems) > refused:
        return None
    return Routing(mode=fields.mode, max_open_per_agent=int(text) if text else None,  # type: ignore[arg-type]
                   only_available=fields.only_available)


def parse_targets(fields: RuleFields, prefix: str, problems: list[FieldProblem]
                  ) -> Targets | None:
    """The targets the fields give; None when none is set (or one is refused: its problem
    is added to `problems`)."""
    values: dict[str, int | None] = {}
    for name in ("first_response", "next_response", "resolution"):
        text = to_latin_digits(getattr(fields, name).strip())
        if text and (not text.isdigit() or not 1 <= int(text) <= MAX_TARGET_MINUTES):
            problems.append(FieldProblem(f"{prefix}{name}", gettext_noop(
                "A target is a whole number of minutes from 1 to 43200, or empty for none.")))
            text = ""
        values[f"{name}_minutes"] = int(text) if text else None
    return Targets(**values) if any(v is not None for v in values.values()) else None


def team_prefix(name: str) -> str:
    """How a team's inputs are named on the form: `team:NAME:mode`."""
    return f"team:{name}:"


async def save_routing(shop: RuleFields, teams: Mapping[str, RuleFields],
                       expected_version: str) -> None:
    """Raises RoutingFormError with every bad field, ChangedMeanwhile when someone saved the
    configuration after the form was opened; otherwise stores the document."""
    problems: list[FieldProblem] = []
    shop_rule, shop_targets = parse_rule(shop, "", problems) or Routing(), parse_targets(
        shop, "", problems)
    team_rules = {name: (parse_rule(fields, team_prefix(name), problems),
                         parse_targets(fields, team_prefix(name), problems))
                  for name, fields in teams.items()}
    if problems:
        raise RoutingFormError(problems)
    if expected_version != await owner_settings.version():
        raise ChangedMeanwhile
    document = await owner_config.load_stored()
    items = []
    for item in document.teams:
        rule, targets = team_rules.pop(item.name, (item.routing, item.targets))
        items.append(msgspec.structs.replace(item, routing=rule, targets=targets))
    for name, (rule, targets) in team_rules.items():
        if (rule is None and targets is None) or not await Team.exists(name=name):
            continue
        # A team made in the panel joins the document with the members it has.
        members = await User.filter(memberships__team__name=name).values_list("email",
                                                                              flat=True)
        items.append(TeamItem(name=name, members=list(members), routing=rule,
                              targets=targets))
    changed = msgspec.structs.replace(document, routing=shop_rule, targets=shop_targets,
                                      teams=items)
    await owner_config.store(owner_config.parse(owner_config.dump(changed)))
