"""The API's views: decode and check the request, ask core/desk/, encode the answer.

The token's owner is the viewer, exactly as if they used the panel: the same scope, the
same replies through the outbox, the same notices to open panels.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from admin_panel.api import schemas
from admin_panel.api.problems import ApiProblem
from admin_panel.api.security import still_valid, viewer_of
from admin_panel.typedefs import DESK, FOLLOWUPS
from admin_panel.views.live import stream_notices
from core import followups
from core.clock import utcnow
from core.desk import ConversationNotFound, CustomerNotFound, DeskError, InboxFilter
from core.ids import MAX_ID, MAX_MESSAGE_ID, NotAnId, checked_id, id_or_none
from core.routing import roster
from core.text import phone_key

# What an integration can follow live: ids only, like the panel's own stream; it reads the
# rest through the endpoints above, with the token's rights.
EVENT_TOPICS = ("message.new", "conversation.updated", "message.delivery")
TOKEN_RECHECK_SECONDS = 15.0

Q = TypeVar("Q", bound=schemas.Request)


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(body=msgspec.json.encode(value), status=status,
                        content_type="application/json")


def _query(request: web.Request, kind: type[Q]) -> Q:
    if any(len(request.query.getall(name)) > 1 for name in request.query):
        raise ApiProblem(400, "Give each query parameter once.")
    try:
        return msgspec.convert(dict(request.query), kind, strict=False)
    except msgspec.ValidationError as error:
        raise ApiProblem(400, f"Query string: {error}") from None


async def _body(request: web.Request, kind: type[Q]) -> Q:
    raw = await request.read()
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        raise ApiProblem(422, str(error)) from None
    except msgspec.DecodeError:
        raise ApiProblem(400, "The body is not JSON.") from None


def _path_id(request: web.Request, name: str) -> int:
    found = id_or_none(request.match_info[name])
    if found is None:
        raise ApiProblem(404, f"There is no such {name.removesuffix('_id')}.")
    return found


def _encode_cursor(*parts: int | str) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(parts)).decode().rstrip("=")


def _decode_cursor(cursor: str, kind: type) -> Any:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise ApiProblem(400, "The cursor is not one this API gave out.") from None


def _after_id(cursor: str | None, *, maximum: int = MAX_ID) -> int:
    if cursor is None:
        return 0
    return _cursor_id(_decode_cursor(cursor, tuple[int])[0], maximum)


def _cursor_id(value: int, maximum: int = MAX_ID) -> int:
    try:
        return checked_id(value, maximum=maximum)
    except NotAnId:
        raise ApiProblem(400, "The cursor is not one this API gave out.") from None


def _id_page(found: Sequence[Any], limit: int, item: type, page: type) -> web.Response:
    """One page of a list paged by id: `found` holds up to limit + 1 items, the extra one
    only saying that there is more."""
    shown = found[:limit]
    return _json(page(
        items=[schemas.from_desk(each, item) for each in shown],
        next_cursor=_encode_cursor(shown[-1].id) if len(found) > limit else None,
    ))


def _desk_errors(call):
    """Maps the desk's refusals to problems: not found is 404, any other refusal 422."""

    async def view(request: web.Request) -> web.Response:
        try:
            return await call(request)
        except (ConversationNotFound, CustomerNotFound) as missing:
            raise ApiProblem(404, str(missing)) from None
        except DeskError as refused:
            raise ApiProblem(422, str(refused)) from None

    view.__doc__ = call.__doc__
    return view


# --- conversations --------------------------------------------------------------------


@_desk_errors
async def list_conversations(request: web.Request) -> web.Response:
    """Conversations, newest activity first, filtered like the panel's inbox."""
    query = _query(request, schemas.ConversationQuery)
    before = None
    if query.cursor is not None:
        moment, last_id = _decode_cursor(query.cursor, tuple[datetime, int])
        before = (moment, _cursor_id(last_id))
    wanted = InboxFilter(assigned=query.assignee or "", team_id=query.team,
                         status=query.status or "", channel_id=query.channel,
                         label=query.label or "", query=query.q)
    rows = await request.app[DESK].inbox(viewer_of(request), wanted, before=before,
                                         limit=query.limit + 1)
    page = rows[:query.limit]
    more = len(rows) > query.limit
    return _json(schemas.ConversationPage(
        items=[schemas.from_desk({**asdict(row), "id": row.conversation_id},
                                 schemas.ConversationSummary) for row in page],
        next_cursor=(_encode_cursor(page[-1].sorted_at.isoformat(), page[-1].conversation_id)
                     if more else None),
    ))


async def _conversation(request: web.Request, conversation_id: int) -> schemas.Conversation:
    desk, viewer = request.app[DESK], viewer_of(request)
    detail = await desk.conversation(viewer, conversation_id)
    customer = await desk.customer_record(viewer, detail.customer_id)
    return schemas.Conversation(
        id=detail.id, platform=detail.platform, channel_name=detail.channel_name,
        status=detail.status, assignee_id=detail.assignee_id, team_id=detail.team_id,
        snoozed_until=detail.snoozed_until, reopen_count=detail.reopen_count,
        created_at=detail.created_at, labels=list(detail.labels),
        reply_window=schemas.from_desk(detail.reply_window, schemas.ReplyWindow),
        customer=schemas.from_desk(customer, schemas.Customer),
    )


@_desk_errors
async def get_conversation(request: web.Request) -> web.Response:
    """One conversation with its customer; marks it read for the token's owner."""
    return _json(await _conversation(request, _path_id(request, "conversation_id")))


@_desk_errors
async def list_messages(request: web.Request) -> web.Response:
    """The conversation's messages, oldest first."""
    conversation_id = _path_id(request, "conversation_id")
    query = _query(request, schemas.PageQuery)
    entries = await request.app[DESK].messages(
        viewer_of(request), conversation_id,
        after_id=_after_id(query.cursor, maximum=MAX_MESSAGE_ID), limit=query.limit + 1)
    return _id_page(entries, query.limit, schemas.Message, schemas.MessagePage)


@_desk_errors
async def reply(request: web.Request) -> web.Response:
    """A reply to the customer, stored and sent through the outbox like an agent's."""
    conversation_id = _path_id(request, "conversation_id")
    body = await _body(request, schemas.ReplyBody)
    desk, viewer = request.app[DESK], viewer_of(request)
    message_id = await desk.reply(viewer, conversation_id, body.text)
    stored = await desk.message(viewer, conversation_id, message_id)
    return _json(schemas.from_desk(stored, schemas.Message), status=201)


@_desk_errors
async def resolve(request: web.Request) -> web.Response:
    """Resolves the conversation (the bot then asks for a score, when configured)."""
    conversation_id = _path_id(request, "conversation_id")
    await request.app[DESK].resolve(viewer_of(request), conversation_id)
    return _json(await _conversation(request, conversation_id))


@_desk_errors
async def reopen(request: web.Request) -> web.Response:
    """Puts a resolved or snoozed conversation back in the agents' queue."""
    conversation_id = _path_id(request, "conversation_id")
    await request.app[DESK].reopen(viewer_of(request), conversation_id)
    return _json(await _conversation(request, conversation_id))


@_desk_errors
async def assign(request: web.Request) -> web.Response:
    """Assigns an agent, a team or both; null unassigns."""
    conversation_id = _path_id(request, "conversation_id")
    body = await _body(request, schemas.AssignBody)
    if body.user_id is msgspec.UNSET and body.team_id is msgspec.UNSET:
        raise ApiProblem(422, "Give user_id, team_id or both.")
    current = await _conversation(request, conversation_id)
    await request.app[DESK].assign(
        viewer_of(request), conversation_id,
        assignee_id=current.assignee_id if body.user_id is msgspec.UNSET else body.user_id,
        team_id=current.team_id if body.team_id is msgspec.UNSET else body.team_id,
    )
    return _json(await _conversation(request, conversation_id))


@_desk_errors
async def snooze(request: web.Request) -> web.Response:
    """Snoozes the conversation until a time; it comes back to the queue then, or when the
    customer writes."""
    conversation_id = _path_id(request, "conversation_id")
    body = await _body(request, schemas.SnoozeBody)
    await request.app[DESK].snooze(viewer_of(request), conversation_id, body.until)
    return _json(await _conversation(request, conversation_id))


@_desk_errors
async def add_label(request: web.Request) -> web.Response:
    """Adds a label (adding one it has changes nothing)."""
    conversation_id = _path_id(request, "conversation_id")
    body = await _body(request, schemas.LabelBody)
    await request.app[DESK].add_label(viewer_of(request), conversation_id, body.name)
    return _json(await _conversation(request, conversation_id))


@_desk_errors
async def remove_label(request: web.Request) -> web.Response:
    """Removes a label (removing one it does not have changes nothing)."""
    conversation_id = _path_id(request, "conversation_id")
    await request.app[DESK].remove_label(viewer_of(request), conversation_id,
                                         request.match_info["label"])
    return _json(await _conversation(request, conversation_id))


@_desk_errors
async def list_labels(request: web.Request) -> web.Response:
    """The labels in use on any conversation, by name."""
    return _json(schemas.Labels(items=await request.app[DESK].labels()))


async def list_users(request: web.Request) -> web.Response:
    """The agents and owners, with their teams: the ids `assign` takes as `user_id`."""
    return _json(schemas.Users(items=[
        schemas.from_desk(user, schemas.User) for user in await request.app[DESK].users()]))


async def list_teams(request: web.Request) -> web.Response:
    """The teams, with their members: the ids `assign` takes as `team_id`."""
    return _json(schemas.Teams(items=[
        schemas.from_desk(team, schemas.Team)
        for team in await request.app[DESK].team_records()]))


# --- notes ----------------------------------------------------------------------------


@_desk_errors
async def list_notes(request: web.Request) -> web.Response:
    """The conversation's private notes, oldest first."""
    conversation_id = _path_id(request, "conversation_id")
    query = _query(request, schemas.PageQuery)
    notes = await request.app[DESK].notes(viewer_of(request), conversation_id,
                                          after_id=_after_id(query.cursor),
                                          limit=query.limit + 1)
    return _id_page(notes, query.limit, schemas.Note, schemas.NotePage)


@_desk_errors
async def add_note(request: web.Request) -> web.Response:
    """A private note for the agents; the customer never sees it."""
    conversation_id = _path_id(request, "conversation_id")
    body = await _body(request, schemas.NoteBody)
    desk, viewer = request.app[DESK], viewer_of(request)
    note_id = await desk.add_note(viewer, conversation_id, body.text)
    stored = await desk.note(viewer, conversation_id, note_id)
    return _json(schemas.from_desk(stored, schemas.Note), status=201)


# --- WhatsApp templates ---------------------------------------------------------------


@_desk_errors
async def list_templates(request: web.Request) -> web.Response:
    """The owner's approved WhatsApp templates (the configuration's `whatsapp_templates`)."""
    return _json(schemas.Templates(items=[
        schemas.from_desk(template, schemas.Template)
        for template in await request.app[DESK].templates()
    ]))


@_desk_errors
async def send_template(request: web.Request) -> web.Response:
    """Sends a template: on WhatsApp, the one way to write once the 24-hour window closed."""
    conversation_id = _path_id(request, "conversation_id")
    body = await _body(request, schemas.TemplateBody)
    desk, viewer = request.app[DESK], viewer_of(request)
    message_id = await desk.send_template(viewer, conversation_id, name=body.name,
                                          language=body.language, parameters=body.parameters)
    stored = await desk.message(viewer, conversation_id, message_id)
    return _json(schemas.from_desk(stored, schemas.Message), status=201)


# --- live -----------------------------------------------------------------------------


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events as things happen: message.new, conversation.updated and
    message.delivery, each with ids to read the rest by."""
    return await stream_notices(request, EVENT_TOPICS, viewer_of(request),
                                still_allowed=lambda: still_valid(request),
                                recheck_seconds=TOKEN_RECHECK_SECONDS)


# --- customers ------------------------------------------------------------------------


@_desk_errors
async def list_customers(request: web.Request) -> web.Response:
    """Customers in the order they first wrote, optionally searched."""
    query = _query(request, schemas.CustomerQuery)
    records = await request.app[DESK].customers(
        viewer_of(request), query.q, after_id=_after_id(query.cursor), limit=query.limit + 1)
    return _id_page(records, query.limit, schemas.Customer, schemas.CustomerPage)


@_desk_errors
async def get_customer(request: web.Request) -> web.Response:
    """One customer: identities on each channel and the conversations you may see."""
    customer = await request.app[DESK].customer_record(viewer_of(request),
                                                _path_id(request, "customer_id"))
    return _json(schemas.from_desk(customer, schemas.Customer))


# --- presence ---------------------------------------------------------------------------


@_desk_errors
async def list_agents(request: web.Request) -> web.Response:
    """Every active panel user with their status: available, away or offline."""
    return _json(schemas.Agents(items=[
        schemas.Agent(id=agent.user_id, name=agent.name, role=agent.role,
                      status=agent.status.value, seen_at=agent.seen_at)
        for agent in await roster(utcnow())]))


# --- proactive follow-ups -------------------------------------------------------------


def _event_customer(customer: schemas.EventCustomer) -> None:
    by_phone = customer.phone is not None
    by_account = customer.channel is not None or customer.user_id is not None
    if by_phone == by_account or (by_account and not (customer.channel and customer.user_id)):
        raise ApiProblem(422, "Name the customer by phone, or by channel and user_id.")
    if by_phone and phone_key(customer.phone) is None:
        raise ApiProblem(422, "The phone number has no digits.")


@_desk_errors
async def post_event(request: web.Request) -> web.Response:
    """A shop's event (an order shipped, delivered…): schedules the owner's follow-ups."""
    body = await _body(request, schemas.EventBody)
    _event_customer(body.customer)
    try:
        scheduling = await followups.post_event(
            event_type=body.type, phone=body.customer.phone, platform=body.customer.channel,
            user_id=body.customer.user_id, data=body.data, now=utcnow())
    except followups.UnknownCustomer:
        raise ApiProblem(404, "No customer has this account on this channel.") from None
    if any(item.due_at <= utcnow() for item in scheduling.scheduled):
        request.app[FOLLOWUPS].wake()
    return _json(schemas.EventAccepted(
        customer_id=scheduling.customer_id,
        scheduled=[schemas.ScheduledFollowup(item.id, item.rule, item.due_at)
                   for item in scheduling.scheduled],
        skipped=[schemas.SkippedFollowup(item.rule, item.reason.value, list(item.missing))
                 for item in scheduling.skipped],
    ), status=202)


def _opt_outs(records: Sequence[followups.OptOutView]) -> web.Response:
    return _json(schemas.OptOuts(items=[schemas.OptOut(
        channel_id=record.channel_id, platform=record.platform.value,
        channel_name=record.channel_name, opted_out=record.opted_out, source=record.source,
        changed_at=record.changed_at) for record in records]))


@_desk_errors
async def list_opt_outs(request: web.Request) -> web.Response:
    """The customer's opt-out of proactive messages, one record per channel."""
    customer_id = _path_id(request, "customer_id")
    await request.app[DESK].customer_record(viewer_of(request), customer_id)  # 404 if unseen
    return _opt_outs(await followups.customer_opt_outs(customer_id))


@_desk_errors
async def put_opt_out(request: web.Request) -> web.Response:
    """Opts the customer out of proactive messages on a channel, or back in."""
    customer_id = _path_id(request, "customer_id")
    channel_id = _path_id(request, "channel_id")
    body = await _body(request, schemas.OptOutBody)
    await request.app[DESK].customer_record(viewer_of(request), customer_id)
    try:
        records = await followups.change_opt_out(customer_id, channel_id, body.opted_out,
                                                 utcnow())
    except followups.UnknownChannel:
        raise ApiProblem(404, "There is no such channel.") from None
    return _opt_outs(records)
