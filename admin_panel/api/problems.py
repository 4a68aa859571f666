"""Errors as RFC 9457 problem details (application/problem+json).

The texts are for the developer of an integration, not for a customer or an agent, so
they stay in English; a DeskError's text is its English message id.
"""

from __future__ import annotations

from http import HTTPStatus

import msgspec
from aiohttp import web

from admin_panel.api.schemas import Problem

PROBLEM_JSON = "application/problem+json"


class ApiProblem(Exception):
    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def problem_response(status: int, detail: str = "",
                     headers: dict[str, str] | None = None) -> web.Response:
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail)
    return web.Response(body=msgspec.json.encode(body), status=status,
                        content_type=PROBLEM_JSON, headers=headers)
