"""Tortoise models: the only place that knows the tables.

Nothing outside `core/` imports these; other rooms get frozen dataclasses from
`core.events` or plain values from the services in `core/`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields, models

from core.events import ConversationStatus, TicketStatus
from core.secrets_at_rest import SealedTextField


class _WithoutComments(models.ModelMeta):
    """Tortoise reads each model's source for `#:` field comments (there are none here);
    on Python 3.11 that parsed this whole file once per model: 1.2 s of CPU at every
    import, in every process, test worker and command."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]):  # type: ignore[no-untyped-def]
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class PasokhModel(models.Model, metaclass=_WithoutComments):
    class Meta:
        abstract = True


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class Author(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker; on restart it is sent again, flagged
    SENT = "sent"
    FAILED = "failed"  # gave up: `last_error` says why
    CANCELLED = "cancelled"  # never sent on purpose (e.g. the customer blocked the bot)


class Role(StrEnum):
    OWNER = "owner"
    AGENT = "agent"


class Channel(PasokhModel):
    id = fields.IntField(primary_key=True)
    platform = fields.CharField(max_length=16)
    key = fields.CharField(max_length=64, description="stable identity, e.g. the bot's user id")
    name = fields.CharField(max_length=128, default="")
    # Encrypted in the database (core/secrets_at_rest.py), plain in Python.
    token = SealedTextField(default="")
    webhook_secret = SealedTextField(default="")
    poll_offset = fields.BigIntField(default=0)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # A channel's own settings as [name, value] pairs, read by its adapter (a web chat's
    # allowed origins and language); the names repeat where a setting has several values.
    options = fields.JSONField(null=True)

    class Meta:
        table = "channel"
        unique_together = (("platform", "key"),)


class Visitor(PasokhModel):
    """Someone who holds a token a channel signed (a website visitor). The token names
    `public_id`; revoking the row ends every copy of the token."""

    id = fields.IntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="visitors")
    public_id = fields.CharField(max_length=64, unique=True)
    revoked = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    # What the site vouched for (a signed identity), put on the visitor's messages.
    name = fields.CharField(max_length=128, default="")
    phone = fields.CharField(max_length=32, null=True)
    email = fields.CharField(max_length=254, null=True)

    class Meta:
        table = "visitor"


class Continuation(PasokhModel):
    """A one-time link from a conversation on one channel to another (the web chat's
    "continue in Telegram"): whoever starts the other channel with the token joins the same
    customer. Only the token's SHA-256 is kept; it expires and works once."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True, description="hex SHA-256")
    channel = fields.ForeignKeyField("models.Channel", related_name="continuations")
    external_id = fields.CharField(max_length=128, description="who asked, on `channel`")
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "continuation"


class ChannelRefusal(PasokhModel):
    """How many requests to a channel were refused, by reason (over a limit, a foreign
    origin, a bad token): what a flood cost, shown to the owner instead of the inbox."""

    id = fields.IntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="refusals")
    reason = fields.CharField(max_length=32)
    count = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "channel_refusal"
        unique_together = (("channel", "reason"),)


class Customer(PasokhModel):
    id = fields.IntField(primary_key=True)
    display_name = fields.CharField(max_length=256, default="")
    phone = fields.CharField(max_length=32, null=True)
    language = fields.CharField(max_length=8, null=True)
    attributes = fields.JSONField(null=True, description="custom name-value pairs the agents keep")
    language_chosen_at = fields.DatetimeField(
        null=True, description="set when the customer picked `language` in the bot")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"


class Identity(PasokhModel):
    """One platform account of a customer, on one channel."""

    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField("models.Customer", related_name="identities")
    channel = fields.ForeignKeyField("models.Channel", related_name="identities")
    external_id = fields.CharField(max_length=128)
    username = fields.CharField(max_length=128, null=True)
    display_name = fields.CharField(max_length=256, default="")
    unreachable = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity"
        unique_together = (("channel", "external_id"),)
        indexes = (("customer_id",),)  # a customer's channels: follow-ups, broadcasts


class Team(PasokhModel):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)

    class Meta:
        table = "team"


class User(PasokhModel):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=256)
    role = fields.CharField(max_length=16, default=Role.AGENT.value)
    display_name = fields.CharField(max_length=128, default="")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Named in every session; logging out counts it up, so every copy of the cookie ends.
    session_version = fields.IntField(default=0)

    class Meta:
        table = "user"


class TeamMember(PasokhModel):
    id = fields.IntField(primary_key=True)
    team = fields.ForeignKeyField("models.Team", related_name="memberships")
    user = fields.ForeignKeyField("models.User", related_name="memberships")

    class Meta:
        table = "team_member"
        unique_together = (("team", "user"),)


class Conversation(PasokhModel):
    id = fields.IntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="conversations")
    customer = fields.ForeignKeyField("models.Customer", related_name="conversations")
    identity = fields.ForeignKeyField("models.Identity", related_name="conversations")
    chat_id = fields.CharField(max_length=128)
    chat_type = fields.CharField(max_length=16, default="private")
    route = fields.JSONField(default=dict)
    status = fields.CharField(max_length=16, default=ConversationStatus.OPEN.value)
    assignee = fields.ForeignKeyField("models.User", null=True, related_name="conversations")
    team = fields.ForeignKeyField("models.Team", null=True, related_name="conversations")
    flow_state = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()
    last_message_at = fields.DatetimeField()
    handed_off_at = fields.DatetimeField(null=True)
    first_response_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    reopen_count = fields.IntField(default=0, description="times it was reopened after resolve")
    snoozed_until = fields.DatetimeField(null=True)
    # Since when the customer waits for us: their first message no one has answered yet (an
    # agent, or the bot while it has the conversation). NULL: it is the customer's turn.
    waiting_since = fields.DatetimeField(null=True)

    class Meta:
        table = "conversation"
        # last_message_at alone: the panel's inbox lists newest activity first.
        indexes = (("identity_id", "id"), ("status", "last_message_at"), ("last_message_at",),
                   ("customer_id",))


class Message(PasokhModel):
    id = fields.BigIntField(primary_key=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="messages")
    channel = fields.ForeignKeyField("models.Channel", related_name="messages")
    direction = fields.CharField(max_length=3)
    author = fields.CharField(max_length=16)
    kind = fields.CharField(max_length=16)
    text = fields.TextField(null=True)
    media = fields.JSONField(null=True)
    external_id = fields.CharField(max_length=128, null=True)
    meta = fields.JSONField(default=dict, description="kind-specific data: button payload, …")
    revisions = fields.JSONField(default=list, description="earlier texts of an edited message")
    delivery = fields.CharField(max_length=16, null=True, description="outbound: queued…failed")
    delivery_error = fields.TextField(null=True)
    raw_payload = fields.TextField(null=True)
    processed = fields.BooleanField(default=False, description="the flows have seen it")
    created_at = fields.DatetimeField()

    class Meta:
        table = "message"
        # The direction is part of the key: a platform numbering each direction on its own
        # must never let one of our replies shadow a customer's message with the same id.
        unique_together = (("channel", "direction", "external_id"),)
        indexes = (("conversation_id", "id"), ("processed", "id"))


class OutboxItem(PasokhModel):
    id = fields.BigIntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="outbox")
    message = fields.ForeignKeyField("models.Message", null=True, related_name="outbox")
    identity = fields.ForeignKeyField("models.Identity", null=True, related_name="outbox")
    chat_id = fields.CharField(max_length=128)
    payload = fields.JSONField()
    state = fields.CharField(max_length=16, default=OutboxState.PENDING.value)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    # Committed just before the platform call of the current claim: a claim left by a dead
    # sender may have reached the platform only if this is set (core/outbox.py).
    send_started = fields.BooleanField(default=False)
    possibly_duplicated = fields.BooleanField(default=False)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    # 0: a reply to someone writing now; higher: proactive traffic, sent after every reply
    priority = fields.SmallIntField(default=0)

    class Meta:
        table = "outbox"
        indexes = (("state", "next_attempt_at"), ("channel_id", "chat_id", "state"),
                   ("state", "channel_id", "priority", "next_attempt_at"))


class EarlyReceipt(PasokhModel):
    """A platform's receipt that arrived before the outbox recorded the id it names (a send
    and its "sent" receipt can race). Applied when the id is recorded; kept minutes only."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.ForeignKeyField("models.Channel", related_name="early_receipts")
    external_id = fields.CharField(max_length=128)
    status = fields.CharField(max_length=16)
    error = fields.TextField(null=True)
    received_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "early_receipt"
        unique_together = (("channel", "external_id", "status"),)


class OwnerConfig(PasokhModel):
    """The owner's configuration document (see core/owner_config.py): one row."""

    id = fields.IntField(primary_key=True)
    document = fields.JSONField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "owner_config"


class Ticket(PasokhModel):
    """A problem a customer reported. The customer is told its short `number`."""

    id = fields.IntField(primary_key=True)
    number = fields.IntField(unique=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="tickets")
    customer = fields.ForeignKeyField("models.Customer", related_name="tickets")
    description = fields.TextField()
    media = fields.JSONField(null=True)
    status = fields.CharField(max_length=16, default=TicketStatus.OPEN.value)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "ticket"


class SurveyAnswer(PasokhModel):
    """The customer's satisfaction answer after a resolve: one per conversation."""

    id = fields.IntField(primary_key=True)
    conversation = fields.OneToOneField("models.Conversation", related_name="survey_answer")
    score = fields.SmallIntField(description="1 (bad) to 5 (excellent)")
    comment = fields.TextField(null=True)
    answered_at = fields.DatetimeField()

    class Meta:
        table = "survey_answer"


# --- Admin panel ------------------------------------------------------------------------
# What only the agents' panel writes: private notes, read marks, login throttling and the
# normalized search text. core/desk/ is the one service over these tables.


class Note(PasokhModel):
    """A private note an agent left on a conversation: never sent to the customer."""

    id = fields.IntField(primary_key=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="notes")
    author = fields.ForeignKeyField("models.User", related_name="notes")
    text = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "note"
        indexes = (("conversation_id", "id"),)


class ReadMark(PasokhModel):
    """How far a panel user has read a conversation: unread counts start after it."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="read_marks")
    conversation = fields.ForeignKeyField("models.Conversation", related_name="read_marks")
    last_read_message_id = fields.BigIntField(default=0)

    class Meta:
        table = "read_mark"
        unique_together = (("user", "conversation"),)


class LoginThrottle(PasokhModel):
    """Failed logins per e-mail address (known or not), and until when it is locked."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    failures = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "login_throttle"


class SearchEntry(PasokhModel):
    """A message's text in normalized form (core/text.py), for the panel's search.

    The id is the message's id. Written with the message, in its transaction
    (core/search_index.py); the desk only reads it. Every insert names its id; the column
    keeps the ORM's default kind of key that migration 0004 made (see
    tests/core/test_models_match_migrations.py).
    """

    id = fields.BigIntField(primary_key=True)
    conversation_id = fields.IntField(db_index=True)
    body = fields.TextField()

    class Meta:
        table = "search_entry"


class CustomerSearchEntry(PasokhModel):
    """A customer's names, user names and phone in normalized form (core/text.py), one per
    line, for the panel's search. Written with them (core/search_index.py), always with the
    customer's id, as search_entry is."""

    customer_id = fields.IntField(primary_key=True)
    body = fields.TextField()

    class Meta:
        table = "customer_search_entry"


# --- Desk: labels -----------------------------------------------------------------------
# Labels agents put on conversations to sort them (e.g. "refund", "vip"). core/desk/
# writes and reads them.


class ConversationLabel(PasokhModel):
    """One label on one conversation. The pair is unique so a double click adds it once."""

    id = fields.IntField(primary_key=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="labels")
    name = fields.CharField(max_length=64, db_index=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "conversation_label"
        unique_together = (("conversation", "name"),)


# --- JSON API ---------------------------------------------------------------------------
# Tokens an owner creates for scripts and integrations (core/api_tokens.py is the service).


class ApiToken(PasokhModel):
    """A bearer token for /api/v1. Only the SHA-256 of the token is kept: the token itself
    is shown once, when it is made. A request with it acts as the owner who made it."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    owner = fields.ForeignKeyField("models.User", related_name="api_tokens")
    token_hash = fields.CharField(max_length=64, unique=True, description="hex SHA-256")
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked = fields.BooleanField(default=False)

    class Meta:
        table = "api_token"


# --- Opt-out ----------------------------------------------------------------------------
# Who asked for no proactive messages on which channel (issue 16); checked before any.


class OptOut(PasokhModel):
    """A customer who asked for no proactive messages on one channel («لغو», or «۱۱» by
    text), checked before every proactive send. They still get answers when they write; the
    row goes when they ask again («۱۲»), or an agent or integration opts them back in."""

    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField("models.Customer", related_name="opt_outs")
    channel = fields.ForeignKeyField("models.Channel", related_name="opt_outs")
    created_at = fields.DatetimeField()
    # How it came: keyword (the customer wrote it), api (an integration or an agent) or
    # platform (the provider said the recipient blocks the line).
    source = fields.CharField(max_length=16, default="keyword")

    class Meta:
        table = "opt_out"
        unique_together = (("customer", "channel"),)


# --- Outgoing webhooks ------------------------------------------------------------------
# Endpoints an owner registers, and one row per event per endpoint, delivered by a worker
# (core/webhooks.py registers and records, core/webhook_sender.py delivers).


class WebhookState(StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # claimed until claimed_until; due again after that (a crash)
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up, or the endpoint answered 410: last_error says why


class WebhookEndpoint(PasokhModel):
    """Where an owner wants events sent, and the secret that signs them."""

    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2048)
    description = fields.CharField(max_length=128, default="")
    event_types = fields.TextField(description='the types it receives, as ",a,b,"')
    # Encrypted in the database (core/secrets_at_rest.py), plain in Python: whsec_…
    secret = SealedTextField(default="")
    previous_secret = SealedTextField(default="")
    previous_secret_until = fields.DatetimeField(null=True)
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_endpoint"


class WebhookDelivery(PasokhModel):
    """One event for one endpoint: the body is fixed when the event happens, the signature
    is made on each attempt."""

    id = fields.BigIntField(primary_key=True)
    endpoint = fields.ForeignKeyField("models.WebhookEndpoint", related_name="deliveries")
    message_id = fields.CharField(max_length=64, description="webhook-id: the same on retries")
    event_type = fields.CharField(max_length=64)
    body = fields.TextField()
    state = fields.CharField(max_length=16, default=WebhookState.PENDING.value)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_delivery"
        indexes = (("state", "next_attempt_at"), ("endpoint_id", "id"))

# --- Routing and presence ----------------------------------------------------------------
# Who is at work, who had the last new conversation, and why each conversation went to whom
# (core/routing/ is the service over these tables).


class AgentPresence(PasokhModel):
    """A panel user's chosen status and when a panel of theirs was last open. The status
    shown is `status` while `seen_at` is recent, offline after (core/routing/presence.py).
    `last_assigned_at` is when routing last gave them a new conversation: the one who has
    waited longest gets the next. Routing locks these rows to keep capacity exact."""

    id = fields.IntField(primary_key=True)
    user = fields.OneToOneField("models.User", related_name="presence")
    status = fields.CharField(max_length=16, default="available")
    seen_at = fields.DatetimeField(null=True)
    last_assigned_at = fields.DatetimeField(null=True)

    class Meta:
        table = "agent_presence"


class Assignment(PasokhModel):
    """One change of a conversation's assignee and why: routing chose them, someone assigned
    by hand, or it went back to the queue (the agent went offline or was deactivated)."""

    id = fields.BigIntField(primary_key=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="assignments")
    user = fields.ForeignKeyField("models.User", null=True, related_name="assignments")
    reason = fields.CharField(max_length=24)
    by = fields.ForeignKeyField("models.User", null=True, related_name="assignments_made")
    created_at = fields.DatetimeField()

    class Meta:
        table = "assignment"
        indexes = (("conversation_id", "id"), ("user_id", "created_at"))


# --- Notifications to agents -------------------------------------------------------------
# What each agent wants to be told, where (core/notifications/ is the service).


class NotificationChoice(PasokhModel):
    """What an agent wants to be told and where. No row: the defaults of
    core/notifications/preferences.py."""

    id = fields.IntField(primary_key=True)
    user = fields.OneToOneField("models.User", related_name="notification_choice")
    choices = fields.JSONField(description="core.notifications.preferences.Choices")

    class Meta:
        table = "notification_choice"


class PushSubscription(PasokhModel):
    """One browser or installed panel that takes Web Push for an agent (its endpoint and keys
    as the browser's PushManager gave them)."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="push_subscriptions")
    endpoint = fields.CharField(max_length=1024, unique=True)
    p256dh = fields.CharField(max_length=256)
    auth = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "push_subscription"


class NotificationSent(PasokhModel):
    """One notification to one agent, claimed once: every process hears the same events,
    and the one whose insert wins sends it, so an agent is told once."""

    id = fields.BigIntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="notifications")
    kind = fields.CharField(max_length=24)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="notifications")
    ref = fields.CharField(max_length=64, description="what it is about: a message, an assignment")
    created_at = fields.DatetimeField()

    class Meta:
        table = "notification_sent"
        unique_together = (("user", "kind", "ref"),)


class ServerKey(PasokhModel):
    """A key Pasokh makes for itself once, sealed (core/secrets_at_rest.py): the VAPID key
    that signs Web Push requests."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=32, unique=True)
    private_key = SealedTextField()
    public_key = fields.TextField()

    class Meta:
        table = "server_key"


class MessengerLink(PasokhModel):
    """An agent's own chat with the shop's bot, for notifications on their phone: linked by
    a one-time code the agent sends the bot (only its SHA-256 is kept, for minutes)."""

    id = fields.IntField(primary_key=True)
    user = fields.OneToOneField("models.User", related_name="messenger_link")
    code_hash = fields.CharField(max_length=64, null=True, unique=True)
    code_expires_at = fields.DatetimeField(null=True)
    channel = fields.ForeignKeyField("models.Channel", null=True, related_name="agent_links")
    identity = fields.ForeignKeyField("models.Identity", null=True, related_name="agent_links")
    chat_id = fields.CharField(max_length=128, null=True)
    linked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "messenger_link"


# --- Proactive follow-ups -----------------------------------------------------------------
# One row per follow-up an event scheduled (core/followups.py sends them through the outbox).


class Followup(PasokhModel):
    """One follow-up of the owner's rules for one customer and one event, from scheduled to
    queued in the outbox (or skipped, with the reason). The triple (rule, event key,
    customer) is unique, so a shop that posts the same event twice schedules it once."""

    id = fields.BigIntField(primary_key=True)
    rule_id = fields.CharField(max_length=64)
    event_key = fields.CharField(max_length=200)
    event_type = fields.CharField(max_length=64)
    customer = fields.ForeignKeyField("models.Customer", related_name="followups")
    values = fields.JSONField(description="the placeholders' values, as the event gave them")
    state = fields.CharField(max_length=16, default="scheduled")
    due_at = fields.DatetimeField()
    channel = fields.ForeignKeyField("models.Channel", null=True, related_name="followups")
    message_id = fields.BigIntField(null=True, description="the message it was sent as")
    reason = fields.CharField(max_length=64, null=True, description="why it was skipped")
    created_at = fields.DatetimeField()
    queued_at = fields.DatetimeField(null=True)

    class Meta:
        table = "followup"
        unique_together = (("rule_id", "event_key", "customer"),)
        indexes = (("state", "due_at"), ("customer_id", "queued_at"))


class Broadcast(PasokhModel):
    """One text an owner sent to an audience (core/broadcasts.py)."""

    id = fields.IntField(primary_key=True)
    text = fields.TextField()
    audience = fields.JSONField(description="core.broadcasts.Audience: labels, channels, days")
    template = fields.JSONField(null=True, description="core.broadcasts.BroadcastTemplate")
    total = fields.IntField(description="customers in the audience when it started")
    created_by = fields.ForeignKeyField("models.User", null=True, related_name="broadcasts")
    created_at = fields.DatetimeField()

    class Meta:
        table = "broadcast"


class BroadcastRecipient(PasokhModel):
    """One customer of a broadcast: pending, queued in the outbox as `message_id` (marked in
    the same transaction, so a crash never writes it twice), or skipped with the reason."""

    id = fields.BigIntField(primary_key=True)
    broadcast = fields.ForeignKeyField("models.Broadcast", related_name="recipients")
    customer = fields.ForeignKeyField("models.Customer", related_name="broadcasts")
    channel = fields.ForeignKeyField("models.Channel", null=True, related_name="broadcasts")
    state = fields.CharField(max_length=16)
    reason = fields.CharField(max_length=64, null=True)
    message_id = fields.BigIntField(null=True)
    queued_at = fields.DatetimeField(null=True)

    class Meta:
        table = "broadcast_recipient"
        unique_together = (("broadcast", "customer"),)
        indexes = (("state", "id"),)
