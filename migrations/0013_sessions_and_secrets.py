from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

from core.db import dialect_sql, query_rows
from core.secrets_at_rest import SEALED_PREFIX, SealedTextField, sealer


async def seal_channel_secrets(apps, schema_editor) -> None:
    """Channels' tokens and webhook secrets were plain text until now: seal each once, with
    the key core.db set up before migrating."""
    conn = schema_editor.client
    rows = await query_rows(conn, "SELECT id, token, webhook_secret FROM channel")
    for row in rows:
        token, secret = row["token"] or "", row["webhook_secret"] or ""
        if token.startswith(SEALED_PREFIX) and (not secret or secret.startswith(SEALED_PREFIX)):
            continue
        await conn.execute_query(
            dialect_sql(conn, "UPDATE channel SET token = ?, webhook_secret = ? WHERE id = ?"),
            [sealer.seal(sealer.unseal(token)), sealer.seal(sealer.unseal(secret)), row["id"]],
        )


class Migration(migrations.Migration):
    dependencies = [('models', '0012_could_not_answer_fact')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='session_version',
            field=fields.IntField(default=0),
        ),
        ops.AlterField(
            model_name='Channel',
            name='token',
            field=SealedTextField(default='', unique=False),
        ),
        ops.AlterField(
            model_name='Channel',
            name='webhook_secret',
            field=SealedTextField(default='', unique=False),
        ),
        ops.RunPython(seal_channel_secrets, ops.RunPython.noop),
    ]
