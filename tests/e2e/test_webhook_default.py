"""Webhook mode binds to loopback unless told otherwise: TLS belongs to a reverse proxy in front."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from bot.config import Settings
from bot.runtime import runner as telegram_runner
from bot.runtime.cli import chat, parser
from tests.support.flows import ADMIN

TOKEN = "123456:TEST-webhook-default-token"


def test_cli_listen_default_is_loopback() -> None:
    args = parser().parse_args(["run", "--webhook", "https://bot.example.org/tg"])
    assert args.listen == "127.0.0.1:8443"


def test_runner_listen_default_is_loopback() -> None:
    assert inspect.signature(telegram_runner.run_telegram).parameters["listen"].default == "127.0.0.1:8443"


@pytest.mark.parametrize(
    ("argv", "host", "port"), [([], "127.0.0.1", 8443), (["--listen", ":9000"], "127.0.0.1", 9000)]
)
async def test_webhook_server_binds_loopback_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], host: str, port: int
) -> None:
    """`cadrebot run --webhook URL` (no --listen, or a --listen without a host) binds 127.0.0.1."""
    from telegram.ext import Updater

    from tests.support.http_api import FakeTelegram

    telegram = FakeTelegram()
    await telegram.start()
    seen: dict = {}

    class Started(Exception):
        pass

    async def start_webhook(self, **kwargs):
        seen.update(kwargs)
        raise Started

    monkeypatch.setattr(Updater, "start_webhook", start_webhook)
    settings = Settings(
        _env_file=None,
        telegram_token=TOKEN,
        db_path=tmp_path / "bot.sqlite3",  # type: ignore[call-arg]
        telegram_base_url=f"http://127.0.0.1:{telegram.port}/bot",
        telegram_base_file_url=f"http://127.0.0.1:{telegram.port}/file/bot",
        admin_ids=[ADMIN],
    )
    args = parser().parse_args(["run", "--webhook", "https://bot.example.org/tg", *argv])
    try:
        # (as in test_access_matrix: PTB's "still running" RuntimeError may replace ours on the way out)
        with pytest.raises((Started, RuntimeError)):
            await chat.run(settings, args)
    finally:
        await telegram.stop()
    assert seen["listen"] == host
    assert seen["port"] == port
