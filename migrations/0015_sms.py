"""Issue 16: opt-outs, one per customer and channel («۱۱» by text; «۱۲» removes it)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_webchat')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OptOut',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='opt_outs', on_delete=OnDelete.CASCADE)),
                ('channel', fields.ForeignKeyField('models.Channel', source_field='channel_id', db_constraint=True, to_field='id', related_name='opt_outs', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'opt_out', 'app': 'models', 'unique_together': (('customer', 'channel'),), 'pk_attr': 'id', 'table_description': 'A customer who asked for no proactive messages on one channel (by text, «۱۱»). They'},
            bases=['Model'],
        ),
    ]
