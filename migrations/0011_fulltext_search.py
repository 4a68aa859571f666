from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from core import fulltext
from core.search_index import index_all_customers


async def create_index(apps, schema_editor) -> None:
    """The customers' names, all indexed here (there are far fewer customers than messages);
    then FTS5 (SQLite) or pg_trgm (PostgreSQL) over `search_entry`: a database with many
    messages builds that one in the background after start-up (core/fulltext.py)."""
    await index_all_customers(schema_editor.client)
    await fulltext.create(schema_editor.client)


async def drop_index(apps, schema_editor) -> None:
    await fulltext.drop(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0010_search_index_backfill')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerSearchEntry',
            fields=[
                ('customer_id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('body', fields.TextField(unique=False)),
            ],
            options={'table': 'customer_search_entry', 'app': 'models', 'pk_attr': 'customer_id', 'table_description': "A customer's names, user names and phone in normalized form (core/text.py), one per"},
            bases=['Model'],
        ),
        ops.RunPython(create_index, drop_index),
    ]
