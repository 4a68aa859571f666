"""One customer: who they are on every channel, their history, CSAT and tickets, and the
"same person?" suggestions with a merge button."""

from __future__ import annotations

from aiohttp import web

from admin_panel import labels
from admin_panel.templating import render
from admin_panel.typedefs import DESK, viewer_of
from core import followups
from core.desk import TICKET_STATUSES, ConversationNotFound, DeskError
from core.i18n import gettext
from core.ids import id_or_none


def _customer_id(request: web.Request) -> int:
    customer_id = id_or_none(request.match_info["customer_id"])
    if customer_id is None:
        raise _not_found(request)
    return customer_id


def _not_found(request: web.Request) -> web.HTTPNotFound:
    body = render(request, "not_found.html", {}, status=404)
    return web.HTTPNotFound(text=body.text, content_type="text/html")


async def _page(request: web.Request, customer_id: int, error: str = "",
                status: int = 200) -> web.Response:
    try:
        detail = await request.app[DESK].customer(viewer_of(request), customer_id)
    except ConversationNotFound:
        raise _not_found(request) from None
    return render(request, "customer.html", {
        "customer": detail, "error": error, "ticket_statuses": TICKET_STATUSES,
        "opt_outs": await followups.customer_opt_outs(customer_id),
        "ticket_status_name": lambda code: labels.label(labels.TICKET_STATUSES, code),
    }, status=status)


async def page(request: web.Request) -> web.Response:
    return await _page(request, _customer_id(request))


async def _act(request: web.Request, customer_id: int, action) -> web.Response:
    try:
        await action()
    except ConversationNotFound:
        raise _not_found(request) from None
    except DeskError as refused:
        return await _page(request, customer_id, gettext(str(refused)), status=422)
    raise web.HTTPSeeOther(
        request.app.router["panel.customer"].url_for(customer_id=str(customer_id)))


async def merge(request: web.Request) -> web.Response:
    """Merges the other customer into this one (this page's customer is kept)."""
    customer_id = _customer_id(request)
    form = await request.post()
    other = id_or_none(form.get("other", "") if isinstance(form.get("other"), str) else "")
    if other is None:
        raise _not_found(request)
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, customer_id, lambda: desk.merge(viewer, customer_id, other))


async def ticket_status(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    number = id_or_none(request.match_info["number"])
    if number is None:
        raise _not_found(request)
    form = await request.post()
    status = form.get("status", "")
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, customer_id, lambda: desk.change_ticket(
        viewer, number, status if isinstance(status, str) else ""))


async def attribute(request: web.Request) -> web.Response:
    """Sets one custom attribute (an empty value removes it)."""
    customer_id = _customer_id(request)
    form = await request.post()
    name, value = form.get("name", ""), form.get("value", "")
    desk, viewer = request.app[DESK], viewer_of(request)
    return await _act(request, customer_id, lambda: desk.set_attribute(
        viewer, customer_id, name if isinstance(name, str) else "",
        value if isinstance(value, str) else ""))
