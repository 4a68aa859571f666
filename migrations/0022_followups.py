"""Issue 16: proactive follow-ups (one row per scheduled follow-up), broadcasts and their
recipients, an index of identities by customer, how an opt-out came (`source` on the
opt-out kept since 0015), and the outbox's priority: replies go before proactive traffic
(indexed with the channel's page in 0023)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0021_message_key_direction')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Followup',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('rule_id', fields.CharField(max_length=64)),
                ('event_key', fields.CharField(max_length=200)),
                ('event_type', fields.CharField(max_length=64)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='followups', on_delete=OnDelete.CASCADE)),
                ('values', fields.JSONField(description="the placeholders' values, as the event gave them", encoder=JSON_DUMPS, decoder=loads)),
                ('state', fields.CharField(default='scheduled', max_length=16)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', null=True, db_constraint=True, to_field='id', related_name='followups', on_delete=OnDelete.CASCADE)),
                ('message_id', fields.BigIntField(null=True, description='the message it was sent as')),
                ('reason', fields.CharField(null=True, description='why it was skipped', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('queued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'followup', 'app': 'models', 'unique_together': (('rule_id', 'event_key', 'customer'),), 'indexes': [Index(fields=['state', 'due_at']), Index(fields=['customer_id', 'queued_at'])], 'pk_attr': 'id', 'table_description': "One follow-up of the owner's rules for one customer and one event, from scheduled to"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('text', fields.TextField()),
                ('audience', fields.JSONField(description='core.broadcasts.Audience: labels, channels, days', encoder=JSON_DUMPS, decoder=loads)),
                ('total', fields.IntField(description='customers in the audience when it started')),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcast', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One text an owner sent to an audience (core/broadcasts.py).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BroadcastRecipient',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('broadcast', fields.ForeignKeyField('models.Broadcast', source_field='broadcast_id', db_constraint=True, to_field='id', related_name='recipients', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.CASCADE)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', null=True, db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.CASCADE)),
                ('state', fields.CharField(max_length=16)),
                ('reason', fields.CharField(null=True, max_length=64)),
                ('message_id', fields.BigIntField(null=True)),
                ('queued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcast_recipient', 'app': 'models', 'unique_together': (('broadcast', 'customer'),), 'indexes': [Index(fields=['state', 'id'])], 'pk_attr': 'id', 'table_description': 'One customer of a broadcast: pending, queued in the outbox as `message_id` (marked in'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Identity',
            index=Index(fields=['customer_id']),
        ),
        ops.AddField(
            model_name='OptOut',
            name='source',
            field=fields.CharField(default='keyword', max_length=16),
        ),
        ops.AddField(
            model_name='OutboxItem',
            name='priority',
            field=fields.SmallIntField(default=0),
        ),
        ops.AlterModelOptions(
            name='OptOut',
            options={'table': 'opt_out', 'app': 'models', 'unique_together': (('customer', 'channel'),), 'pk_attr': 'id', 'table_description': 'A customer who asked for no proactive messages on one channel («لغو», or «۱۱» by'},
        ),
    ]
