"""Issue 17, part 2: Schemathesis drives every operation of /api/v1/openapi.json with
generated requests, valid and not, over real HTTP with an owner's token. No answer is a
5xx, and every answer is one the document describes: its status, content type, headers and
body schema.

Schemathesis calls through `requests`, which blocks: it runs in a worker thread while this
test's event loop serves Pasokh. The cases are the same every run (derandomized).
"""

from __future__ import annotations

import asyncio

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as schemathesis_checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.api.helpers import owner_token, telegram_conversation

EXAMPLES_PER_OPERATION = 12
CHECKS = [
    schemathesis_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]


def _exercise(document: dict, base_url: str, headers: dict[str, str]) -> list[str]:
    """Every operation with its generated cases; the failures, as text."""
    schema = schemathesis.openapi.from_dict(document)
    session = requests.Session()  # one connection, kept alive across the cases
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if _streams(operation.definition.raw):
            continue  # an event stream never ends; tests/api/test_agent_actions.py reads it


        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
                  deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case) -> None:
            response = case.call(base_url=base_url, session=session, headers=headers,
                                 timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as error:  # noqa: BLE001 - every operation is tried; all are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    session.close()
    return failures


def _streams(definition: dict) -> bool:
    return any("text/event-stream" in answer.get("content", {})
               for answer in definition.get("responses", {}).values())


async def test_issue_17_every_api_operation_keeps_to_its_schema(pasokh):
    headers = await owner_token()
    for chat_id in (8101, 8102):
        await telegram_conversation(pasokh, chat_id)
    document = await (await pasokh.get("/api/v1/openapi.json")).json()
    base_url = str(pasokh.make_url("/")).rstrip("/")

    failures = await asyncio.to_thread(_exercise, document, base_url, headers)

    assert not failures, "\n\n".join(failures)
