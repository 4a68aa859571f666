"""Issue 17: the direction is part of a message's unique key, so an outbound message can never
shadow an inbound one that carries the same platform id (a platform, or a fake, that numbers
each direction on its own)."""

import re

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

OLD_KEY = re.compile(r',\s*CONSTRAINT\s+"[^"]+"\s+UNIQUE\s*\("channel_id",\s*"external_id"\)')


async def _drop_key_on_sqlite(client) -> None:
    """SQLite cannot drop a constraint written in CREATE TABLE: the table is made again without
    it (SQLite's documented way), foreign keys off so that dropping the old table cascades
    nothing, and checked after."""
    _, (table,) = await client.execute_query(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'message'")
    create, found = OLD_KEY.subn("", table["sql"])
    if not found:
        return
    _, indexes = await client.execute_query(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
        " AND tbl_name = 'message' AND sql IS NOT NULL")
    create = create.replace('"message"', '"new__message"', 1)
    await client.execute_script("PRAGMA foreign_keys = OFF")
    try:
        await client.execute_script(
            "BEGIN; " + create + "; INSERT INTO new__message SELECT * FROM message;"  # nosec B608 # the statements are SQLite's own schema text, no input
            " DROP TABLE message; ALTER TABLE new__message RENAME TO message; "
            + "".join(row["sql"] + "; " for row in indexes) + "COMMIT;"
        )
    finally:
        await client.execute_script("PRAGMA foreign_keys = ON")
    _, broken = await client.execute_query("PRAGMA foreign_key_check")
    if broken:  # the rows were copied as they were: this would be a bug in the rebuild
        raise RuntimeError(f"rebuilding message broke {len(broken)} references")


class _RemoveKey(ops.RemoveConstraint):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            await _drop_key_on_sqlite(state_editor.client)
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0019_routing')]

    initial = False
    atomic = False  # SQLite only turns foreign keys off outside a transaction

    operations = [
        _RemoveKey(
            model_name='Message',
            name=None,
            fields=['channel', 'external_id'],
        ),
        ops.AddConstraint(
            model_name='Message',
            constraint=UniqueConstraint(fields=('channel', 'direction', 'external_id'), name=None),
        ),
    ]
