from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_owner_config')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SurveyAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.OneToOneField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='survey_answer', on_delete=OnDelete.CASCADE)),
                ('score', fields.SmallIntField(description='1 (bad) to 5 (excellent)')),
                ('comment', fields.TextField(null=True, unique=False)),
                ('answered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'survey_answer', 'app': 'models', 'pk_attr': 'id', 'table_description': "The customer's satisfaction answer after a resolve: one per conversation."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TeamMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'team_member', 'app': 'models', 'unique_together': (('team', 'user'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.IntField(unique=True)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('description', fields.TextField(unique=False)),
                ('media', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharField(default='open', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ticket', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A problem a customer reported. The customer is told its short `number`.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Conversation',
            name='reopen_count',
            field=fields.IntField(default=0, description='times it was reopened after resolve'),
        ),
        ops.AddField(
            model_name='Conversation',
            name='snoozed_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
