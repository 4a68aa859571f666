"""The API's routes, one table: the app is routed from it and openapi.py describes it, so
a route cannot exist without being documented. Every name starts with "api."."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from admin_panel.api import schemas, views, webhook_views

CONVERSATION = "/api/v1/conversations/{conversation_id}"
OPENAPI_PATH = "/api/v1/openapi.json"
WEBHOOK = "/api/v1/webhooks/{endpoint_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    method: str
    path: str
    name: str
    view: Callable[[web.Request], Awaitable[web.StreamResponse]]
    response: type | None  # None: server-sent events, not one JSON document
    status: int = 200
    query: type | None = None
    body: type | None = None
    problems: tuple[int, ...] = ()

    @property
    def summary(self) -> str:
        return (self.view.__doc__ or "").strip().splitlines()[0]


ENDPOINTS = (
    Endpoint(method="GET", path="/api/v1/conversations", name="api.conversations",
             view=views.list_conversations, response=schemas.ConversationPage,
             query=schemas.ConversationQuery, problems=(400,)),
    Endpoint(method="GET", path=CONVERSATION, name="api.conversation",
             view=views.get_conversation, response=schemas.Conversation, problems=(404,)),
    Endpoint(method="GET", path=f"{CONVERSATION}/messages", name="api.messages",
             view=views.list_messages, response=schemas.MessagePage,
             query=schemas.PageQuery, problems=(400, 404)),
    Endpoint(method="POST", path=f"{CONVERSATION}/replies", name="api.reply",
             view=views.reply, response=schemas.Message, status=201,
             body=schemas.ReplyBody, problems=(400, 404, 422)),
    Endpoint(method="POST", path=f"{CONVERSATION}/resolve", name="api.resolve",
             view=views.resolve, response=schemas.Conversation, problems=(404,)),
    Endpoint(method="POST", path=f"{CONVERSATION}/reopen", name="api.reopen",
             view=views.reopen, response=schemas.Conversation, problems=(404,)),
    Endpoint(method="POST", path=f"{CONVERSATION}/assign", name="api.assign",
             view=views.assign, response=schemas.Conversation, body=schemas.AssignBody,
             problems=(400, 404, 422)),
    Endpoint(method="POST", path=f"{CONVERSATION}/snooze", name="api.snooze",
             view=views.snooze, response=schemas.Conversation, body=schemas.SnoozeBody,
             problems=(400, 404, 422)),
    Endpoint(method="POST", path=f"{CONVERSATION}/labels", name="api.add_label",
             view=views.add_label, response=schemas.Conversation, body=schemas.LabelBody,
             problems=(400, 404, 422)),
    Endpoint(method="DELETE", path=f"{CONVERSATION}/labels/{{label}}", name="api.remove_label",
             view=views.remove_label, response=schemas.Conversation, problems=(404,)),
    Endpoint(method="GET", path="/api/v1/labels", name="api.labels",
             view=views.list_labels, response=schemas.Labels),
    Endpoint(method="GET", path="/api/v1/users", name="api.users",
             view=views.list_users, response=schemas.Users),
    Endpoint(method="GET", path="/api/v1/teams", name="api.teams",
             view=views.list_teams, response=schemas.Teams),
    Endpoint(method="GET", path=f"{CONVERSATION}/notes", name="api.notes",
             view=views.list_notes, response=schemas.NotePage, query=schemas.PageQuery,
             problems=(400, 404)),
    Endpoint(method="POST", path=f"{CONVERSATION}/notes", name="api.add_note",
             view=views.add_note, response=schemas.Note, status=201, body=schemas.NoteBody,
             problems=(400, 404, 422)),
    Endpoint(method="GET", path="/api/v1/templates", name="api.templates",
             view=views.list_templates, response=schemas.Templates),
    Endpoint(method="POST", path=f"{CONVERSATION}/templates", name="api.send_template",
             view=views.send_template, response=schemas.Message, status=201,
             body=schemas.TemplateBody, problems=(400, 404, 422)),
    Endpoint(method="GET", path="/api/v1/events", name="api.events",
             view=views.events, response=None),
    Endpoint(method="GET", path="/api/v1/customers", name="api.customers",
             view=views.list_customers, response=schemas.CustomerPage,
             query=schemas.CustomerQuery, problems=(400,)),
    Endpoint(method="GET", path="/api/v1/customers/{customer_id}", name="api.customer",
             view=views.get_customer, response=schemas.Customer, problems=(404,)),
    Endpoint(method="GET", path="/api/v1/webhooks", name="api.webhooks",
             view=webhook_views.list_endpoints, response=schemas.WebhookEndpoints),
    Endpoint(method="POST", path="/api/v1/webhooks", name="api.webhook_create",
             view=webhook_views.create_endpoint, response=schemas.WebhookEndpointCreated,
             status=201, body=schemas.WebhookEndpointBody, problems=(400, 422)),
    Endpoint(method="GET", path=WEBHOOK, name="api.webhook",
             view=webhook_views.get_endpoint, response=schemas.WebhookEndpoint,
             problems=(404,)),
    Endpoint(method="PATCH", path=WEBHOOK, name="api.webhook_change",
             view=webhook_views.change_endpoint, response=schemas.WebhookEndpoint,
             body=schemas.WebhookEndpointChange, problems=(400, 404, 422)),
    Endpoint(method="DELETE", path=WEBHOOK, name="api.webhook_delete",
             view=webhook_views.delete_endpoint, response=schemas.WebhookEndpoint,
             problems=(404,)),
    Endpoint(method="GET", path=f"{WEBHOOK}/secret", name="api.webhook_secret",
             view=webhook_views.get_secret, response=schemas.WebhookSecret, problems=(404,)),
    Endpoint(method="POST", path=f"{WEBHOOK}/secret/rotate", name="api.webhook_rotate",
             view=webhook_views.rotate_secret, response=schemas.WebhookSecret,
             problems=(404,)),
    Endpoint(method="GET", path=f"{WEBHOOK}/deliveries", name="api.webhook_deliveries",
             view=webhook_views.list_deliveries, response=schemas.WebhookDeliveryPage,
             query=schemas.PageQuery, problems=(400, 404)),
    Endpoint(method="POST", path=f"{WEBHOOK}/test", name="api.webhook_test",
             view=webhook_views.send_test, response=schemas.WebhookQueued, status=202,
             problems=(404,)),
    Endpoint(method="POST", path=f"{WEBHOOK}/deliveries/{{delivery_id}}/replay",
             name="api.webhook_replay", view=webhook_views.replay,
             response=schemas.WebhookQueued, status=202, problems=(404,)),
    Endpoint(method="GET", path="/api/v1/agents", name="api.agents",
             view=views.list_agents, response=schemas.Agents),
    Endpoint(method="POST", path="/api/v1/events", name="api.post_event",
             view=views.post_event, response=schemas.EventAccepted, status=202,
             body=schemas.EventBody, problems=(400, 404, 422)),
    Endpoint(method="GET", path="/api/v1/customers/{customer_id}/opt-outs",
             name="api.opt_outs", view=views.list_opt_outs, response=schemas.OptOuts,
             problems=(404,)),
    Endpoint(method="PUT", path="/api/v1/customers/{customer_id}/opt-outs/{channel_id}",
             name="api.set_opt_out", view=views.put_opt_out, response=schemas.OptOuts,
             body=schemas.OptOutBody, problems=(400, 404, 422)),
)


def add_routes(app: web.Application, openapi_view: Callable[[web.Request], Awaitable[
        web.StreamResponse]]) -> None:
    for endpoint in ENDPOINTS:
        app.router.add_route(endpoint.method, endpoint.path, endpoint.view, name=endpoint.name)
    app.router.add_get(OPENAPI_PATH, openapi_view, name="api.openapi")
