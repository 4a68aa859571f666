"""The agents' desk: what the admin panel and its API read and do, over the tables in
core/models.py.

The panel never touches a model. It asks the `Desk` and gets frozen dataclasses back, or a
`DeskError` whose message is a translation key. Every query is scoped to the viewer
(`_scope.py`). One module per responsibility, each a part of `Desk`:

- `login.py`: login and its throttling, the viewer of a session;
- `inbox.py`: the inbox, its filters and search;
- `timeline.py`: one conversation, its history and files;
- `commands.py`: what an agent does (reply, notes, labels, assign, resolve, snooze…), and
  `wake_snoozed`, which the runtime calls to wake what is due (bots/snooze.py);
- `texts.py`: a reply's text-message parts and cost, and a reply sent by text;
- `customers.py`: one customer, their attributes, and merges;
- `records.py`: the JSON API's records.

`_scope.py` (who sees what) and `_base.py` (the wiring, the reply window) come first and
import no other part, so the parts form no circle.
"""

from __future__ import annotations

from core.desk._scope import ConversationNotFound, CustomerNotFound, DeskError, Viewer
from core.desk.commands import (
    MAX_LABEL_CHARS,
    MAX_NOTE_CHARS,
    MAX_REPLY_CHARS,
    MAX_TEMPLATE_PARAMETER_CHARS,
    PRESENCE_EXPIRES_SECONDS,
    PRESENCE_TOPIC,
    SNOOZE_WAKE_BATCH,
    TICKET_STATUSES,
    wake_snoozed,
)
from core.desk.customers import Customers
from core.desk.inbox import STATUSES, InboxFilter, InboxQueries
from core.desk.login import Login, LoginBusy, LoginLocked, LoginRefused
from core.desk.records import Records
from core.desk.texts import PartsPreview, TextLine, TextMessages
from core.desk.timeline import Timeline

__all__ = [
    "MAX_LABEL_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_REPLY_CHARS",
    "MAX_TEMPLATE_PARAMETER_CHARS",
    "PRESENCE_EXPIRES_SECONDS",
    "PRESENCE_TOPIC",
    "SNOOZE_WAKE_BATCH",
    "STATUSES",
    "TICKET_STATUSES",
    "ConversationNotFound",
    "CustomerNotFound",
    "Desk",
    "DeskError",
    "InboxFilter",
    "LoginBusy",
    "LoginLocked",
    "LoginRefused",
    "PartsPreview",
    "TextLine",
    "Viewer",
    "wake_snoozed",
]


class Desk(Login, InboxQueries, Timeline, TextMessages, Customers, Records):
    """The one object the panel holds: every part of the desk, over one wiring
    (`DeskBase.__init__`: the bus, the outbox's wake-up, the engine's entry point for system
    messages, and the channels' reply window rule)."""
