"""Issue 16: a broadcast may name an approved WhatsApp template that carries it to customers
past the 24-hour window (core/broadcasts.py, `BroadcastTemplate`); none for older ones."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0023_outbox_due_per_channel')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Broadcast',
            name='template',
            field=fields.JSONField(null=True, description='core.broadcasts.BroadcastTemplate'),
        ),
    ]
