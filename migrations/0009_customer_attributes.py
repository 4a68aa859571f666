from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_api_tokens')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Customer',
            name='attributes',
            field=fields.JSONField(null=True, description='custom name-value pairs the agents keep', encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
