#!/usr/bin/env python3
"""`make eval`: FAQ accuracy through the real path, as a customer meets it.

    python bench/faq_eval_webhook.py [--faq PATH] [--questions PATH]

Loads the FAQ with the same code as `pasokh config load`, starts Pasokh in this process
against the fake Telegram Bot API, and sends every question as a Telegram webhook from a
fresh customer. The reply the fake receives is read back: its text is an FAQ answer (the
bot answered that entry) and its buttons are the entries it offered; any other reply counts
as "none" (a reply does not say which intent sent it). Figures and targets are those of
bench/faq_eval.py, which routes the same messages through flows.routing directly, faster;
the two agree when the bot's path adds nothing to the routing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.faq_eval import SHARED_EVAL, Case, Outcome, load_cases, report  # noqa: E402
from bots.runtime import create_app  # noqa: E402
from bots.typedefs import RUNTIME  # noqa: E402
from core import owner_config  # noqa: E402
from core.settings import Settings  # noqa: E402
from flows.faq import FaqEntry  # noqa: E402
from flows.routing import ANSWER, CHOICES, NONE  # noqa: E402
from flows.welcome import FAQ_PREFIX  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

TOKEN = "123456:EVAL-TOKEN"
SECRET = "eval-secret"
FIRST_CHAT = 9_000_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _update(chat_id: int, text: str) -> bytes:
    return json.dumps({
        "update_id": chat_id,
        "message": {"message_id": 1, "date": int(time.time()), "text": text,
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "مشتری"}},
    }).encode()


def _outcome(case: Case, reply: dict, entries: dict[str, FaqEntry], seconds: float
             ) -> Outcome:
    by_answer = {entry.answer: entry for entry in entries.values()}
    rows = (reply.get("reply_markup") or {}).get("inline_keyboard") or []
    offered = tuple(button["callback_data"].removeprefix(FAQ_PREFIX) for row in rows
                    for button in row
                    if button.get("callback_data", "").startswith(FAQ_PREFIX))
    answered = by_answer.get(reply["text"])
    if answered is not None:
        return Outcome(case, ANSWER, answered=answered.id, seconds=seconds)
    if offered:
        return Outcome(case, CHOICES, offered=offered, seconds=seconds)
    return Outcome(case, NONE, seconds=seconds)


async def evaluate(
    document: owner_config.OwnerDocument, cases: list[Case]
) -> list[Outcome]:
    entries = {item.id: FaqEntry(id=item.id, question=item.question, answer=item.answer,
                                 alternatives=tuple(item.alternatives)) for item in document.faq}
    outcomes: list[Outcome] = []
    async with FakeTelegram(tokens=[TOKEN], enforce_limits=False) as fake:
        with tempfile.TemporaryDirectory(prefix="pasokh-eval-") as data_dir:
            settings = Settings(data_dir=Path(data_dir), log_level="WARNING").with_environment(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_WEBHOOK_SECRET=SECRET,
                TELEGRAM_API_BASE=fake.base_url,
                TELEGRAM_SENDS_PER_SECOND=str(0),
            )
            app = create_app(settings)
            runner = web.AppRunner(app)
            await runner.setup()
            port = _free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            try:
                await owner_config.store(document)
                await app[RUNTIME].flows.refresh()
                async with ClientSession() as http:
                    for number, case in enumerate(cases):
                        chat = FIRST_CHAT + number
                        started = time.perf_counter()
                        async with http.post(
                            f"http://127.0.0.1:{port}/webhooks/telegram",
                            data=_update(chat, case.question),
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        ) as response:
                            response.raise_for_status()
                        await fake.wait_for(lambda f, c=chat: f.sent_messages(c), timeout=10)
                        seconds = time.perf_counter() - started
                        reply = fake.sent_messages(chat)[0]
                        outcomes.append(_outcome(case, reply, entries, seconds))
            finally:
                await runner.cleanup()
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faq", type=Path, default=SHARED_EVAL / "shop.yaml")
    parser.add_argument("--questions", type=Path, default=SHARED_EVAL / "questions.tsv")
    args = parser.parse_args()
    if not args.questions.exists():
        print(f"{args.questions} is not there; the webhook check is skipped")
        return
    cases = load_cases(args.questions)
    if not cases:
        sys.exit(f"{args.questions}: no questions")
    document = owner_config.parse(args.faq.read_text(encoding="utf-8"))
    outcomes = asyncio.run(evaluate(document, cases))
    totals = report("smoke set through the webhook → stored → flow → outbox → the fake "
                    "Telegram", {"clothing": outcomes}, timing="webhook → reply at the fake")
    sys.exit(1 if totals.misses() else 0)


if __name__ == "__main__":
    main()
