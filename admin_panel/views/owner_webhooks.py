"""Outgoing webhooks on the owners' pages: register an endpoint, see its secret exactly as it
signs, rotate it, pause or resume, send a test event, read the delivery log and replay a
delivery. core/webhooks.py does the work; this page shows and forwards."""

from __future__ import annotations

from aiohttp import web

from admin_panel.labels import label
from admin_panel.owner_labels import DELIVERY_STATES, WEBHOOK_EVENTS
from admin_panel.typedefs import BUS, SETTINGS
from admin_panel.views.owner_common import (
    not_found,
    notice_later,
    number_field,
    render_owner,
    see_other,
    take_notice,
    text_field,
)
from core import webhooks
from core.address_policy import MAX_URL_CHARS, AddressPolicy
from core.clock import utcnow
from core.i18n import gettext
from core.ids import id_or_none


def _refusal(error: webhooks.WebhookError) -> str:
    text = gettext(str(error))
    return f"{text} ({error.detail})" if error.detail else text


def _event_choices() -> list[tuple[str, str]]:
    return [(code, label(WEBHOOK_EVENTS, code)) for code in webhooks.EVENT_TYPES]


async def _list_page(request: web.Request, *, error: str = "", status: int = 200,
                     form: dict[str, object] | None = None) -> web.Response:
    return render_owner(request, "owner/webhooks.html", {
        "section": "webhooks",
        "endpoints": await webhooks.list_endpoints(utcnow()),
        "events": _event_choices(),
        "event_names": {code: name for code, name in _event_choices()},
        "max_url_chars": MAX_URL_CHARS,
        "max_description_chars": webhooks.MAX_DESCRIPTION_CHARS,
        "form": form or {},
        "error": error,
        "notice": await take_notice(request),
    }, status=status)


async def page(request: web.Request) -> web.Response:
    return await _list_page(request)


async def create(request: web.Request) -> web.Response:
    form = await request.post()
    url = text_field(form, "url", MAX_URL_CHARS + 1)
    description = text_field(form, "description", webhooks.MAX_DESCRIPTION_CHARS + 1)
    types = [value for value in form.getall("event_types", []) if isinstance(value, str)]
    try:
        made = await webhooks.create_endpoint(
            AddressPolicy.of(request.app[SETTINGS]), url=url, event_types=types[:20],
            description=description, now=utcnow())
    except webhooks.WebhookError as error:
        return await _list_page(request, error=_refusal(error), status=400, form={
            "url": url, "description": description, "event_types": types})
    await notice_later(request, gettext(
        "The endpoint is registered. Verify each event with the secret shown below."))
    raise see_other(request, "panel.owner.webhook", endpoint_id=str(made.id))


async def _endpoint(request: web.Request) -> webhooks.Endpoint:
    endpoint_id = id_or_none(request.match_info["endpoint_id"])
    if endpoint_id is None:
        raise not_found(request)
    try:
        return await webhooks.get_endpoint(endpoint_id, utcnow())
    except webhooks.EndpointNotFound:
        raise not_found(request) from None


async def detail(request: web.Request) -> web.Response:
    endpoint = await _endpoint(request)
    before = id_or_none(request.query.get("before", "")[:40])
    log = await webhooks.deliveries(endpoint.id, before=before,
                                    limit=webhooks.LOG_PAGE + 1)
    return render_owner(request, "owner/webhook.html", {
        "section": "webhooks",
        "endpoint": endpoint,
        "event_names": {code: label(WEBHOOK_EVENTS, code)
                        for code in (*webhooks.EVENT_TYPES, webhooks.TEST_EVENT)},
        "states": {code: label(DELIVERY_STATES, code) for code in DELIVERY_STATES},
        "log": log[:webhooks.LOG_PAGE],
        "older": log[webhooks.LOG_PAGE - 1].id if len(log) > webhooks.LOG_PAGE else None,
        "disabled_reason": gettext(endpoint.disabled_reason) if endpoint.disabled_reason
        else "",
        "notice": await take_notice(request),
    })


async def _back(request: web.Request, endpoint: webhooks.Endpoint, notice: str
                ) -> web.HTTPSeeOther:
    await request.app[BUS].publish(webhooks.DUE_TOPIC, {})  # the senders look at once
    await notice_later(request, notice)
    return see_other(request, "panel.owner.webhook", endpoint_id=str(endpoint.id))


async def rotate(request: web.Request) -> web.Response:
    endpoint = await _endpoint(request)
    await webhooks.rotate_secret(endpoint.id, utcnow())
    raise await _back(request, endpoint, gettext(
        "A new secret signs from now on. For 24 hours the previous one signs as well, so "
        "the receiver can switch over."))


async def set_enabled(request: web.Request) -> web.Response:
    endpoint = await _endpoint(request)
    enabled = text_field(await request.post(), "enabled", 5) == "1"
    await webhooks.set_enabled(endpoint.id, enabled, utcnow())
    raise await _back(request, endpoint, gettext(
        "Deliveries resume, starting with what waited.") if enabled else gettext(
        "Deliveries are paused; events are no longer recorded for this endpoint."))


async def send_test(request: web.Request) -> web.Response:
    endpoint = await _endpoint(request)
    await webhooks.send_test(endpoint.id, utcnow())
    raise await _back(request, endpoint, gettext(
        "A test event is on its way; its outcome appears in the log below."))


async def replay(request: web.Request) -> web.Response:
    endpoint = await _endpoint(request)
    delivery_id = number_field(await request.post(), "delivery")
    try:
        if delivery_id is None:
            raise webhooks.EndpointNotFound("no delivery id")
        await webhooks.replay(endpoint.id, delivery_id, utcnow())
    except webhooks.EndpointNotFound:
        raise not_found(request) from None
    raise await _back(request, endpoint, gettext(
        "The event is sent again, with the same webhook-id."))


async def delete(request: web.Request) -> web.Response:
    endpoint = await _endpoint(request)
    await webhooks.delete_endpoint(endpoint.id)
    await notice_later(request, gettext("The endpoint and its delivery log are removed."))
    raise see_other(request, "panel.owner.webhooks")
