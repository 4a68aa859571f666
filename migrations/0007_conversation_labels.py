from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_customer_language_choice')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConversationLabel',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='labels', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(db_index=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversation_label', 'app': 'models', 'unique_together': (('conversation', 'name'),), 'pk_attr': 'id', 'table_description': 'One label on one conversation. The pair is unique so a double click adds it once.'},
            bases=['Model'],
        ),
    ]
