from tortoise import migrations
from tortoise.migrations import operations as ops

from core.search_index import index_unindexed


async def index_earlier_messages(apps, schema_editor) -> None:
    """Messages are indexed as they are written from here on; those written before, which
    the panel's search used to index as it went, are indexed once, here."""
    await index_unindexed(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0009_customer_attributes')]

    initial = False

    operations = [
        ops.RunPython(index_earlier_messages, ops.RunPython.noop),
    ]
