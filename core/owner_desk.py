"""The owners' side of the panel: people and teams, channels, what the bot could not answer,
and customers to merge. Like core/desk.py for the agents, it is the only thing the owners'
pages ask; it returns frozen dataclasses, and refuses with an `OwnerError` whose message is
an English message id, translated where shown.

Owner configuration (FAQ, menus, …) is core/owner_config.py's, and KPIs core/kpis.py's; the
pages use those directly since they hold no model.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process
from tortoise.exceptions import IntegrityError

from core import customers as customer_service
from core.actions import FaqMatchFact, ReplyOutcome
from core.channels import options_of, sync_channel
from core.db import connection, query_rows
from core.events import ChannelCredentials, MessageKind, Platform
from core.i18n import gettext_noop
from core.message_meta import decode_meta
from core.models import Author, Channel, Role, Team, TeamMember, User
from core.sqlvalues import from_db_time
from core.text import normalize, strip_invisible
from core.users import UserExists, add_user
from core.visitors import refusals_by_channel

MAX_TEAM_NAME = 128
MAX_DISPLAY_NAME = 128
# The most recent questions looked at for "what the bot could not answer": weeks of a busy
# shop. Grouping them takes 0.1 to 2 s (bench/unanswered.py), in a worker thread.
UNANSWERED_SCAN_LIMIT = 2000
UNANSWERED_GROUPS_SHOWN = 100
SAMPLES_PER_GROUP = 5
# A bot message's reply_outcome (core/message_meta.py): the same operator reads JSON text
# on SQLite (3.38 and later) and jsonb on PostgreSQL.
REPLY_OUTCOME = "meta ->> 'reply_outcome'"
# FAQ answers a person took over are looked for among the most recent messages only, weeks of
# a busy shop: scanning every bot message took 0.6 s on 200,000 messages when none matched;
# within this window, 0.08 s (200,000 messages in 10,000 conversations, SQLite).
CORRECTED_SCAN_MESSAGES = 20_000
SIMILAR_ENOUGH = 82  # rapidfuzz token_set_ratio, 0–100, between normalized texts
INVITATION_PASSWORD_BYTES = 12


class OwnerError(Exception):
    """A refused request. `str()` is an English message id, translated where shown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    user_id: int
    email: str
    display_name: str
    role: str
    active: bool
    team_ids: tuple[int, ...]

    @property
    def name(self) -> str:
        return self.display_name or self.email


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamSummary:
    team_id: int
    name: str
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Invitation:
    """A new agent's address and the one-time password shown once to the owner."""

    user_id: int
    email: str
    password: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelSummary:
    channel_id: int
    platform: str
    key: str
    name: str
    enabled: bool
    created_at: datetime
    refused: int = 0  # requests refused for this channel (limits, origins, tokens)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnansweredGroup:
    """Customer questions alike enough to have one answer; `question` is the most recent."""

    question: str
    count: int
    samples: tuple[str, ...]  # other wordings, most recent first
    last_at: datetime
    conversation_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectedAnswer:
    """A bot FAQ answer a person had to take over from: the customer asked for a person after
    it, or an agent replied after it. `question` is the customer's message it answered."""

    message_id: int
    conversation_id: int
    question: str
    faq_match: FaqMatchFact
    answered_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerBrief:
    customer_id: int
    name: str
    phone: str
    platforms: tuple[str, ...]
    conversations: int
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeCandidates:
    phone: str
    customers: tuple[CustomerBrief, ...]  # oldest first: the first is the one kept


# --------------------------------------------------------------------------- people and teams


async def people() -> list[Person]:
    users = await User.all().order_by("-active", "role", "email")
    memberships: dict[int, list[int]] = {}
    for user_id, team_id in await TeamMember.all().values_list("user_id", "team_id"):
        memberships.setdefault(user_id, []).append(team_id)
    return [Person(user_id=u.id, email=u.email, display_name=u.display_name, role=u.role,
                   active=u.active, team_ids=tuple(sorted(memberships.get(u.id, ()))))
            for u in users]


async def teams() -> list[TeamSummary]:
    members: dict[int, list[int]] = {}
    for team_id, user_id in await TeamMember.all().values_list("team_id", "user_id"):
        members.setdefault(team_id, []).append(user_id)
    return [TeamSummary(team_id=t.id, name=t.name, member_ids=tuple(members.get(t.id, ())))
            for t in await Team.all().order_by("name")]


async def create_team(name: str) -> int:
    name = strip_invisible(name).strip()
    if not name or len(name) > MAX_TEAM_NAME:
        raise OwnerError(gettext_noop("A team's name needs 1 to 128 characters."))
    try:
        team = await Team.create(name=name)
    except IntegrityError:
        raise OwnerError(gettext_noop("A team with that name exists already.")) from None
    return team.id


async def invite_agent(email: str, display_name: str = "",
                       team_id: int | None = None) -> Invitation:
    """A new agent with a random password, to be shown to the owner once and never stored
    in the clear: the owner passes it on, and the agent logs in with it."""
    if team_id is not None and not await Team.exists(id=team_id):
        raise OwnerError(gettext_noop("No such team or user."))
    password = secrets.token_urlsafe(INVITATION_PASSWORD_BYTES)
    try:
        stored = await add_user(email, password, Role.AGENT.value)
    except UserExists:
        raise OwnerError(gettext_noop("A user with that address exists already.")) from None
    except ValueError:
        raise OwnerError(gettext_noop("That is not an e-mail address.")) from None
    name = strip_invisible(display_name).strip()[:MAX_DISPLAY_NAME]
    user = await User.get(email=stored)
    if name:
        user.display_name = name
        await user.save(update_fields=["display_name"])
    if team_id is not None:
        await add_member(team_id, user.id)
    return Invitation(user_id=user.id, email=stored, password=password)


async def rename(user_id: int, display_name: str) -> None:
    """The name colleagues see instead of the address (and customers, when the owner wishes);
    empty: the address again. Invisible characters and runs of spaces are left out."""
    name = " ".join(strip_invisible(display_name).split())
    if len(name) > MAX_DISPLAY_NAME:
        raise OwnerError(gettext_noop("That name is too long."))
    if not await User.filter(id=user_id).update(display_name=name):
        raise OwnerError(gettext_noop("No such team or user."))


async def _ensure_team_and_user(team_id: int, user_id: int) -> None:
    if not await Team.exists(id=team_id) or not await User.exists(id=user_id):
        raise OwnerError(gettext_noop("No such team or user."))


async def add_member(team_id: int, user_id: int) -> None:
    await _ensure_team_and_user(team_id, user_id)
    try:
        await TeamMember.create(team_id=team_id, user_id=user_id)
    except IntegrityError:
        pass  # a member already: the owner's wish holds


async def remove_member(team_id: int, user_id: int) -> None:
    await _ensure_team_and_user(team_id, user_id)
    await TeamMember.filter(team_id=team_id, user_id=user_id).delete()


async def set_active(acting_user_id: int, user_id: int, active: bool) -> None:
    """Deactivate (or reactivate) a user; a deactivated user's session ends at their next
    request. An owner cannot deactivate themselves, so the panel always keeps an owner."""
    if user_id == acting_user_id and not active:
        raise OwnerError(gettext_noop("You cannot deactivate yourself."))
    if not await User.filter(id=user_id).update(active=active):
        raise OwnerError(gettext_noop("No such team or user."))


# --------------------------------------------------------------------------- channels


async def channels() -> list[ChannelSummary]:
    refused = await refusals_by_channel()
    return [ChannelSummary(channel_id=c.id, platform=c.platform, key=c.key, name=c.name,
                           enabled=c.enabled, created_at=c.created_at,
                           refused=refused.get(c.id, 0))
            for c in await Channel.all().order_by("id")]


async def save_channel(platform: Platform, *, key: str, token: str, webhook_secret: str,
                       name: str, options: Sequence[tuple[str, str]] = ()) -> int:
    """Add the channel, or give an existing one (same platform and key) the new
    credentials; returns its id."""
    return await sync_channel(platform, key=key, token=token, webhook_secret=webhook_secret,
                              name=name[:128], options=options)


async def set_channel_secret(channel_id: int, secret: str) -> None:
    """Give the channel a new secret (its `token`, sealed at rest): the old one stops
    working as soon as the serving processes reload their channels."""
    channel = await Channel.get_or_none(id=channel_id)
    if channel is None:
        raise OwnerError(gettext_noop("No such channel."))
    channel.token = secret
    await channel.save(update_fields=["token"])


async def channel_credentials(channel_id: int) -> tuple[Platform, ChannelCredentials]:
    channel = await Channel.get_or_none(id=channel_id)
    if channel is None:
        raise OwnerError(gettext_noop("No such channel."))
    return Platform(channel.platform), ChannelCredentials(
        channel.id, channel.token, channel.webhook_secret, channel.key,
        options_of(channel.options))


# --------------------------------------------------------------------------- unanswered


async def unanswered_questions() -> list[UnansweredGroup]:
    """What customers asked that the bot could not answer, grouped, most frequent first.

    Two ways a question falls through. A conversation handed to a person: the customer's
    texts since the bot's last real answer (a reply other than "I do not know", so that a
    greeting the bot welcomed is left out) up to the message the handoff followed. And a
    bot reply marked as not knowing (meta `reply_outcome`, ReplyOutcome.COULD_NOT_ANSWER):
    the customer's text just before it. Texts are compared normalized (core/text.py), so
    ي/ی, ك/ک, digits and ZWNJ do not split a group.
    """
    customer, text, bot = Author.CUSTOMER.value, MessageKind.TEXT.value, Author.BOT.value
    gave_up = ReplyOutcome.COULD_NOT_ANSWER.value
    handed_off = await query_rows(
        connection(),
        "WITH handed AS ("  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        " SELECT c.id, (SELECT MAX(t.id) FROM message t WHERE t.conversation_id = c.id"
        " AND t.author = ? AND t.created_at <= c.handed_off_at) AS last_id"
        " FROM conversation c WHERE c.handed_off_at IS NOT NULL"
        "), asked AS ("
        " SELECT h.id, h.last_id, COALESCE((SELECT MAX(b.id) FROM message b"
        " WHERE b.conversation_id = h.id AND b.author = ? AND b.id < h.last_id"
        f" AND COALESCE(b.{REPLY_OUTCOME}, '') <> ?), 0) AS after_id"
        " FROM handed h WHERE h.last_id IS NOT NULL"
        ")"
        " SELECT m.id, m.conversation_id, m.text, m.created_at FROM asked a"
        " JOIN message m ON m.conversation_id = a.id AND m.id > a.after_id AND m.id <= a.last_id"
        " WHERE m.author = ? AND m.kind = ? AND m.text IS NOT NULL"
        " ORDER BY m.id DESC LIMIT ?",
        [customer, bot, gave_up, customer, text, UNANSWERED_SCAN_LIMIT],
    )
    before_giving_up = await query_rows(
        connection(),
        "SELECT q.id, q.conversation_id, q.text, q.created_at FROM message q"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        " WHERE q.id IN (SELECT (SELECT MAX(p.id) FROM message p"
        " WHERE p.conversation_id = b.conversation_id AND p.id < b.id AND p.author = ?)"
        f" FROM message b WHERE b.author = ? AND b.{REPLY_OUTCOME} = ?)"
        " AND q.kind = ? AND q.text IS NOT NULL ORDER BY q.id DESC LIMIT ?",
        [customer, bot, gave_up, text, UNANSWERED_SCAN_LIMIT],
    )
    by_id = {row["id"]: row for row in (*handed_off, *before_giving_up)}
    newest_first = sorted(by_id.values(), key=lambda row: row["id"], reverse=True)
    # Comparing thousands of texts takes a while (bench/unanswered.py): off the event loop.
    return await asyncio.to_thread(_group, newest_first[:UNANSWERED_SCAN_LIMIT])


class _Group:
    __slots__ = ("conversation_ids", "key", "last_at", "texts")

    def __init__(self, key: str, row: dict[str, Any]) -> None:
        self.key = key
        self.texts: list[str] = []
        self.conversation_ids: set[int] = set()
        self.last_at = from_db_time(row["created_at"])


def _group(rows: list[dict[str, Any]]) -> list[UnansweredGroup]:
    """Greedy grouping, newest first: a question joins the first group whose first
    question it resembles enough, or starts a group of its own. A wording seen before
    (once normalized) goes straight to its group: only new wordings are compared."""
    groups: list[_Group] = []
    keys: list[str] = []
    by_key: dict[str, _Group] = {}
    for row in rows:
        shown = strip_invisible(row["text"]).strip()
        key = normalize(shown)
        if not key or key.startswith("/"):  # a bot command is not a question
            continue
        group = by_key.get(key)
        if group is None:
            found = process.extractOne(key, keys, scorer=fuzz.token_set_ratio,
                                       score_cutoff=SIMILAR_ENOUGH)
            if found is None:
                group = _Group(key, row)
                groups.append(group)
                keys.append(key)
            else:
                group = groups[found[2]]
            by_key[key] = group
        group.texts.append(shown)
        group.conversation_ids.add(row["conversation_id"])
    groups.sort(key=lambda g: (-len(g.texts), -g.last_at.timestamp()))
    return [_summary(group) for group in groups[:UNANSWERED_GROUPS_SHOWN]]


def _summary(group: _Group) -> UnansweredGroup:
    distinct = list(dict.fromkeys(group.texts))
    return UnansweredGroup(question=distinct[0], count=len(group.texts),
                           samples=tuple(distinct[1:1 + SAMPLES_PER_GROUP]),
                           last_at=group.last_at,
                           conversation_ids=tuple(sorted(group.conversation_ids)))


async def corrected_answers() -> list[CorrectedAnswer]:
    """Bot FAQ answers followed by a handoff or an agent's reply in their conversation, the
    most recent first (among the last CORRECTED_SCAN_MESSAGES messages); per conversation only
    the last FAQ answer before the person came in, since that is the one that did not help."""
    customer, bot, agent = Author.CUSTOMER.value, Author.BOT.value, Author.AGENT.value
    rows = await query_rows(
        connection(),
        "SELECT b.id, b.conversation_id, b.meta, b.created_at,"
        " (SELECT q.text FROM message q WHERE q.id = (SELECT MAX(p.id) FROM message p"
        "  WHERE p.conversation_id = b.conversation_id AND p.id < b.id AND p.author = ?)"
        "  AND q.kind = ?) AS question"
        " FROM message b JOIN conversation c ON c.id = b.conversation_id"
        " WHERE b.id > (SELECT COALESCE(MAX(n.id), 0) FROM message n) - ?"
        " AND b.author = ? AND ((c.handed_off_at IS NOT NULL"
        " AND c.handed_off_at >= b.created_at) OR EXISTS (SELECT 1 FROM message a"
        " WHERE a.conversation_id = b.conversation_id AND a.author = ? AND a.id > b.id))"
        " ORDER BY b.id DESC LIMIT ?",
        [customer, MessageKind.TEXT.value, CORRECTED_SCAN_MESSAGES, bot, agent,
         UNANSWERED_SCAN_LIMIT],
    )
    found: dict[int, CorrectedAnswer] = {}
    for row in rows:
        fact = decode_meta(row["meta"]).faq_match
        question = strip_invisible(row["question"] or "").strip()
        if fact is None or not question or row["conversation_id"] in found:
            continue
        found[row["conversation_id"]] = CorrectedAnswer(
            message_id=row["id"], conversation_id=row["conversation_id"], question=question,
            faq_match=fact, answered_at=from_db_time(row["created_at"]))
    return list(found.values())[:UNANSWERED_GROUPS_SHOWN]


# --------------------------------------------------------------------------- merging


async def merge_candidates() -> list[MergeCandidates]:
    suggestions = await customer_service.merge_suggestions()
    ids = [customer_id for s in suggestions for customer_id in s.customer_ids]
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = await query_rows(
        connection(),
        "SELECT cu.id, cu.display_name, cu.phone, cu.created_at,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        " (SELECT COUNT(*) FROM conversation c WHERE c.customer_id = cu.id) AS conversations"
        f" FROM customer cu WHERE cu.id IN ({marks})", ids)
    platforms: dict[int, set[str]] = {}
    for row in await query_rows(
        connection(),
        "SELECT i.customer_id, ch.platform FROM identity i JOIN channel ch ON ch.id = i.channel_id"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" WHERE i.customer_id IN ({marks})", ids):
        platforms.setdefault(row["customer_id"], set()).add(row["platform"])
    briefs = {row["id"]: CustomerBrief(
        customer_id=row["id"], name=strip_invisible(row["display_name"] or ""),
        phone=row["phone"] or "", platforms=tuple(sorted(platforms.get(row["id"], ()))),
        conversations=int(row["conversations"]), created_at=from_db_time(row["created_at"]),
    ) for row in rows}
    return [MergeCandidates(phone=s.phone,
                            customers=tuple(briefs[i] for i in s.customer_ids if i in briefs))
            for s in suggestions]


async def merge(keep_id: int, merge_id: int) -> None:
    try:
        await customer_service.merge_customers(keep_id, merge_id)
    except customer_service.CannotMerge:
        raise OwnerError(gettext_noop("Those two customers cannot be merged.")) from None
