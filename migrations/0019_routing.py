from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

from core.secrets_at_rest import SealedTextField

class Migration(migrations.Migration):
    dependencies = [('models', '0017_waiting_since')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AgentPresence',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='presence', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(default='available', max_length=16)),
                ('seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_assigned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'agent_presence', 'app': 'models', 'pk_attr': 'id', 'table_description': "A panel user's chosen status and when a panel of theirs was last open. The status"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Assignment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=24)),
                ('by', fields.ForeignKeyField('models.User', source_field='by_id', null=True, db_constraint=True, to_field='id', related_name='assignments_made', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'assignment', 'app': 'models', 'indexes': [Index(fields=['conversation_id', 'id']), Index(fields=['user_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "One change of a conversation's assignee and why: routing chose them, someone assigned"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationChoice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='notification_choice', on_delete=OnDelete.CASCADE)),
                ('choices', fields.JSONField(description='core.notifications.preferences.Choices', encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'notification_choice', 'app': 'models', 'pk_attr': 'id', 'table_description': 'What an agent wants to be told and where. No row: the defaults of'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationSent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=24)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('ref', fields.CharField(description='what it is about: a message, an assignment', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification_sent', 'app': 'models', 'unique_together': (('user', 'kind', 'ref'),), 'pk_attr': 'id', 'table_description': 'One notification to one agent, claimed once: every process hears the same events,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PushSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='push_subscriptions', on_delete=OnDelete.CASCADE)),
                ('endpoint', fields.CharField(unique=True, max_length=1024)),
                ('p256dh', fields.CharField(max_length=256)),
                ('auth', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'push_subscription', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One browser or installed panel that takes Web Push for an agent (its endpoint and keys'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServerKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=32)),
                ('private_key', SealedTextField(unique=False)),
                ('public_key', fields.TextField(unique=False)),
            ],
            options={'table': 'server_key', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A key Pasokh makes for itself once, sealed (core/secrets_at_rest.py): the VAPID key'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MessengerLink',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='messenger_link', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('code_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', null=True, db_constraint=True, to_field='id', related_name='agent_links', on_delete=OnDelete.CASCADE)),
                ('identity', fields.ForeignKeyField('models.Identity', source_field='identity_id', null=True, db_constraint=True, to_field='id', related_name='agent_links', on_delete=OnDelete.CASCADE)),
                ('chat_id', fields.CharField(null=True, max_length=128)),
                ('linked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'messenger_link', 'app': 'models', 'pk_attr': 'id', 'table_description': "An agent's own chat with the shop's bot, for notifications on their phone: linked by"},
            bases=['Model'],
        ),
    ]
