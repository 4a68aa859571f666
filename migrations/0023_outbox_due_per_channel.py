"""Issue 17, part 3: the outbox reads one page of due rows per channel (core/outbox.py,
`due_rows`), so one channel's backlog cannot hold back another's replies. Each page, and the
scan for channels with waiting rows, is one probe of this index; within a channel, replies
go before proactive rows (the priority of 0022)."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0022_followups')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='OutboxItem',
            index=Index(fields=['state', 'channel_id', 'priority', 'next_attempt_at']),
        ),
    ]
