"""Graph API error envelopes exactly as Meta's Graph API shapes them.

Every answer that is not a success is ``{"error": {...}}`` with ``message``, ``type``,
``code``, optionally ``error_subcode``, ``error_data`` (WhatsApp Cloud API errors carry
``{"messaging_product": "whatsapp", "details": ...}``) and an opaque ``fbtrace_id``.
Where each code, message and HTTP status comes from is noted next to its constructor.
"""

from __future__ import annotations

import secrets
from typing import Any

# Titles Meta documents for codes that tests commonly inject with ``fail_next``;
# Meta renders the message of a numbered error as "(#<code>) <title>".
KNOWN_TITLES: dict[int, str] = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    4: "Application request limit reached",
    17: "User request limit reached",
    613: "Calls to this API have exceeded the rate limit.",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131016: "Service unavailable",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
}

_UNSUPPORTED_REQUEST = (
    "Unsupported {method} request. Object with ID '{node}' does not exist, cannot be loaded "
    "due to missing permissions, or does not support this operation. Please read the Graph "
    "API documentation at https://developers.facebook.com/docs/graph-api"
)
_IG_WINDOW = (
    "(#10) This message is sent outside of allowed window. Learn more about the new policy "
    "here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
)


def fbtrace_id() -> str:
    # Real trace ids are 23-27 url-safe characters; nothing reads them, they only identify.
    return "A" + secrets.token_urlsafe(16)[:22]


class GraphError(Exception):
    """One Graph API error answer; ``status`` is the HTTP status Meta pairs with it."""

    def __init__(self, status: int, message: str, code: int, *, error_type: str = "OAuthException",
                 subcode: int | None = None, details: str | None = None,
                 whatsapp: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.error_type = error_type
        self.subcode = subcode
        self.details = details
        self.whatsapp = whatsapp

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.error_type,
                                 "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.whatsapp or self.details is not None:
            data: dict[str, Any] = {"messaging_product": "whatsapp"} if self.whatsapp else {}
            if self.details is not None:
                data["details"] = self.details
            error["error_data"] = data
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}


def numbered(code: int, title: str | None = None) -> str:
    return f"(#{code}) {title or KNOWN_TITLES.get(code, 'An unknown error occurred')}"


# --------------------------------------------------------------------------- every endpoint


def invalid_token() -> GraphError:
    # 190 / 401: Graph's answer to a token it cannot parse (no "(#190)" prefix on this one).
    return GraphError(401, "Invalid OAuth access token - Cannot parse access token", 190)


def unsupported_request(method: str, node: str, *, status: int = 400) -> GraphError:
    # 100 / subcode 33 / HTTP 400, type GraphMethodException: the answer for an id Graph
    # does not know (or cannot show to this token).
    message = _UNSUPPORTED_REQUEST.format(method=method.lower(), node=node)
    return GraphError(status, message, 100, error_type="GraphMethodException", subcode=33)


def unknown_path(rest: str) -> GraphError:
    return GraphError(400, f"Unknown path components: {rest}", 2500)


# --------------------------------------------------------------------------- WhatsApp Cloud API


def missing_parameter(name: str) -> GraphError:
    # Same shape as Meta's "(#100) The parameter text['body'] is required."
    return GraphError(400, f"(#100) The parameter {name} is required.", 100, whatsapp=True)


def param_too_long(name: str, limit: int) -> GraphError:
    # Meta: "(#100) Param text['body'] must be at most 4096 characters long."
    message = f"(#100) Param {name} must be at most {limit} characters long."
    return GraphError(400, message, 100, whatsapp=True)


def invalid_value(details: str) -> GraphError:
    # 131009 "Parameter value is not valid" with what is wrong in details, as Meta answers
    # e.g. "Button title length invalid. Min length: 1, Max length: 20".
    return GraphError(400, numbered(131009, "Parameter value is not valid"), 131009,
                      details=details, whatsapp=True)


def re_engagement() -> GraphError:
    details = ("Message failed to send because more than 24 hours have passed since the "
               "customer last replied to this number.")
    return GraphError(400, numbered(131047), 131047, details=details, whatsapp=True)


def undeliverable() -> GraphError:
    details = ("Unable to deliver message. Reasons can include: the recipient phone number is "
               "not a WhatsApp phone number, the recipient has not accepted the latest Terms "
               "of Service and Privacy Policy, or the recipient uses an old WhatsApp version.")
    return GraphError(400, numbered(131026), 131026, details=details, whatsapp=True)


def pair_rate_limit() -> GraphError:
    details = ("Message failed to send because there were too many messages sent from this "
               "phone number to the same phone number in a short period of time.")
    return GraphError(400, numbered(131056), 131056, details=details, whatsapp=True)


def throughput_limit() -> GraphError:
    details = ("Message failed to send because there were too many messages sent from this "
               "phone number in a short period of time")
    return GraphError(400, numbered(130429), 130429, details=details, whatsapp=True)


# --------------------------------------------------------------------------- Instagram


def instagram_outside_window() -> GraphError:
    return GraphError(400, _IG_WINDOW, 10, subcode=2018278)


def instagram_param(message: str) -> GraphError:
    return GraphError(400, f"(#100) {message}", 100)


def instagram_text_too_long(limit: int) -> GraphError:
    # Meta words it "(#100) Length of param message[text] must be less than or equal to N".
    return instagram_param(f"Length of param message[text] must be less than or equal to {limit}")


def already_replied() -> GraphError:
    # Private replies: one per comment; Meta answers a second one with 10900.
    return GraphError(400, "(#10900) Activity already replied to", 10900)


def comment_too_old() -> GraphError:
    # Private replies are allowed for 7 days after the comment was made.
    return GraphError(400, "(#10903) This user can't reply to this activity", 10903)


def injected(status: int, code: int, message: str | None, *, subcode: int | None,
             error_type: str, details: str | None, whatsapp: bool) -> GraphError:
    return GraphError(status, message or numbered(code), code, error_type=error_type,
                      subcode=subcode, details=details, whatsapp=whatsapp)
