from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Channel',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('platform', fields.CharField(max_length=16)),
                ('key', fields.CharField(description="stable identity, e.g. the bot's user id", max_length=64)),
                ('name', fields.CharField(default='', max_length=128)),
                ('token', fields.TextField(default='', unique=False)),
                ('webhook_secret', fields.CharField(default='', max_length=256)),
                ('poll_offset', fields.BigIntField(default=0)),
                ('enabled', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'channel', 'app': 'models', 'unique_together': (('platform', 'key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('display_name', fields.CharField(default='', max_length=256)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('language', fields.CharField(null=True, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'customer', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Identity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='identities', on_delete=OnDelete.CASCADE)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='identities', on_delete=OnDelete.CASCADE)),
                ('external_id', fields.CharField(max_length=128)),
                ('username', fields.CharField(null=True, max_length=128)),
                ('display_name', fields.CharField(default='', max_length=256)),
                ('unreachable', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'identity', 'app': 'models', 'unique_together': (('channel', 'external_id'),), 'pk_attr': 'id', 'table_description': 'One platform account of a customer, on one channel.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Team',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=128)),
            ],
            options={'table': 'team', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=256)),
                ('role', fields.CharField(default='agent', max_length=16)),
                ('display_name', fields.CharField(default='', max_length=128)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'user', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Conversation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.CASCADE)),
                ('identity', fields.ForeignKeyField('models.Identity', source_field='identity_id', db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.CASCADE)),
                ('chat_id', fields.CharField(max_length=128)),
                ('chat_type', fields.CharField(default='private', max_length=16)),
                ('route', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharField(default='open', max_length=16)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.CASCADE)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', null=True, db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.CASCADE)),
                ('flow_state', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_message_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('handed_off_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_response_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversation', 'app': 'models', 'indexes': [Index(fields=['identity_id', 'id']), Index(fields=['status', 'last_message_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('direction', fields.CharField(max_length=3)),
                ('author', fields.CharField(max_length=16)),
                ('kind', fields.CharField(max_length=16)),
                ('text', fields.TextField(null=True, unique=False)),
                ('media', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('external_id', fields.CharField(null=True, max_length=128)),
                ('meta', fields.JSONField(default=dict, description='kind-specific data: button payload, …', encoder=JSON_DUMPS, decoder=loads)),
                ('revisions', fields.JSONField(default=list, description='earlier texts of an edited message', encoder=JSON_DUMPS, decoder=loads)),
                ('delivery', fields.CharField(null=True, description='outbound: queued…failed', max_length=16)),
                ('delivery_error', fields.TextField(null=True, unique=False)),
                ('raw_payload', fields.TextField(null=True, unique=False)),
                ('processed', fields.BooleanField(default=False, description='the flows have seen it')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'message', 'app': 'models', 'unique_together': (('channel', 'external_id'),), 'indexes': [Index(fields=['conversation_id', 'id']), Index(fields=['processed', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE)),
                ('message', fields.ForeignKeyField('models.Message', source_field='message_id', null=True, db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE)),
                ('identity', fields.ForeignKeyField('models.Identity', source_field='identity_id', null=True, db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE)),
                ('chat_id', fields.CharField(max_length=128)),
                ('payload', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('state', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('possibly_duplicated', fields.BooleanField(default=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox', 'app': 'models', 'indexes': [Index(fields=['state', 'next_attempt_at']), Index(fields=['channel_id', 'chat_id', 'state'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
