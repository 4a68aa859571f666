"""The latency reference for `bench/ingest.py`: an aiogram 3 echo bot on a webhook.

    python bench/aiogram_echo.py --port P --api-base http://127.0.0.1:F \
        [--token T] [--secret S]

A `Dispatcher` with one message handler that answers every message with its own text,
served by aiogram's `SimpleRequestHandler` on aiohttp at ``POST /webhooks/telegram``; its
`Bot` talks to the (fake) Bot API at ``--api-base``. Prints ``READY http://127.0.0.1:P``
once listening (importing aiogram takes a few seconds); stops on SIGTERM/SIGINT.

aiogram's defaults are kept: the webhook answers 200 at once and the update is handled in
the background (`handle_in_background=True`).
"""

from __future__ import annotations

import argparse

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bots.loop import event_loop

dispatcher = Dispatcher()


@dispatcher.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-base", required=True, help="e.g. http://127.0.0.1:8081")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--secret", default="bench-secret")
    args = parser.parse_args()

    session = AiohttpSession(api=TelegramAPIServer.from_base(args.api_base))
    bot = Bot(args.token, session=session)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=args.secret).register(
        app, path="/webhooks/telegram"
    )
    setup_application(app, dispatcher, bot=bot)
    # The event loop Pasokh runs on: the comparison is of the work done, not of the loop.
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, loop=event_loop(),
                print=lambda _: print(f"READY http://127.0.0.1:{args.port}", flush=True))


if __name__ == "__main__":
    main()
