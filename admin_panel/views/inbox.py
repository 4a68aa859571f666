"""The inbox: every channel's conversations in one list, filtered and searched."""

from __future__ import annotations

from aiohttp import web
from multidict import MultiMapping

from admin_panel.templating import render
from admin_panel.typedefs import DESK, VIEWER_KEY, viewer_of
from admin_panel.views.auth import login_form
from core.clock import utcnow
from core.desk import MAX_LABEL_CHARS, STATUSES, InboxFilter
from core.i18n import gettext
from core.ids import NotAnId, parse_id
from core.targets import waiting_clocks

MAX_QUERY_CHARS = 200


def inbox_filter(query: MultiMapping[str]) -> InboxFilter:
    """The filter the query asks for; NotAnId when a team or channel is no id of ours."""
    assigned = query.get("assigned", "")
    status = query.get("status", "")
    return InboxFilter(
        assigned=assigned if assigned in ("mine", "unassigned") else "",
        team_id=parse_id(query.get("team")),
        status=status if status in STATUSES else "",
        channel_id=parse_id(query.get("channel")),
        label=query.get("label", "")[:MAX_LABEL_CHARS],
        query=query.get("q", "")[:MAX_QUERY_CHARS],
        # Who waits longest for us comes first, unless the agent asks for newest activity.
        order="recent" if query.get("sort") == "recent" else "waiting",
    )


def _filter_query(wanted: InboxFilter) -> dict[str, str]:
    """The filter as URL parameters, leaving out what is not set."""
    parts = {"assigned": wanted.assigned, "status": wanted.status, "q": wanted.query,
             "label": wanted.label, "sort": "recent" if wanted.order == "recent" else "",
             "team": "" if wanted.team_id is None else str(wanted.team_id),
             "channel": "" if wanted.channel_id is None else str(wanted.channel_id)}
    return {key: value for key, value in parts.items() if value}


async def _rows_context(request: web.Request) -> dict:
    try:
        wanted = inbox_filter(request.query)
    except NotAnId:
        raise web.HTTPBadRequest(text=gettext("That team or channel does not exist.")) from None
    rows = await request.app[DESK].inbox(viewer_of(request), wanted)
    clocks = await waiting_clocks([row.conversation_id for row in rows], utcnow())
    return {"rows": rows, "wanted": wanted, "filter_query": _filter_query(wanted),
            "target_clocks": clocks}


async def inbox(request: web.Request) -> web.Response:
    if request[VIEWER_KEY] is None:
        return login_form(request)
    desk = request.app[DESK]
    context = await _rows_context(request)
    context.update(teams=await desk.teams(), channels=await desk.channels(),
                   labels=await desk.labels(), statuses=STATUSES)
    return render(request, "inbox.html", context)


async def inbox_rows(request: web.Request) -> web.Response:
    """The list alone, for htmx: filters and live updates swap it in place."""
    context = await _rows_context(request)
    response = render(request, "_inbox_rows.html", context)
    url = request.app.router["panel.inbox"].url_for().with_query(context["filter_query"])
    response.headers["HX-Replace-Url"] = str(url)
    return response
