"""Run the fake Telegram Bot API in its own process, for benchmarks.

    python -m tests.fakes.telegram --port 8081 [--no-limits] [--bale] [--token T ...]

Prints ``READY http://127.0.0.1:PORT`` once listening and serves until SIGTERM/SIGINT.
``GET /__stats[?sends=1]`` reports what arrived; ``POST /__updates[?token=T]`` queues
updates (one object or a list) for getUpdates.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from tests.fakes.base import serve_until_signalled

from .server import BALE_API, DEFAULT_TOKEN, TELEGRAM_API, FakeTelegram


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.telegram", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", action="append", dest="tokens", metavar="T",
                        help=f"accepted bot token, repeatable (default {DEFAULT_TOKEN})")
    parser.add_argument("--no-limits", action="store_true", help="never answer 429")
    parser.add_argument("--bale", action="store_true", help="behave like Bale's Bot API")
    parser.add_argument("--chat-burst", type=int, default=3,
                        help="messages a private chat may receive in a burst")
    # A long benchmark must not grow without bound: keep only the newest records.
    parser.add_argument("--record-limit", type=int, default=1000,
                        help="newest API calls kept with their params (0 keeps none)")
    parser.add_argument("--message-limit", type=int, default=100_000,
                        help="newest sent messages kept for editMessageText/deleteMessage")
    parser.add_argument("--send-log-limit", type=int, default=1_000_000,
                        help="newest (chat_id, time) send records kept for /__stats?sends=1")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    fake = FakeTelegram(
        tokens=args.tokens or (DEFAULT_TOKEN,),
        enforce_limits=not args.no_limits,
        host=args.host,
        port=args.port,
        chat_burst=args.chat_burst,
        record_limit=args.record_limit,
        message_limit=args.message_limit,
        send_log_limit=args.send_log_limit,
        dialect=BALE_API if args.bale else TELEGRAM_API,
    )
    await serve_until_signalled(fake)


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
