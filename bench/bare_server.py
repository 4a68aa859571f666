"""The ceiling for `bench/ingest.py`: a bare aiohttp server whose webhook handler only
reads the body and answers 200 with the same small JSON body Pasokh answers with.

    python bench/bare_server.py --port P

Prints ``READY http://127.0.0.1:P`` once listening; stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse

from aiohttp import web

from bots.loop import event_loop

OK_BODY = b'{"ok": true}'


async def accept(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=OK_BODY, content_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app.router.add_post("/webhooks/telegram", accept)
    # The event loop Pasokh runs on, so that the ceiling is the same server stack.
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, loop=event_loop(),
                print=lambda _: print(f"READY http://127.0.0.1:{args.port}", flush=True))


if __name__ == "__main__":
    main()
