from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_early_receipts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Customer',
            name='language_chosen_at',
            field=fields.DatetimeField(null=True, description='set when the customer picked `language` in the bot', auto_now=False, auto_now_add=False),
        ),
    ]
