from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from core.db import dialect_sql


async def backfill_waiting(apps, schema_editor) -> None:
    """Open and pending conversations whose last message is the customer's wait since it (the
    first unanswered one is not worth finding for rows that predate the column)."""
    conn = schema_editor.client
    await conn.execute_query(dialect_sql(
        conn,
        "UPDATE conversation SET waiting_since = last_message_at"
        " WHERE status IN ('open', 'pending') AND (SELECT m.author FROM message m"
        "  WHERE m.conversation_id = conversation.id ORDER BY m.id DESC LIMIT 1) = 'customer'"))


class Migration(migrations.Migration):
    dependencies = [('models', '0016_outgoing_webhooks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Conversation',
            name='waiting_since',
            field=fields.DatetimeField(null=True),
        ),
        ops.RunPython(backfill_waiting, ops.RunPython.noop),
    ]
