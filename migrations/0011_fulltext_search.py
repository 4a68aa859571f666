from tortoise import migrations
from tortoise.migrations import operations as ops

from core import fulltext


async def create_index(apps, schema_editor) -> None:
    """FTS5 (SQLite) or pg_trgm (PostgreSQL) over `search_entry`; a database with many
    messages builds it in the background after start-up (core/fulltext.py)."""
    await fulltext.create(schema_editor.client)


async def drop_index(apps, schema_editor) -> None:
    await fulltext.drop(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0010_search_index_backfill')]

    initial = False

    operations = [
        ops.RunPython(create_index, drop_index),
    ]
