from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_sessions_and_secrets')]

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
            name='OptOut',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='opt_outs', on_delete=OnDelete.CASCADE)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='opt_outs', on_delete=OnDelete.CASCADE)),
                ('opted_out', fields.BooleanField(default=True)),
                ('source', fields.CharField(description='keyword, api or platform', max_length=16)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'opt_out', 'app': 'models', 'unique_together': (('customer', 'channel'),), 'pk_attr': 'id', 'table_description': 'Whether a customer agreed to proactive messages on one channel: one row per customer'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxItem',
            name='priority',
            field=fields.SmallIntField(default=0),
        ),
        ops.AddIndex(
            model_name='OutboxItem',
            index=Index(fields=['state', 'priority', 'next_attempt_at']),
        ),
    ]
