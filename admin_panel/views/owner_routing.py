"""Routing and targets: the owner's form for the `routing` rules and the response-time
`targets`, the shop's and each team's. The settings pages of those two sections lead here
(owner_forms.page), so no owner needs their YAML; every refused field is shown under itself
and listed above the form, all at once, and the form keeps what the owner wrote."""

from __future__ import annotations

from aiohttp import web

from admin_panel.typedefs import BUS, FLOW_CONFIGURATION
from admin_panel.views.owner_common import (
    notice_later,
    problem_lines,
    render_owner,
    see_other,
    take_notice,
    text_field,
)
from admin_panel.views.owner_settings import changed_meanwhile
from core.i18n import gettext
from core.owner_config import InvalidConfig
from core.owner_settings import ChangedMeanwhile
from core.routing import PRESENCE_STATUS_TOPIC
from core.routing.owner_form import (
    RoutingFormError,
    RoutingSettings,
    RuleFields,
    routing_settings,
    save_routing,
    team_prefix,
)

MAX_TEAMS_IN_FORM = 500


async def _page(request: web.Request, *, problems: list[str] | None = None,
                field_problems: dict[str, list[str]] | None = None,
                posted: RoutingSettings | None = None, status: int = 200) -> web.Response:
    return render_owner(request, "owner/routing.html", {
        "section": "routing_form",
        "settings": posted or await routing_settings(),
        "problems": problems or [],
        "field_problems": field_problems or {},
        "notice": await take_notice(request),
    }, status=status)


async def page(request: web.Request) -> web.Response:
    return await _page(request)


def _rule_fields(form, prefix: str) -> RuleFields:
    return RuleFields(mode=text_field(form, f"{prefix}mode", 32),
                      max_open=text_field(form, f"{prefix}max_open", 16),
                      only_available=text_field(form, f"{prefix}only_available", 4) == "1",
                      first_response=text_field(form, f"{prefix}first_response", 16),
                      next_response=text_field(form, f"{prefix}next_response", 16),
                      resolution=text_field(form, f"{prefix}resolution", 16))


async def save(request: web.Request) -> web.Response:
    form = await request.post()
    names = [name for name in form.getall("team", []) if isinstance(name, str)]
    teams = {name: _rule_fields(form, team_prefix(name)) for name in names[:MAX_TEAMS_IN_FORM]}
    shop = _rule_fields(form, "")
    try:
        await save_routing(shop, teams, text_field(form, "version", 64))
    except RoutingFormError as refused:
        at: dict[str, list[str]] = {}
        for problem in refused.problems:
            at.setdefault(problem.field, []).append(gettext(problem.message))
        # What the owner wrote stays on the form, with each mistake under its field.
        posted = RoutingSettings(shop=shop, teams=tuple(teams.items()),
                                 version=text_field(form, "version", 64))
        return await _page(request, problems=[m for ms in at.values() for m in ms],
                           field_problems=at, posted=posted, status=400)
    except ChangedMeanwhile:
        return await _page(request, problems=[changed_meanwhile()], status=409)
    except InvalidConfig as invalid:
        return await _page(request, problems=problem_lines(invalid.problems), status=400)
    await request.app[FLOW_CONFIGURATION].refresh()
    await request.app[BUS].publish(PRESENCE_STATUS_TOPIC, {})  # routing looks again now
    await notice_later(request, gettext("Routing is saved; it applies now."))
    raise see_other(request, "panel.owner.routing")
