from tortoise import migrations
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations import operations as ops

from core.db import dialect_sql, is_postgres

# The bot's "I do not know" reply as customers got it until now, in Persian and English.
# Written out, not translated here: these are the sentences the stored messages hold.
EARLIER_SENTENCES = (
    "ببخشید، جواب این سؤال را نمی\u200cدانم. می\u200cتوانید از منو انتخاب کنید، یا یکی از"
    " همکاران ما کمکتان می\u200cکند.",
    "Sorry, I do not know the answer to that. You can choose from the menu, or a person from"
    " our team can help you.",
)


async def mark_earlier_replies(conn: BaseDBAsyncClient) -> None:
    """The owners' "what the bot could not answer" page finds the bot's reply by the fact
    on it (meta reply_outcome, core/message_meta.py); the replies stored before carried
    none, and are found by their sentence once, here."""
    marked = ("meta || jsonb_build_object('reply_outcome', ?::text)" if is_postgres(conn)
              else "json_set(meta, '$.reply_outcome', ?)")
    await conn.execute_query(
        dialect_sql(conn, f"UPDATE message SET meta = {marked}"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                          " WHERE author = ? AND text IN (?, ?)"),
        ["could_not_answer", "bot", *EARLIER_SENTENCES],
    )


async def mark_could_not_answer(apps, schema_editor) -> None:
    await mark_earlier_replies(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0011_fulltext_search')]

    initial = False

    operations = [
        ops.RunPython(mark_could_not_answer, ops.RunPython.noop),
    ]
