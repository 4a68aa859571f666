from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_panel')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EarlyReceipt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='early_receipts', on_delete=OnDelete.CASCADE)),
                ('external_id', fields.CharField(max_length=128)),
                ('status', fields.CharField(max_length=16)),
                ('error', fields.TextField(null=True, unique=False)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'early_receipt', 'app': 'models', 'unique_together': (('channel', 'external_id', 'status'),), 'pk_attr': 'id', 'table_description': "A platform's receipt that arrived before the outbox recorded the id it names (a send"},
            bases=['Model'],
        ),
    ]
