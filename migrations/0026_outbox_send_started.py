"""Issue 17: a claim the outbox makes ahead of its send time (core/outbox.py) is not a send.
`send_started` is committed just before the platform call; a claim left by a dead sender is
flagged `possibly_duplicated` only when its send had started (before: every claim left, so
rows claimed up to two seconds ahead were flagged though nothing had been sent)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0025_broadcast_template')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxItem',
            name='send_started',
            field=fields.BooleanField(default=False),
        ),
    ]
