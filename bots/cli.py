"""The `pasokh` command: serve, migrate, users, API tokens, configuration, webhook set-up."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import os
import subprocess  # nosec B404 # runs only Pasokh's own CLI with this interpreter
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from aiohttp import web

from bots.logs import configure
from bots.loop import event_loop
from core.settings import Settings, SettingsError, load_settings

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int] | int]


SHUTDOWN_SECONDS = 10.0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bots.runtime import create_app
    from core import db
    from core.bus import BusUnavailable

    # Applying migrations builds Tortoise's model states: ~27 MiB that the allocator keeps
    # for the life of the process. A short-lived `pasokh migrate` does it, so the server
    # starts lean; its own migrate at start-up then finds nothing to do. With nothing to
    # apply (every start but an upgrade's) no child is started: its imports alone cost
    # ~1.3 s of CPU, on every start.
    if asyncio.run(db.pending_migrations(settings)):
        migrated = subprocess.run([sys.executable, "-m", "bots.cli", "migrate"], check=False)  # nosec B603 # runs only Pasokh's own CLI with this interpreter
        if migrated.returncode != 0:
            return migrated.returncode
    host = args.host or settings.host
    port = args.port or settings.port
    # On SIGTERM, requests in flight get SHUTDOWN_SECONDS to finish; a webhook cut off
    # there was never answered 2xx, so the platform delivers it again.
    app = create_app(settings)
    app.on_startup.append(_freeze_heap)  # after the runtime's start-up, registered first
    try:
        web.run_app(app, host=host, port=port, access_log=None, loop=event_loop(),
                    shutdown_timeout=SHUTDOWN_SECONDS,
                    print=lambda _: print(f"pasokh: listening on http://{host}:{port}",
                                          flush=True))
    except BusUnavailable as error:
        print(f"pasokh: {error}", file=sys.stderr)
        return 2
    return 0


async def _freeze_heap(app: web.Application) -> None:
    """What start-up made lives as long as the process: the cyclic garbage collector need
    not walk it again (a full collection over it took ~50 ms, a stall for every request)."""
    gc.freeze()


async def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from core import db

    await db.migrate(settings)
    print(f"pasokh: database {db.redacted_url(settings.effective_database_url)} is up to date")
    return 0


async def _search_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from core import db
    from core.search_index import rebuild

    await db.migrate(settings)
    await db.open_database(settings)
    try:
        indexed = await rebuild(progress=lambda text: print(f"pasokh: {text}", flush=True))
    finally:
        await db.close_database()
    print(f"pasokh: search index rebuilt ({indexed:,} messages)")
    return 0


async def _user_add(args: argparse.Namespace, settings: Settings) -> int:
    from core import db, sample_shop
    from core.users import UserExists, add_user

    password = os.environ.get("PASOKH_PASSWORD") or _ask_password()
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        email = await add_user(args.email, password, args.role)
        if args.role == "owner" and await sample_shop.install_if_fresh():
            print("pasokh: the sample shop is in place; keep, edit or clear it on the owner's "
                  "start page")
    except (UserExists, ValueError) as error:
        print(f"pasokh: {error}", file=sys.stderr)
        return 1
    finally:
        await db.close_database()
    print(f"pasokh: {args.role} {email} added")
    return 0


async def _api_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from core import db
    from core.api_tokens import ApiTokenError, create_token

    await db.migrate(settings)
    await db.open_database(settings)
    try:
        issued = await create_token(args.name, args.owner)
    except ApiTokenError as error:
        print(f"pasokh: {error}", file=sys.stderr)
        return 1
    finally:
        await db.close_database()
    print(f"pasokh: API token {issued.id} ({issued.name}) for {issued.owner_email}; it is "
          "shown only now, keep it secret:", file=sys.stderr)
    print(issued.token)
    return 0


async def _api_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from core import db
    from core.api_tokens import ApiTokenError, revoke_token

    await db.migrate(settings)
    await db.open_database(settings)
    try:
        await revoke_token(args.id)
    except ApiTokenError as error:
        print(f"pasokh: {error}", file=sys.stderr)
        return 1
    finally:
        await db.close_database()
    print(f"pasokh: API token {args.id} revoked")
    return 0


def _ask_password() -> str:
    if not sys.stdin.isatty():
        raise SystemExit("pasokh: set PASOKH_PASSWORD or run in a terminal to be asked")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise SystemExit("pasokh: the passwords differ")
    return first


async def _channel_set_webhook(args: argparse.Namespace, settings: Settings) -> int:
    """Point the webhook of the channel `.env` declares for a platform at URL."""
    import aiohttp

    from adapters import ADAPTERS
    from core.channel_setup import SetupRefused
    from core.events import ChannelCredentials

    adapter = next((a for p, a in ADAPTERS.items() if p.value == args.channel), None)
    if adapter is None:
        print(f"pasokh: no channel {args.channel!r}; one of: "
              f"{', '.join(p.value for p in ADAPTERS)}", file=sys.stderr)
        return 2
    try:
        declared = adapter.declared(settings)
    except SettingsError as error:
        print(f"pasokh: {error}", file=sys.stderr)
        return 2
    if not declared:
        print(f"pasokh: no {args.channel} channel is declared in .env (see .env.example)",
              file=sys.stderr)
        return 1
    new = declared[0]
    channel = ChannelCredentials(0, new.token, new.webhook_secret, new.key)
    async with aiohttp.ClientSession() as session:
        try:
            await adapter.set_webhook(channel, args.url, session, settings)
        except SetupRefused as refused:
            detail = f": {refused.detail}" if refused.detail else ""
            print(f"pasokh: {refused}{detail}", file=sys.stderr)
            return 1
    print(f"pasokh: {adapter.look.name.message} will deliver updates to {args.url}")
    return 0


async def _config_export(args: argparse.Namespace, settings: Settings) -> int:
    from core import db, owner_config

    await db.migrate(settings)
    await db.open_database(settings)
    try:
        document = await owner_config.load_stored()
        text = owner_config.dump(document if args.with_secrets else owner_config.masked(document))
    finally:
        await db.close_database()
    if args.output:
        await asyncio.to_thread(Path(args.output).write_text, text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


async def _config_load(args: argparse.Namespace, settings: Settings) -> int:
    from core import db, owner_config
    from core.order_lookup import OrderSources

    try:
        text = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8")
        document = owner_config.parse(text)
    except OSError as error:
        print(f"pasokh: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    except owner_config.InvalidConfig as invalid:
        print(f"pasokh: {args.file} was not loaded; nothing changed:", file=sys.stderr)
        for problem in invalid.problems:
            print(f"  {args.file}: {problem}", file=sys.stderr)
        return 1
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        # A file exported without --with-secrets keeps the stored shop key.
        stored = await owner_config.load_stored()
        document = owner_config.with_secrets_kept(document, stored)
        problems = ([] if document.order_lookup == stored.order_lookup else
                    await OrderSources.of(settings).problems(document.order_lookup))
        if problems:
            print(f"pasokh: {args.file} was not loaded; nothing changed:", file=sys.stderr)
            for _, english, _ in problems:
                print(f"  {args.file}: {english}", file=sys.stderr)
            return 1
        strangers = await owner_config.store(document)
    finally:
        await db.close_database()
    print(f"pasokh: loaded {args.file} ({len(document.faq)} FAQ entries, "
          f"{len(document.menu)} menu items); a running pasokh uses it within seconds")
    if strangers:
        print("pasokh: no panel user has these team members' addresses yet (add them with "
              f"`pasokh user add`, then load the file again): {', '.join(strangers)}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pasokh", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web app, the bot and the outbox worker")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)

    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        run=_migrate
    )

    search = commands.add_parser("search", help="the panel's search index").add_subparsers(
        dest="search_command", required=True
    )
    search.add_parser("rebuild", help="index every message again, for repairs").set_defaults(
        run=_search_rebuild
    )

    user = commands.add_parser("user", help="manage panel users").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser("add", help="add a user (password from PASOKH_PASSWORD or a prompt)")
    add.add_argument("email")
    add.add_argument("--role", choices=["owner", "agent"], default="agent")
    add.set_defaults(run=_user_add)

    api_token = commands.add_parser("api-token", help="tokens for the JSON API (docs/api.md)")
    token_commands = api_token.add_subparsers(dest="api_token_command", required=True)
    create = token_commands.add_parser("create", help="make a token; it is printed once")
    create.add_argument("name")
    create.add_argument("--owner", required=True, help="e-mail address of an owner")
    create.set_defaults(run=_api_token_create)
    revoke = token_commands.add_parser("revoke", help="stop a token from working")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=_api_token_revoke)

    config = commands.add_parser("config", help="the owner's configuration (docs/config.md)")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    export = config_commands.add_parser("export", help="write the configuration as YAML")
    export.add_argument("--output", "-o", help="a file instead of standard output")
    export.add_argument("--with-secrets", action="store_true",
                        help="include the order lookup's headers (the shop key) unmasked")
    export.set_defaults(run=_config_export)
    load = config_commands.add_parser("load", help="validate a YAML file whole, then store it")
    load.add_argument("file")
    load.set_defaults(run=_config_load)

    channel = commands.add_parser("channel", help="channel set-up").add_subparsers(
        dest="channel_command", required=True
    )
    hook = channel.add_parser("set-webhook", help="point the webhook of the channel .env "
                              "declares for CHANNEL (a platform) at URL")
    hook.add_argument("channel")
    hook.add_argument("url")
    hook.set_defaults(run=_channel_set_webhook)
    # `pasokh telegram set-webhook URL` (as the README has long said) and `pasokh bale
    # set-webhook URL`: aliases of `pasokh channel set-webhook PLATFORM URL`.
    for platform in ("telegram", "bale"):
        platform_commands = commands.add_parser(
            platform, help=f"{platform} set-up (pasokh channel set-webhook {platform} URL)"
        ).add_subparsers(dest=f"{platform}_command", required=True)
        alias = platform_commands.add_parser("set-webhook",
                                             help="point the bot's webhook at URL")
        alias.add_argument("url")
        alias.set_defaults(run=_channel_set_webhook, channel=platform)
    # `pasokh <platform> …` for channels that bring commands of their own.
    from adapters import site_channels

    for site in site_channels().values():
        site.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from adapters import ADAPTERS

    try:
        # The parser asks the adapters for their commands, and importing them reads the
        # settings (core.db): a bad setting is named here too, not as a traceback.
        args = _parser().parse_args(argv)
        settings = load_settings()
        for adapter in ADAPTERS.values():
            adapter.declared(settings)  # a platform's own keys are checked as they are read
    except SettingsError as error:
        print(f"pasokh: {error}", file=sys.stderr)
        return 2
    configure(settings.log_level)
    outcome = args.run(args, settings)
    if asyncio.iscoroutine(outcome):
        outcome = asyncio.run(outcome)
    return int(outcome)


if __name__ == "__main__":
    sys.exit(main())
