"""One person, several channels: customers who share a phone number, and merging them.

A customer who writes on Telegram and on WhatsApp starts as two customers. Their phone
numbers (WhatsApp's wa_id, a Telegram contact share) reveal the match; an agent confirms
it, and the merge keeps both identities and one history. Nothing merges on its own: two
people can share a phone (a shop's landline, a family number). The one exception is a
sender who is nothing but a proven number (a text message): it has no other name to tell
it apart, and it joins the customer who has that number (`customers_by_phone`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from core.db import query_rows
from core.models import Conversation, Customer, Identity, OptOut, Ticket
from core.search_index import index_customers

_K = TypeVar("_K", bound=Hashable)
_PHONES_PER_QUERY = 500


async def customers_by_phone(conn: BaseDBAsyncClient, phones: Mapping[_K, str]
                             ) -> dict[_K, int]:
    """For each key, the oldest customer whose number is its phone key (core.text.phone_key),
    where one exists."""
    distinct = sorted(set(phones.values()))
    found: dict[str, int] = {}
    for start in range(0, len(distinct), _PHONES_PER_QUERY):
        chunk = distinct[start:start + _PHONES_PER_QUERY]
        rows = await query_rows(
            conn, "SELECT MIN(id) AS id, phone FROM customer WHERE phone IN"  # nosec B608 # only "?" marks are formatted in; values are bound
                  f" ({', '.join('?' * len(chunk))}) GROUP BY phone", chunk)
        found |= {row["phone"]: row["id"] for row in rows}
    return {key: found[phone] for key, phone in phones.items() if phone in found}


@dataclass(frozen=True, slots=True)
class MergeSuggestion:
    phone: str
    customer_ids: tuple[int, ...]  # oldest first: the one a merge would keep


class CannotMerge(ValueError):
    """The two ids do not name two different, existing customers."""


async def merge_suggestions(limit: int = 50) -> list[MergeSuggestion]:
    """Phone numbers shared by more than one customer, most customers first."""
    shared = (
        await Customer.filter(phone__not_isnull=True)
        .annotate(customers=Count("id"))
        .group_by("phone")
        .filter(customers__gt=1)
        .order_by("-customers")
        .limit(limit)
        .values_list("phone", flat=True)
    )
    suggestions: dict[str, list[int]] = {}
    rows = await Customer.filter(phone__in=shared).order_by("id").values_list("id", "phone")
    for customer_id, phone in rows:
        suggestions.setdefault(phone, []).append(customer_id)
    found = [MergeSuggestion(phone, tuple(ids)) for phone, ids in suggestions.items()]
    found.sort(key=lambda s: (-len(s.customer_ids), s.customer_ids[0]))
    return found


async def merge_customers(keep_id: int, merge_id: int) -> None:
    """Move everything of `merge_id` (identities, conversations, tickets) to `keep_id`,
    fill what `keep_id` lacks (name, phone, language), and remove `merge_id`."""
    if keep_id == merge_id:
        raise CannotMerge("a customer cannot be merged with itself")
    async with in_transaction("default") as tx:
        customers = {c.id: c for c in await Customer.filter(id__in=[keep_id, merge_id])
                     .select_for_update()}
        if len(customers) != 2:
            raise CannotMerge("both customers must exist")
        keep, gone = customers[keep_id], customers[merge_id]
        await Identity.filter(customer_id=merge_id).update(customer_id=keep_id)
        await Conversation.filter(customer_id=merge_id).update(customer_id=keep_id)
        await Ticket.filter(customer_id=merge_id).update(customer_id=keep_id)
        # One opt-out per channel: the kept customer's stands where both have one.
        kept = await OptOut.filter(customer_id=keep_id).values_list("channel_id", flat=True)
        await OptOut.filter(customer_id=merge_id, channel_id__in=kept).delete()
        await OptOut.filter(customer_id=merge_id).update(customer_id=keep_id)
        keep.display_name = keep.display_name or gone.display_name
        keep.phone = keep.phone or gone.phone
        keep.language = keep.language or gone.language
        await keep.save(update_fields=["display_name", "phone", "language"])
        await gone.delete()
        await index_customers(tx, [keep_id, merge_id])
