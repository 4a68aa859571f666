"""The OpenAPI document: valid OpenAPI 3.1, served without a token, and it names every
route the app has under /api/v1 with the right methods."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.api.helpers import owner_token


async def test_the_document_is_valid_and_lists_every_api_route(pasokh):
    response = await pasokh.get("/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in pasokh.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/api/v1/")
        and route.method != "HEAD"
    }
    described = {(method, path) for path, operations in document["paths"].items()
                 for method in operations}
    assert served == described
    assert len(served) == 35  # issue 16: POST events, the opt-outs (GET, PUT)


async def test_the_document_describes_what_the_api_answers(pasokh):
    document = await (await pasokh.get("/api/v1/openapi.json")).json()
    schemas = document["components"]["schemas"]
    reply = document["paths"]["/api/v1/conversations/{conversation_id}/replies"]["post"]
    assert reply["requestBody"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/ReplyBody")
    assert schemas["ReplyBody"]["additionalProperties"] is False
    assert schemas["ReplyBody"]["properties"]["text"]["maxLength"] == 4096
    assert "201" in reply["responses"]
    listing = document["paths"]["/api/v1/conversations"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "status", "channel", "team", "assignee", "label", "q", "limit", "cursor"}
    events = document["paths"]["/api/v1/events"]["get"]["responses"]["200"]["content"]
    assert list(events) == ["text/event-stream"]
    label = document["paths"]["/api/v1/conversations/{conversation_id}/labels/{label}"]
    assert [p["schema"]["type"] for p in label["delete"]["parameters"]] == ["integer", "string"]
    headers = await owner_token()
    page = await (await pasokh.get("/api/v1/conversations", headers=headers)).json()
    assert set(page) == set(schemas["ConversationPage"]["properties"])
