"""What every owners' page shares: the owner-only guard, one-time notices, form fields."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from multidict import MultiMapping

from admin_panel.labels import label
from admin_panel.owner_labels import SECTIONS
from admin_panel.templating import render
from admin_panel.typedefs import VIEWER_KEY
from core import owner_settings
from core.formats import format_number
from core.i18n import current_language, gettext
from core.ids import id_or_none
from core.owner_config import Problem

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
NOTICE_KEY = "owner_notice"
MAX_FIELD_CHARS = 10_000


def owner_only(handler: Handler) -> Handler:
    """Agents get the same 404 as for a page that does not exist: the owners' pages are
    not there for them."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        viewer = request[VIEWER_KEY]
        if viewer is None or not viewer.is_owner:
            raise not_found(request)
        return await handler(request)

    return guarded


# Sections with a page of their own in the owner's list: the FAQ, and routing and targets
# (one form, "Routing and targets").
_OWN_PAGES = frozenset({"faq", "routing", "targets"})


def editable_sections() -> list[tuple[str, str]]:
    """Every configuration section without a page of its own, with its name."""
    return [(name, label(SECTIONS, name)) for name in owner_settings.sections()
            if name not in _OWN_PAGES]


def render_owner(request: web.Request, template: str, context: dict[str, Any], *,
                 status: int = 200) -> web.Response:
    """An owners' page: the side list of pages needs every section there is."""
    return render(request, template, {"sections": editable_sections(), "notice": "", **context},
                  status=status)


def not_found(request: web.Request) -> web.HTTPNotFound:
    body = render(request, "owner/not_found.html", {}, status=404)
    return web.HTTPNotFound(text=body.text, content_type="text/html")


async def notice_later(request: web.Request, message: str) -> None:
    """A message for the next page this owner sees (after a redirect), shown once."""
    session = await get_session(request)
    session[NOTICE_KEY] = message


async def take_notice(request: web.Request) -> str:
    session = await get_session(request)
    notice = session.pop(NOTICE_KEY, "")
    return notice if isinstance(notice, str) else ""


def see_other(request: web.Request, route: str, **parts: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(request.app.router[route].url_for(**parts))


def text_field(form: MultiMapping[Any], name: str, limit: int = MAX_FIELD_CHARS) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def number_field(form: MultiMapping[Any], name: str) -> int | None:
    """The id chosen in a form or a filter; None when none is, or it is no id of ours."""
    return id_or_none(text_field(form, name, 40))


def problem_lines(problems: list[Problem]) -> list[str]:
    """owner_config's problems for the page: the line in the reader's digits, the
    problem itself in the reader's language where owner_config has it translated."""
    lang = current_language.get()
    return [
        gettext("Line %(line)s: %(problem)s") % {"line": format_number(p.line, lang),
                                                  "problem": p.for_reader}
        if p.line is not None else p.for_reader
        for p in problems
    ]
