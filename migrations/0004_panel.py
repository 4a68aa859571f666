from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_tickets_surveys_teams')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginThrottle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('failures', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_throttle', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Failed logins per e-mail address (known or not), and until when it is locked.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Note',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='notes', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', db_constraint=True, to_field='id', related_name='notes', on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'note', 'app': 'models', 'indexes': [Index(fields=['conversation_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A private note an agent left on a conversation: never sent to the customer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReadMark',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='read_marks', on_delete=OnDelete.CASCADE)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='read_marks', on_delete=OnDelete.CASCADE)),
                ('last_read_message_id', fields.BigIntField(default=0)),
            ],
            options={'table': 'read_mark', 'app': 'models', 'unique_together': (('user', 'conversation'),), 'pk_attr': 'id', 'table_description': 'How far a panel user has read a conversation: unread counts start after it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('conversation_id', fields.IntField(db_index=True)),
                ('body', fields.TextField(unique=False)),
            ],
            options={'table': 'search_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': "A message's text in normalized form (core/text.py), for the panel's search."},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Conversation',
            index=Index(fields=['last_message_at']),
        ),
        ops.AddIndex(
            model_name='Conversation',
            index=Index(fields=['customer_id']),
        ),
    ]
