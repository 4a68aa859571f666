"""What the API reads and writes, as msgspec structs.

Request bodies and query strings refuse unknown fields. The OpenAPI document is generated
from these same structs (openapi.py), so it cannot drift from what the views accept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from core.address_policy import MAX_URL_CHARS
from core.desk import (
    MAX_LABEL_CHARS,
    MAX_NOTE_CHARS,
    MAX_REPLY_CHARS,
    MAX_TEMPLATE_PARAMETER_CHARS,
    STATUSES,
)
from core.ids import MAX_ID
from core.owner_config import MAX_TEMPLATE_PARAMETERS
from core.webhooks import EVENT_TYPES, MAX_DESCRIPTION_CHARS

T = TypeVar("T")

MAX_PAGE = 100
DEFAULT_PAGE = 50
MAX_QUERY_CHARS = 200
MAX_CURSOR_CHARS = 200

Limit = Annotated[int, Meta(ge=1, le=MAX_PAGE, description="items per page")]
# Every id a request names, in the one range core/ids.py allows.
Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
Cursor = Annotated[str, Meta(max_length=MAX_CURSOR_CHARS,
                             description="`next_cursor` of the previous page")]
Search = Annotated[str, Meta(max_length=MAX_QUERY_CHARS)]


class Request(Struct, forbid_unknown_fields=True, frozen=True):
    """Bodies and query strings: a field the API does not know is an error, not ignored."""


class ConversationQuery(Request):
    status: Literal[STATUSES] | None = None
    channel: Annotated[Id, Meta(description="channel id")] | None = None
    team: Annotated[Id, Meta(description="team id")] | None = None
    assignee: Literal["mine", "unassigned"] | None = None
    label: Annotated[str, Meta(max_length=MAX_LABEL_CHARS)] | None = None
    q: Annotated[Search, Meta(description="words in the messages or the customer's names")] = ""
    limit: Limit = DEFAULT_PAGE
    cursor: Cursor | None = None


class PageQuery(Request):
    limit: Limit = DEFAULT_PAGE
    cursor: Cursor | None = None


class CustomerQuery(Request):
    q: Annotated[Search, Meta(description="names, user names or phone number")] = ""
    limit: Limit = DEFAULT_PAGE
    cursor: Cursor | None = None


class ReplyBody(Request):
    text: Annotated[str, Meta(min_length=1, max_length=MAX_REPLY_CHARS)]


class NoteBody(Request):
    text: Annotated[str, Meta(min_length=1, max_length=MAX_NOTE_CHARS)]


class LabelBody(Request):
    name: Annotated[str, Meta(min_length=1, max_length=MAX_LABEL_CHARS)]


class SnoozeBody(Request):
    until: Annotated[datetime, Meta(tz=True, description="RFC 3339, with its UTC offset")]


class TemplateBody(Request):
    """One of the owner's WhatsApp templates (`GET /api/v1/templates`), with a value for
    each of its parameters."""

    name: Annotated[str, Meta(min_length=1, max_length=512)]
    language: Annotated[str, Meta(min_length=1, max_length=16)]
    parameters: Annotated[
        list[Annotated[str, Meta(max_length=MAX_TEMPLATE_PARAMETER_CHARS)]],
        Meta(max_length=MAX_TEMPLATE_PARAMETERS),
    ] = []


class AssignBody(Request):
    """Give at least one; null clears it, a field left out stays as it is."""

    user_id: Id | None | UnsetType = UNSET
    team_id: Id | None | UnsetType = UNSET


class Problem(Struct, frozen=True):
    """RFC 9457 problem details."""

    title: str
    status: int
    detail: str = ""
    type: str = "about:blank"


class ConversationSummary(Struct, frozen=True):
    id: int
    platform: str
    channel_name: str
    status: str
    customer_name: str
    preview: str
    last_author: str
    last_at: datetime | None
    waiting_since: datetime | None
    unread: int
    assignee_name: str
    team_name: str
    labels: list[str]


class ConversationPage(Struct, frozen=True):
    items: list[ConversationSummary]
    next_cursor: str | None


class Identity(Struct, frozen=True):
    id: int
    channel_id: int
    platform: str
    display_name: str
    username: str
    unreachable: bool


class Customer(Struct, frozen=True):
    id: int
    name: str
    phone: str
    created_at: datetime
    identities: list[Identity]
    conversation_ids: list[int]
    opted_out_channel_ids: Annotated[list[int], Meta(
        description="channels on which the customer asked for no proactive messages")] = []


class CustomerPage(Struct, frozen=True):
    items: list[Customer]
    next_cursor: str | None


class ReplyWindow(Struct, frozen=True):
    """Whether the platform takes a free reply now; when it is closed, WhatsApp still takes
    a template."""

    closed: bool
    hours: int
    templates_allowed: bool


class Conversation(Struct, frozen=True):
    id: int
    platform: str
    channel_name: str
    status: str
    assignee_id: int | None
    team_id: int | None
    snoozed_until: datetime | None
    reopen_count: int
    created_at: datetime
    labels: list[str]
    reply_window: ReplyWindow
    customer: Customer


class Message(Struct, frozen=True):
    id: int
    conversation_id: int
    direction: Literal["in", "out"]
    author: str
    author_name: str
    kind: str
    text: str
    has_media: bool
    event: str
    created_at: datetime
    delivery: str
    delivery_error: str


class MessagePage(Struct, frozen=True):
    items: list[Message]
    next_cursor: str | None


class Note(Struct, frozen=True):
    """A private note: agents see it, the customer never does."""

    id: int
    conversation_id: int
    author_id: int
    author_name: str
    text: str
    created_at: datetime


class NotePage(Struct, frozen=True):
    items: list[Note]
    next_cursor: str | None


class Labels(Struct, frozen=True):
    items: list[str]


class User(Struct, frozen=True):
    id: int
    name: str
    display_name: str
    email: str
    role: str
    active: bool
    team_ids: list[int]


class Users(Struct, frozen=True):
    items: list[User]


class Team(Struct, frozen=True):
    id: int
    name: str
    member_ids: list[int]


class Teams(Struct, frozen=True):
    items: list[Team]


class Template(Struct, frozen=True):
    name: str
    language: str
    parameters: int
    description: str


class Templates(Struct, frozen=True):
    items: list[Template]


def from_desk(value: object, kind: type[T]) -> T:
    """A struct from one of core/desk/'s dataclasses (fields of the same names), or
    from a dict of its fields."""
    return msgspec.convert(value, kind, from_attributes=True)


# --- Outgoing webhooks (core/webhooks.py) ------------------------------------------------

EventType = Literal[EVENT_TYPES]


class WebhookEndpointBody(Request):
    url: Annotated[str, Meta(min_length=1, max_length=MAX_URL_CHARS,
                             description="http(s) URL on a public address")]
    event_types: Annotated[list[EventType], Meta(min_length=1, max_length=len(EVENT_TYPES))]
    description: Annotated[str, Meta(max_length=MAX_DESCRIPTION_CHARS)] = ""


class WebhookEndpointChange(Request):
    enabled: Annotated[bool, Meta(description="false pauses deliveries; true resumes them,"
                                              " also after a 410 disabled the endpoint")]


class WebhookEndpoint(Struct, frozen=True):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    created_at: datetime


class WebhookEndpointCreated(Struct, frozen=True):
    endpoint: WebhookEndpoint
    secret: Annotated[str, Meta(description="whsec_…: verify signatures with it")]


class WebhookEndpoints(Struct, frozen=True):
    items: list[WebhookEndpoint]


class WebhookSecret(Struct, frozen=True):
    secret: Annotated[str, Meta(description="whsec_…, exactly as it signs")]
    previous_secret_until: Annotated[datetime | None, Meta(
        description="after a rotation, the previous secret signs as well until then")]


class WebhookDelivery(Struct, frozen=True):
    id: int
    message_id: Annotated[str, Meta(description="the webhook-id header: the same on retries")]
    event_type: str
    state: Literal["pending", "sending", "delivered", "failed"]
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    finished_at: datetime | None


class WebhookDeliveryPage(Struct, frozen=True):
    items: list[WebhookDelivery]
    next_cursor: str | None


class WebhookQueued(Struct, frozen=True):
    delivery_id: int


class Agent(Struct, frozen=True):
    """A panel user and the status the others see: offline when no panel of theirs has
    been open for a few minutes, whatever they chose."""

    id: int
    name: str
    role: str
    status: Literal["available", "away", "offline"]
    seen_at: datetime | None


class Agents(Struct, frozen=True):
    items: list[Agent]
# --- proactive follow-ups -------------------------------------------------------------

EventType = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=64,
                                description="e.g. order.shipped, as the owner's rules name it")]
EventValue = Annotated[str, Meta(max_length=512)] | int | float


class EventCustomer(Request):
    """Who the event is about: a phone number (any Iranian form), or an account on a
    channel (its platform, e.g. "bale", and the platform's user id)."""

    phone: Annotated[str, Meta(min_length=4, max_length=32)] | None = None
    channel: Annotated[str, Meta(min_length=1, max_length=16)] | None = None
    user_id: Annotated[str, Meta(min_length=1, max_length=128)] | None = None


class EventBody(Request):
    type: EventType
    customer: EventCustomer
    data: Annotated[dict[Annotated[str, Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")],
                         EventValue], Meta(max_length=32)] = msgspec.field(default_factory=dict)


class ScheduledFollowup(Struct, frozen=True):
    id: int
    rule: str
    due_at: datetime


class SkippedFollowup(Struct, frozen=True):
    rule: str
    reason: Annotated[str, Meta(description="missing_value: the event left a placeholder"
                                            " of the rule's text empty (see `missing`)")]
    missing: list[str]


class EventAccepted(Struct, frozen=True):
    """What the event scheduled; each follow-up is checked again when due (quiet hours,
    opt-out, the weekly cap, an open conversation, the channel's rules)."""

    customer_id: int | None  # null: no rule of this event, and no customer has the number
    scheduled: list[ScheduledFollowup]
    skipped: list[SkippedFollowup]


class OptOut(Struct, frozen=True):
    channel_id: int
    platform: str
    channel_name: str
    opted_out: bool
    source: Annotated[str, Meta(description="keyword (the customer wrote it), api or platform")]
    changed_at: datetime


class OptOuts(Struct, frozen=True):
    items: list[OptOut]


class OptOutBody(Request):
    opted_out: bool
