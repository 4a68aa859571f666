"""The full-text index behind the search (issue 19), on both databases: FTS5 on SQLite,
pg_trgm on PostgreSQL. It finds what the scan found, kept on write, built in the background
for older messages (searches scan meanwhile) and again by `rebuild`."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from core import fulltext
from core.customers import merge_customers
from core.db import connection, is_postgres, query_rows
from core.desk import InboxFilter
from core.models import Conversation, CustomerSearchEntry, Message, SearchEntry, Team
from core.search_index import rebuild, reindex_edited
from core.text import normalize
from tests.core.desk.helpers import running_world
from tests.panel.helpers import make_user


@pytest.fixture
async def world(any_database):
    async for started in running_world():
        yield started


async def _owner(world):
    return await world.desk.viewer(await make_user("owner@example.com", "owner"))


async def _found(world, viewer, query: str) -> list[int]:
    return [r.conversation_id for r in await world.desk.inbox(viewer, InboxFilter(query=query))]


async def _through_the_index(needle: str) -> bool:
    condition, _ = await fulltext.message_condition(connection(), needle)
    return "c.id IN" in condition


@pytest.mark.parametrize(("stored", "typed"), [
    ("كيف قرمز", "کیف قرمز"),  # Arabic kaf and yeh, searched with Persian ones
    ("سفارش ۱۲۳۴", "1234"),  # Persian digits, searched with ASCII
    ("سفارش ١٢٣٤", "۱۲۳۴"),  # Arabic-Indic digits, searched with Persian ones
    ("نمی‌دانم", "نمی دانم"),  # ZWNJ, searched with a space
    ("سَلامَت باشید", "سلامت"),  # diacritics
    ("ممنــــون", "ممنون"),  # tatweel
    ("Ali Rezaei", "ali rez"),  # Finglish, any case
    ("شماره من 09121234567 است", "0912123"),  # a phone number, part of it
])
async def test_issue_19_the_index_matches_persian_however_it_was_typed(world, stored, typed):
    owner = await _owner(world)
    wanted = await world.message(1, stored)
    await world.message(2, "چیز دیگری")
    assert (await fulltext.state()).ready
    assert await _through_the_index(normalize(typed))
    assert await _found(world, owner, typed) == [wanted]


async def test_issue_19_quoted_phrases_match_as_phrases_newest_first(world):
    owner = await _owner(world)
    phrase = await world.message(1, "ارسال سفارش فوری است")
    words_apart = await world.message(2, "سفارش شما فردا ارسال می‌شود")
    older = await world.message(3, "برای ارسال سفارش کد بدهید")
    newest = await world.message(1, "سلام")  # the first conversation moves to the top
    assert newest == phrase
    assert await _found(world, owner, '"ارسال سفارش"') == [phrase, older]
    assert await _found(world, owner, "«ارسال سفارش»") == [phrase, older]
    assert words_apart not in await _found(world, owner, "ارسال سفارش")
    assert await _found(world, owner, "سفارش") == [phrase, older, words_apart]


async def test_issue_19_an_agent_finds_only_what_their_teams_may_see(world):
    owner = await _owner(world)
    agent = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    await make_user("b@example.com", "agent", "B")
    in_a = await world.message(1, "پیگیری مرسوله")
    in_b = await world.message(2, "پیگیری مرسوله")
    unteamed = await world.message(3, "پیگیری مرسوله")
    await Conversation.filter(id=in_a).update(team_id=(await Team.get(name="A")).id)
    await Conversation.filter(id=in_b).update(team_id=(await Team.get(name="B")).id)
    assert await _through_the_index("مرسوله")
    assert await _found(world, owner, "مرسوله") == [unteamed, in_b, in_a]
    assert await _found(world, agent, "مرسوله") == [unteamed, in_a]


async def test_issue_19_one_or_two_characters_are_found_by_the_scan(world):
    owner = await _owner(world)
    code = await world.message(1, "کد 12 را زدم")
    await world.message(2, "سلام")
    assert not await _through_the_index("12")
    assert await _found(world, owner, "12") == [code]
    assert await _found(world, owner, "كد") == [code]  # Arabic kaf
    assert await _found(world, owner, "x") == []


async def test_issue_19_a_common_word_walks_the_newest_conversations(world, monkeypatch):
    owner = await _owner(world)
    conversations = [await world.message(chat, f"سلام {chat}") for chat in range(1, 5)]
    monkeypatch.setattr(fulltext, "COMMON_MATCHES", 2)
    assert not await _through_the_index("سلام")
    assert await _found(world, owner, "سلام") == conversations[::-1]
    assert await _found(world, owner, "سلام 3") == [conversations[2]]


async def test_issue_19_new_and_edited_messages_are_indexed_as_they_are_written(world):
    owner = await _owner(world)
    conversation = await world.message(1, "رنگ قرمز دارید")
    (message,) = await Message.all()
    async with in_transaction() as tx:
        await reindex_edited(tx, message.id, conversation, "رنگ آبی دارید")
    assert await _found(world, owner, "قرمز") == []
    assert await _found(world, owner, "آبی") == [conversation]
    assert await _index_hits("آبی") == 1


async def _index_hits(needle: str) -> int:
    """Entries the index itself holds for `needle`, each counted as often as it is there."""
    conn = connection()
    if is_postgres(conn):
        rows = await query_rows(conn, "SELECT COUNT(*) AS n FROM search_entry"
                                      " WHERE body LIKE ?", [f"%{needle}%"])
    else:
        rows = await query_rows(conn, "SELECT COUNT(*) AS n FROM search_fts"
                                      " WHERE search_fts MATCH ?", [f'"{needle}"'])
    return rows[0]["n"]


async def test_issue_19_search_scans_while_the_index_is_built_in_the_background(world):
    owner = await _owner(world)
    older = [await world.message(chat, f"تخفیف ویژه {chat}") for chat in range(1, 4)]
    await fulltext.reset()  # as migration 0011 leaves a database with many messages
    assert (await fulltext.state()).as_json() == {"state": "building", "percent": 0}
    assert not await _through_the_index("تخفیف")
    assert await _found(world, owner, "تخفیف") == older[::-1]  # the scan finds them all

    newer = await world.message(4, "تخفیف ویژه 4")  # written during the build
    await fulltext.build(batch=1)
    assert (await fulltext.state()).as_json() == {"state": "ready", "percent": 100}
    assert await _through_the_index("تخفیف")
    assert await _found(world, owner, "تخفیف") == [newer, *older[::-1]]
    assert await _index_hits("تخفیف") == 4  # each entry once, written or built


async def test_issue_19_the_build_reports_its_progress(any_database, caplog):
    async for world in running_world():
        for chat in range(1, 5):
            await world.message(chat, f"پیام {chat}")
        await fulltext.reset()
        if not is_postgres(connection()):
            async with in_transaction() as tx:  # the first two of four are done
                (second,) = await query_rows(tx, "SELECT id FROM search_entry ORDER BY id"
                                                 " LIMIT 1 OFFSET 1")
                await tx.execute_query("INSERT INTO search_fts (rowid, body) SELECT id, body"
                                       " FROM search_entry WHERE id <= ?", [second["id"]])
                await tx.execute_query("UPDATE search_index_build SET built_to = ?",
                                       [second["id"]])
            assert (await fulltext.state()).percent == 50
        with caplog.at_level("INFO", logger="core.fulltext"):
            await fulltext.build(batch=1)
        assert "search index: ready" in caplog.text
        assert (await fulltext.state()).ready


async def test_issue_19_rebuild_repairs_the_entries_and_the_index(world):
    owner = await _owner(world)
    conversation = await world.message(1, "گارانتی دستگاه", name="Kian")
    await world.message(2, None)
    await SearchEntry.all().delete()
    await CustomerSearchEntry.all().delete()
    assert await _found(world, owner, "گارانتی") == []
    assert await _found(world, owner, "kian") == []
    progress: list[str] = []
    assert await rebuild(progress.append, batch=1) == 1
    assert progress[-1] == "customers written again; building the full-text index"
    assert (await fulltext.state()).ready
    assert await _found(world, owner, "گارانتی") == [conversation]
    assert await _found(world, owner, "kian") == [conversation]
    assert await _index_hits("گارانتی") == 1


async def test_issue_19_customers_are_found_by_names_kept_on_write(world):
    owner = await _owner(world)
    first = await world.message(1, "سلام", name="علي رضایی")
    second = await world.message(2, "سلام", name="Sara")
    assert await _found(world, owner, "علی") == [first]
    assert [c.conversation_ids for c in await world.desk.customers(owner, "رضايي")] == [(first,)]

    await world.message(2, "سلام دوباره", name="Sara Ahmadi")  # renamed on the platform
    assert await _found(world, owner, "ahmadi") == [second]

    keep, gone = [c.customer_id for c in await Conversation.filter(id__in=[first, second])
                  .order_by("id")]
    await merge_customers(keep, gone)
    assert await _found(world, owner, "ahmadi") == [second, first]  # both are Sara's now
    assert [c.id for c in await world.desk.customers(owner, "ahmadi")] == [keep]
    assert await query_rows(connection(), "SELECT customer_id FROM customer_search_entry"
                                          " WHERE customer_id = ?", [gone]) == []


async def test_issue_19_migration_0011_leaves_a_long_history_to_the_background(world,
                                                                                monkeypatch):
    owner = await _owner(world)
    refund = await world.message(1, "بازگشت وجه")
    monkeypatch.setattr(fulltext, "BUILT_AT_ONCE", 0)  # as if there were millions
    async with in_transaction() as tx:  # what the migration runs, undone and done again
        await fulltext.drop(tx)
        await fulltext.create(tx)
    assert not (await fulltext.state()).ready
    assert await _found(world, owner, "بازگشت") == [refund]  # by the scan
    await fulltext.build()
    assert await _through_the_index("بازگشت")
    assert await _found(world, owner, "بازگشت") == [refund]
