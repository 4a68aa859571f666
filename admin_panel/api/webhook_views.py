"""The API's outgoing-webhook endpoints: register, list, pause, rotate, look at the delivery
log, replay, send a test event. Like every API call they act as the owner of the token."""

from __future__ import annotations

from aiohttp import web

from admin_panel.api import schemas
from admin_panel.api.problems import ApiProblem
from admin_panel.api.views import _after_id, _body, _id_page, _json, _path_id, _query
from admin_panel.typedefs import BUS, SETTINGS
from core import webhooks
from core.address_policy import AddressPolicy
from core.clock import utcnow


def _endpoint(found: webhooks.Endpoint) -> schemas.WebhookEndpoint:
    return schemas.WebhookEndpoint(
        id=found.id, url=found.url, description=found.description,
        event_types=list(found.event_types), enabled=found.enabled,
        disabled_reason=found.disabled_reason, created_at=found.created_at)


def _refused(error: webhooks.WebhookError) -> ApiProblem:
    status = 404 if isinstance(error, webhooks.EndpointNotFound) else 422
    return ApiProblem(status, str(error) + (f" ({error.detail})" if error.detail else ""))


async def _found(request: web.Request) -> webhooks.Endpoint:
    try:
        return await webhooks.get_endpoint(_path_id(request, "endpoint_id"), utcnow())
    except webhooks.WebhookError as error:
        raise _refused(error) from None


async def list_endpoints(request: web.Request) -> web.Response:
    """The webhook endpoints, oldest first (without their secrets)."""
    found = await webhooks.list_endpoints(utcnow())
    return _json(schemas.WebhookEndpoints(items=[_endpoint(each) for each in found]))


async def create_endpoint(request: web.Request) -> web.Response:
    """Registers an endpoint; the answer holds its signing secret."""
    body = await _body(request, schemas.WebhookEndpointBody)
    try:
        made = await webhooks.create_endpoint(
            AddressPolicy.of(request.app[SETTINGS]), url=body.url,
            event_types=body.event_types, description=body.description, now=utcnow())
    except webhooks.WebhookError as error:
        raise _refused(error) from None
    return _json(schemas.WebhookEndpointCreated(endpoint=_endpoint(made), secret=made.secret),
                 status=201)


async def get_endpoint(request: web.Request) -> web.Response:
    """One webhook endpoint."""
    return _json(_endpoint(await _found(request)))


async def change_endpoint(request: web.Request) -> web.Response:
    """Pauses or resumes an endpoint's deliveries."""
    body = await _body(request, schemas.WebhookEndpointChange)
    found = await _found(request)
    changed = await webhooks.set_enabled(found.id, body.enabled, utcnow())
    await request.app[BUS].publish(webhooks.DUE_TOPIC, {})
    return _json(_endpoint(changed))


async def delete_endpoint(request: web.Request) -> web.Response:
    """Removes an endpoint and its delivery log; the answer is the endpoint as it was."""
    found = await _found(request)
    await webhooks.delete_endpoint(found.id)
    return _json(_endpoint(found))


def _secret(found: webhooks.Endpoint) -> schemas.WebhookSecret:
    return schemas.WebhookSecret(secret=found.secret,
                                 previous_secret_until=found.previous_secret_until)


async def get_secret(request: web.Request) -> web.Response:
    """The endpoint's signing secret, exactly as it signs."""
    return _json(_secret(await _found(request)))


async def rotate_secret(request: web.Request) -> web.Response:
    """A new signing secret; the previous one keeps signing as well for 24 hours."""
    found = await _found(request)
    return _json(_secret(await webhooks.rotate_secret(found.id, utcnow())))


async def list_deliveries(request: web.Request) -> web.Response:
    """The endpoint's delivery log, newest first."""
    query = _query(request, schemas.PageQuery)
    found = await _found(request)
    before = _after_id(query.cursor) or None
    log = await webhooks.deliveries(found.id, before=before, limit=query.limit + 1)
    return _id_page(log, query.limit, schemas.WebhookDelivery, schemas.WebhookDeliveryPage)


async def send_test(request: web.Request) -> web.Response:
    """Queues a `webhook.test` event for this endpoint alone."""
    found = await _found(request)
    queued = await webhooks.send_test(found.id, utcnow())
    await request.app[BUS].publish(webhooks.DUE_TOPIC, {})
    return _json(schemas.WebhookQueued(delivery_id=queued), status=202)


async def replay(request: web.Request) -> web.Response:
    """Queues one delivery again: the same webhook-id and body, signed anew."""
    found = await _found(request)
    try:
        queued = await webhooks.replay(found.id, _path_id(request, "delivery_id"), utcnow())
    except webhooks.WebhookError as error:
        raise _refused(error) from None
    await request.app[BUS].publish(webhooks.DUE_TOPIC, {})
    return _json(schemas.WebhookQueued(delivery_id=queued), status=202)
