from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('models', '0013_sessions_and_secrets')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Channel',
            name='options',
            field=fields.JSONField(null=True),
        ),
        ops.CreateModel(
            name='Visitor',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='visitors', on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=64)),
                ('revoked', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(default='', max_length=128)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('email', fields.CharField(null=True, max_length=254)),
            ],
            options={'table': 'visitor', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Someone who holds a token a channel signed (a website visitor). The token names'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Continuation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, description='hex SHA-256', max_length=64)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='continuations', on_delete=OnDelete.CASCADE)),
                ('external_id', fields.CharField(description='who asked, on `channel`', max_length=128)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'continuation', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-time link from a conversation on one channel to another (the web chat\'s'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChannelRefusal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='refusals', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=32)),
                ('count', fields.BigIntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'channel_refusal', 'app': 'models', 'unique_together': (('channel', 'reason'),), 'pk_attr': 'id', 'table_description': 'How many requests to a channel were refused, by reason (over a limit, a foreign'},
            bases=['Model'],
        ),
    ]
