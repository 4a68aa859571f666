"""Tokens for the JSON API: made, listed (name, who made it, when last used) and revoked by
an owner. The token itself is in the answer to the form that made it, and nowhere else:
only its hash is kept (core/api_tokens.py)."""

from __future__ import annotations

from aiohttp import web

from admin_panel.typedefs import viewer_of
from admin_panel.views.owner_common import (
    notice_later,
    number_field,
    render_owner,
    see_other,
    take_notice,
    text_field,
)
from core.api_tokens import (
    MAX_NAME_CHARS,
    ApiTokenError,
    IssuedToken,
    create_token,
    list_tokens,
    revoke_token,
)
from core.i18n import gettext


async def _page(request: web.Request, *, error: str = "", issued: IssuedToken | None = None,
                status: int = 200) -> web.Response:
    return render_owner(request, "owner/api_tokens.html", {
        "section": "api_tokens",
        "tokens": await list_tokens(),
        "issued": issued,
        "max_name_chars": MAX_NAME_CHARS,
        "error": error,
        "notice": await take_notice(request),
    }, status=status)


async def page(request: web.Request) -> web.Response:
    return await _page(request)


async def create(request: web.Request) -> web.Response:
    """The new token is in this answer only: not stored, not redirected with."""
    form = await request.post()
    name = text_field(form, "name", MAX_NAME_CHARS + 1).strip()
    if not name or len(name) > MAX_NAME_CHARS:
        return await _page(request, status=400, error=gettext(
            "Give the token a name of at most %(count)s characters.") % {
                "count": MAX_NAME_CHARS})
    try:
        issued = await create_token(name, viewer_of(request).email)
    except ApiTokenError:  # the owner was deactivated meanwhile
        return await _page(request, error=gettext("Only an active owner can make a token."),
                           status=400)
    return await _page(request, issued=issued)


async def revoke(request: web.Request) -> web.Response:
    token_id = number_field(await request.post(), "token")
    try:
        if token_id is None:
            raise ApiTokenError("no token id")
        await revoke_token(token_id)
    except ApiTokenError:
        return await _page(request, error=gettext("There is no such API token."), status=400)
    await notice_later(request, gettext("The token is revoked: it no longer opens the API."))
    raise see_other(request, "panel.owner.api_tokens")
