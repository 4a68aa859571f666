"""Teams and agents: create teams, invite agents, change who is in which team, deactivate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from admin_panel.labels import label
from admin_panel.owner_labels import ROLES
from admin_panel.typedefs import viewer_of
from admin_panel.views.owner_common import (
    notice_later,
    number_field,
    render_owner,
    see_other,
    take_notice,
    text_field,
)
from core import owner_desk
from core.i18n import gettext
from core.owner_desk import Invitation, OwnerError


async def _page(request: web.Request, *, error: str = "", invitation: Invitation | None = None,
                status: int = 200) -> web.Response:
    people = await owner_desk.people()
    return render_owner(request, "owner/people.html", {
        "section": "people",
        "people": people,
        "names": {p.user_id: p.name for p in people},
        "teams": await owner_desk.teams(),
        "error": error,
        "invitation": invitation,
        "notice": await take_notice(request),
        "role_name": lambda code: label(ROLES, code),
    }, status=status)


async def page(request: web.Request) -> web.Response:
    return await _page(request)


async def create_team(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        await owner_desk.create_team(text_field(form, "name", 200))
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    await notice_later(request, gettext("The team is created."))
    raise see_other(request, "panel.owner.people")


async def invite(request: web.Request) -> web.Response:
    """The one-time password is in this answer only: not stored, not redirected with."""
    form = await request.post()
    try:
        invitation = await owner_desk.invite_agent(text_field(form, "email", 254),
                                                   text_field(form, "name", 200),
                                                   number_field(form, "team"))
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    response = await _page(request, invitation=invitation)
    response.headers["Cache-Control"] = "no-store"
    return response


async def add_member(request: web.Request) -> web.Response:
    return await _membership(request, owner_desk.add_member)


async def remove_member(request: web.Request) -> web.Response:
    return await _membership(request, owner_desk.remove_member)


async def _membership(request: web.Request,
                      change: Callable[[int, int], Awaitable[None]]) -> web.Response:
    form = await request.post()
    team_id, user_id = number_field(form, "team"), number_field(form, "user")
    try:
        if team_id is None or user_id is None:
            raise OwnerError("No such team or user.")
        await change(team_id, user_id)
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    raise see_other(request, "panel.owner.people")


async def rename(request: web.Request) -> web.Response:
    """The display name of anyone on the team (empty: their address again)."""
    form = await request.post()
    user_id = number_field(form, "user")
    try:
        if user_id is None:
            raise OwnerError("No such team or user.")
        await owner_desk.rename(user_id, text_field(form, "display_name"))
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    raise see_other(request, "panel.owner.people")


async def set_active(request: web.Request) -> web.Response:
    form = await request.post()
    user_id = number_field(form, "user")
    try:
        if user_id is None:
            raise OwnerError("No such team or user.")
        await owner_desk.set_active(viewer_of(request).user_id, user_id,
                                    text_field(form, "active", 5) == "1")
    except OwnerError as refused:
        return await _page(request, error=gettext(str(refused)), status=400)
    raise see_other(request, "panel.owner.people")
