"""`pasokh webchat create --name NAME --origin URL [--origin …]`: makes a web-chat channel
and prints the one line to paste before </body>."""

from __future__ import annotations

import argparse
import sys

from core import db
from core.channel_setup import SetupRefused
from core.events import Platform
from core.owner_desk import save_channel
from core.settings import Settings


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.webchat import new_channel, snippet_line

    try:
        new = new_channel(args.name, args.origin, args.language, args.continue_on or "",
                          args.ask or (), args.sound)
    except SetupRefused as refused:
        detail = f": {refused.detail}" if refused.detail else ""
        print(f"pasokh: {refused}{detail}", file=sys.stderr)
        return 2
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        channel_id = await save_channel(Platform.WEBCHAT, key=new.key, token=new.token,
                                        webhook_secret="", name=new.name, options=new.options)  # nosec B106 # no webhook: an empty secret, not a password
    finally:
        await db.close_database()
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    print(f"pasokh: web chat {new.name!r} is channel {channel_id}; a running pasokh serves "
          "it within seconds. Paste this line before </body>:", file=sys.stderr)
    print(snippet_line(base, new.key, args.language))
    print("pasokh: the channel's secret, for the site's server to sign identities with "
          f"(docs/webchat.md); it is shown only now, keep it secret: {new.token}",
          file=sys.stderr)
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    webchat = commands.add_parser(Platform.WEBCHAT.value, help="a chat on your own website "
                                  "(docs/webchat.md)").add_subparsers(
        dest="webchat_command", required=True)
    create = webchat.add_parser("create", help="make a web-chat channel and print its line")
    create.add_argument("--name", required=True)
    create.add_argument("--origin", action="append", required=True,
                        help="a site address allowed to use it, e.g. https://shop.example; "
                             "repeat for several")
    create.add_argument("--language", choices=("fa", "en"), default="fa")
    create.add_argument("--ask", action="append", choices=("name", "phone", "email"),
                        help="offer this field before the first message (never required); "
                             "repeat for several")
    create.add_argument("--sound", action="store_true",
                        help="a short chime when a reply comes while the chat is closed")
    create.add_argument("--continue-on", metavar="URL",
                        help="the shop's Telegram bot (https://t.me/ShopBot): the widget "
                             "offers to continue there, as the same customer")
    create.set_defaults(run=_create)
