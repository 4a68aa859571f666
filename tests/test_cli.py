"""The `pasokh` command, run as a user would run it."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

from bots.cli import main
from tests.conftest import BOT_TOKEN, WEBHOOK_SECRET
from tests.waits import patience


def pasokh(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`pasokh ARGS` run from `cwd` with these variables set, and what it printed and
    returned, as from a shell. It runs `bots.cli.main` in a thread of this process, with
    an event loop of its own as the command has in a shell, and no input: a child process
    spent about a second of CPU importing Pasokh before doing anything, on each of some
    fifty calls in the suite. What is about the process itself (a terminal, a signal)
    still starts one (test_user_add_without_a_password_and_no_terminal_says_what_to_do,
    tests/integration/test_crash_recovery.py)."""
    environment = {**os.environ, "PASOKH_DATA_DIR": str(cwd / "data"), "DATABASE_URL": "",
                   **env}
    out, err = io.StringIO(), io.StringIO()
    returned: list[int] = []

    def run() -> None:
        returned.append(_exit_code(args, err))

    with (_ONE_COMMAND_AT_A_TIME, _environment(environment), contextlib.chdir(cwd),
          contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
          _no_input()):
        command = threading.Thread(target=run, name="pasokh " + " ".join(args[:2]))
        command.start()
        command.join(timeout=patience(60))
    assert returned, f"pasokh {' '.join(args)} did not finish"
    return subprocess.CompletedProcess(["pasokh", *args], returned[0], out.getvalue(),
                                       err.getvalue())


# The environment, the working directory and sys.stdout are the process's own.
_ONE_COMMAND_AT_A_TIME = threading.Lock()


def _exit_code(args: tuple[str, ...], err: io.StringIO) -> int:
    """What a shell would see: main's result, argparse's exit, or 1 and the traceback."""
    try:
        return main(list(args))
    except SystemExit as exit_:
        if isinstance(exit_.code, str):
            print(exit_.code, file=err)
            return 1
        return exit_.code or 0
    except Exception:  # an uncaught error: the process would print it and exit 1
        traceback.print_exc(file=err)
        return 1


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _no_input() -> Iterator[None]:
    """stdin at its end and not a terminal, as `stdin=subprocess.DEVNULL` gave."""
    saved, sys.stdin = sys.stdin, io.StringIO("")
    try:
        yield
    finally:
        sys.stdin = saved


def test_migrate_creates_the_database(tmp_path):
    result = pasokh("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "pasokh.db").exists()
    assert pasokh("migrate", cwd=tmp_path).returncode == 0  # again: nothing to do


def test_user_add_takes_the_password_from_the_environment(cli_cwd):
    result = pasokh("user", "add", "Owner@Shop.ir", "--role", "owner", cwd=cli_cwd,
                    PASOKH_PASSWORD="a-long-passphrase")
    assert result.returncode == 0, result.stderr
    assert "owner owner@shop.ir added" in result.stdout
    again = pasokh("user", "add", "owner@shop.ir", cwd=cli_cwd,
                   PASOKH_PASSWORD="a-long-passphrase")
    assert again.returncode == 1
    assert "exists already" in again.stderr
    assert "a-long-passphrase" not in again.stderr + again.stdout


def test_user_add_refuses_a_short_password(tmp_path):
    result = pasokh("user", "add", "agent@shop.ir", cwd=tmp_path, PASOKH_PASSWORD="short")
    assert result.returncode == 1
    assert "at least 8" in result.stderr


def test_user_add_without_a_password_and_no_terminal_says_what_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PASOKH_PASSWORD"}
    result = subprocess.run([sys.executable, "-m", "bots.cli", "user", "add", "a@b.ir"],
                            cwd=tmp_path, env={**env, "PASOKH_DATA_DIR": str(tmp_path / "d")},
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert "PASOKH_PASSWORD" in result.stderr


async def test_set_webhook_registers_url_and_secret(tmp_path, fake_telegram):
    import asyncio

    result = await asyncio.to_thread(
        pasokh, "telegram", "set-webhook", "https://shop.example/webhooks/telegram",
        cwd=tmp_path, TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_API_BASE=fake_telegram.base_url,
    )
    assert result.returncode == 0, result.stderr
    assert fake_telegram.webhook["url"] == "https://shop.example/webhooks/telegram"
    assert fake_telegram.webhook["secret_token"] == WEBHOOK_SECRET
    assert BOT_TOKEN not in result.stdout + result.stderr


async def test_issue_13_channel_set_webhook_is_the_generic_form(tmp_path, fake_telegram):
    import asyncio

    result = await asyncio.to_thread(
        pasokh, "channel", "set-webhook", "telegram", "https://shop.example/webhooks/telegram",
        cwd=tmp_path, TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_API_BASE=fake_telegram.base_url,
    )
    assert result.returncode == 0, result.stderr
    assert "Telegram will deliver updates to https://shop.example/webhooks/telegram" in \
        result.stdout
    assert fake_telegram.webhook["secret_token"] == WEBHOOK_SECRET
    assert "business_message" in fake_telegram.webhook["allowed_updates"]


def test_issue_13_channel_set_webhook_says_what_it_cannot_do(tmp_path):
    unknown = pasokh("channel", "set-webhook", "pigeon", "https://x.example", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "telegram, whatsapp, instagram" in unknown.stderr
    undeclared = pasokh("channel", "set-webhook", "whatsapp", "https://x.example",
                        cwd=tmp_path, WHATSAPP_PHONE_NUMBER_ID="", WHATSAPP_ACCESS_TOKEN="")
    assert undeclared.returncode == 1 and "no whatsapp channel is declared" in undeclared.stderr
    meta = pasokh("channel", "set-webhook", "whatsapp", "https://x.example", cwd=tmp_path,
                  WHATSAPP_PHONE_NUMBER_ID="1098765432", WHATSAPP_ACCESS_TOKEN="t",
                  META_APP_SECRET="s")
    assert meta.returncode == 1 and "Meta app's dashboard" in meta.stderr
    no_secret = pasokh("telegram", "set-webhook", "https://x.example", cwd=tmp_path,
                       TELEGRAM_BOT_TOKEN=BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET="")
    assert no_secret.returncode == 1 and "TELEGRAM_WEBHOOK_SECRET" in no_secret.stderr


def test_a_bad_setting_is_named(tmp_path):
    result = pasokh("migrate", cwd=tmp_path, TELEGRAM_MODE="carrier-pigeon")
    assert result.returncode == 2
    assert "TELEGRAM_MODE" in result.stderr


def test_config_load_then_export_round_trips(cli_cwd):
    source = cli_cwd / "shop.yaml"
    source.write_text(
        "faq:\n  - id: return\n    question: چطور مرجوع کنم؟\n    answer: تا ۷ روز.\n",
        encoding="utf-8",
    )
    loaded = pasokh("config", "load", str(source), cwd=cli_cwd)
    assert loaded.returncode == 0, loaded.stderr
    exported = pasokh("config", "export", cwd=cli_cwd)
    assert exported.returncode == 0, exported.stderr
    assert "چطور مرجوع کنم؟" in exported.stdout


def test_a_bad_config_changes_nothing_and_names_the_line(cli_cwd):
    good = cli_cwd / "good.yaml"
    good.write_text("faq:\n  - id: a\n    question: q\n    answer: x\n", encoding="utf-8")
    assert pasokh("config", "load", str(good), cwd=cli_cwd).returncode == 0
    bad = cli_cwd / "bad.yaml"
    bad.write_text("faq:\n  - id: b\n    question: q\n", encoding="utf-8")
    result = pasokh("config", "load", str(bad), cwd=cli_cwd)
    assert result.returncode == 1
    assert "line 2" in result.stderr and "nothing changed" in result.stderr
    assert "id: a" in pasokh("config", "export", cwd=cli_cwd).stdout


def test_the_whole_documented_configuration_loads_and_exports_unchanged(cli_cwd):
    from core import owner_config

    docs = (Path(__file__).resolve().parents[1] / "docs" / "config.md").read_text("utf-8")
    example = docs.split("## A whole file", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    source = cli_cwd / "shop.yaml"
    source.write_text(example, encoding="utf-8")
    loaded = pasokh("config", "load", str(source), cwd=cli_cwd)
    assert loaded.returncode == 0, loaded.stderr
    assert "sara@shop.example" in loaded.stdout  # a team member with no panel user yet
    exported = pasokh("config", "export", "--with-secrets", cwd=cli_cwd)
    assert owner_config.parse(exported.stdout) == owner_config.parse(example)


def test_issue_17_config_export_masks_the_shop_key_and_load_keeps_it(cli_cwd):
    from core import owner_config

    source = cli_cwd / "shop.yaml"
    source.write_text("order_lookup:\n  url: https://shop.example/api/orders/{order_id}\n"
                      "  headers: {Authorization: Bearer 0123456789abcdef}\n", encoding="utf-8")
    assert pasokh("config", "load", str(source), cwd=cli_cwd).returncode == 0
    exported = pasokh("config", "export", cwd=cli_cwd).stdout
    assert "0123456789abcdef" not in exported and owner_config.SECRET_MASK in exported
    masked_file = cli_cwd / "masked.yaml"
    masked_file.write_text(exported, encoding="utf-8")
    assert pasokh("config", "load", str(masked_file), cwd=cli_cwd).returncode == 0
    kept = pasokh("config", "export", "--with-secrets", cwd=cli_cwd).stdout
    assert "Bearer 0123456789abcdef" in kept


def test_issue_17_config_load_refuses_an_order_lookup_on_the_servers_network(cli_cwd):
    source = cli_cwd / "shop.yaml"
    source.write_text("order_lookup:\n  url: http://127.0.0.1:8080/orders/{order_id}\n",
                      encoding="utf-8")
    refused = pasokh("config", "load", str(source), cwd=cli_cwd)
    assert refused.returncode == 1
    assert "only public internet addresses (address 127.0.0.1" in refused.stderr
    source.write_text("order_lookup:\n  csv: orders.csv\n", encoding="utf-8")
    missing = pasokh("config", "load", str(source), cwd=cli_cwd)
    assert missing.returncode == 1 and "no file named 'orders.csv' in the orders folder" in (
        missing.stderr)


def test_issue_19_search_rebuild_writes_the_index_again(cli_cwd):
    result = pasokh("search", "rebuild", cwd=cli_cwd)
    assert result.returncode == 0, result.stderr
    assert "customers written again; building the full-text index" in result.stdout
    assert "search index rebuilt (0 messages)" in result.stdout
