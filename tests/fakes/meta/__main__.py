"""Run the fake Meta Graph API in its own process, for benchmarks.

    python -m tests.fakes.meta --port 8082 [--no-limits] [--no-window] [--token T ...]

Prints ``READY http://127.0.0.1:PORT`` once listening and serves until SIGTERM/SIGINT.
``GET /__stats`` reports what arrived; ``POST /__customer_wrote`` ({"wa_id": ...} or a list)
and ``POST /__user_wrote`` ({"igsid": ...} or a list) stand in for inbound messages, which
open the 24 h customer-service windows.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from tests.fakes.base import serve_until_signalled

from .server import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET, FakeMeta


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.meta", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082, help="0 picks a free port")
    parser.add_argument("--token", action="append", dest="tokens", metavar="T",
                        help=f"accepted access token, repeatable (default {DEFAULT_ACCESS_TOKEN})")
    parser.add_argument("--app-secret", default=DEFAULT_APP_SECRET)
    parser.add_argument("--no-limits", action="store_true",
                        help="never answer 130429 / 131056 (throughput and pair rate)")
    parser.add_argument("--no-window", action="store_true",
                        help="let free-form messages through without a recent inbound message")
    parser.add_argument("--pair-interval", type=float, default=6.0,
                        help="average seconds between messages to one customer")
    parser.add_argument("--pair-burst", type=int, default=45,
                        help="messages one customer may receive in a burst")
    # A long benchmark must not grow without bound: keep only the newest records.
    parser.add_argument("--record-limit", type=int, default=1000,
                        help="newest API calls kept with their bodies (0 keeps none)")
    parser.add_argument("--contact-limit", type=int, default=100_000,
                        help="most recently active customers remembered for the windows")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    fake = FakeMeta(
        app_secret=args.app_secret,
        access_tokens=args.tokens or (DEFAULT_ACCESS_TOKEN,),
        enforce_limits=not args.no_limits,
        enforce_window=not args.no_window,
        host=args.host,
        port=args.port,
        pair_interval=args.pair_interval,
        pair_burst=args.pair_burst,
        record_limit=args.record_limit,
        contact_limit=args.contact_limit,
    )
    await serve_until_signalled(fake)


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
