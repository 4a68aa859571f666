from tortoise import migrations
from tortoise.migrations import operations as ops

from core.db import query_rows
from core.search_index import index_unindexed

# Above this many messages, the entries of earlier ones are left to the runtime's background
# task (core/search_index.catch_up_in_background), so that start-up does not wait for them.
WRITTEN_HERE_AT_MOST = 50_000


async def index_earlier_messages(apps, schema_editor) -> None:
    """Messages are indexed as they are written from here on; those written before, which
    the panel's search used to index as it went, are indexed once: here when there are few,
    in the background after start-up otherwise."""
    rows = await query_rows(schema_editor.client, "SELECT COUNT(*) AS n FROM message")
    if rows[0]["n"] <= WRITTEN_HERE_AT_MOST:
        await index_unindexed(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0009_customer_attributes')]

    initial = False

    operations = [
        ops.RunPython(index_earlier_messages, ops.RunPython.noop),
    ]
