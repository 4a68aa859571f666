"""The OpenAPI 3.1 document of /api/v1, built from routes.ENDPOINTS and the msgspec
structs in schemas.py (msgspec.json.schema_components), once per process."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import msgspec
from aiohttp import web

from admin_panel.api import schemas
from admin_panel.api.problems import PROBLEM_JSON
from admin_panel.api.routes import ENDPOINTS, OPENAPI_PATH, Endpoint

REF = "#/components/schemas/{name}"
_PATH_PARAMETER = re.compile(r"{(\w+)}")


def _in_query(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the struct's null alternative."""
    alternatives = [a for a in schema.get("anyOf", ()) if a != {"type": "null"}]
    if len(alternatives) != 1:
        return schema
    return {**alternatives[0], **{key: value for key, value in schema.items()
                                  if key != "anyOf" and value is not None}}


def _parameters(endpoint: Endpoint, components: dict[str, Any]) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": ({"type": "integer", "minimum": 1} if name.endswith("_id")
                    else {"type": "string", "minLength": 1})}
        for name in _PATH_PARAMETER.findall(endpoint.path)
    ]
    if endpoint.query is not None:
        query = components[endpoint.query.__name__]
        required = set(query.get("required", ()))
        parameters.extend(
            {"name": name, "in": "query", "required": name in required,
             "schema": _in_query(schema)}
            for name, schema in query["properties"].items()
        )
    return parameters


EVENT_STREAM = {"text/event-stream": {"schema": {
    "type": "string",
    "description": "Server-sent events. `event:` is message.new, conversation.updated or"
                   " message.delivery; `data:` is a JSON object of ids (see docs/api.md)."
                   " A comment line every 15 s keeps the connection open; the stream ends"
                   " when the token stops working.",
}}}


def _operation(endpoint: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    content = EVENT_STREAM if endpoint.response is None else {"application/json": {
        "schema": {"$ref": REF.format(name=endpoint.response.__name__)}}}
    responses: dict[str, Any] = {
        str(endpoint.status): {
            "description": {200: "OK", 201: "Created", 202: "Accepted"}[endpoint.status],
            "content": content,
        },
        "401": {"$ref": "#/components/responses/Problem"},
    }
    for status in endpoint.problems:
        responses[str(status)] = {"$ref": "#/components/responses/Problem"}
    operation: dict[str, Any] = {
        "operationId": endpoint.name.removeprefix("api."),
        "summary": endpoint.summary,
        "parameters": _parameters(endpoint, components),
        "responses": responses,
    }
    if endpoint.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(name=endpoint.body.__name__)}}}}
    return operation


@cache
def document() -> bytes:
    structs = {schemas.Problem}
    for endpoint in ENDPOINTS:
        structs.update(kind for kind in (endpoint.response, endpoint.query, endpoint.body)
                       if kind is not None)
    _, components = msgspec.json.schema_components(
        sorted(structs, key=lambda kind: kind.__name__), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(
            endpoint, components)
    paths[OPENAPI_PATH] = {"get": {
        "operationId": "openapi",
        "summary": "This document (no token needed).",
        "security": [],
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": {"type": "object"}}}}},
    }}
    return msgspec.json.encode({
        "openapi": "3.1.0",
        "info": {
            "title": "Pasokh API",
            "version": "1",
            "description": "Conversations, messages, customers and replies, with the rights"
                           " of the owner who made the token. See docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "responses": {"Problem": {
                "description": "The request was refused; `detail` says why.",
                "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(name="Problem")}}},
            }},
        },
    })


async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=document(), content_type="application/json")
