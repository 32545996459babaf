"""The bot token never reaches the logs of a real `cadrebot run` process, even at DEBUG."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.support.http_api import FakeTelegram
from tests.support.paths import ROOT

REPO = str(ROOT)
TOKEN = "123456:TEST-secret-token-never-logged"


async def test_token_never_appears_in_logs_even_at_debug(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    await telegram.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADREBOT_")}
    env.update(
        {
            "CADREBOT_TELEGRAM_TOKEN": TOKEN,
            "CADREBOT_TELEGRAM_BASE_URL": f"http://127.0.0.1:{telegram.port}/bot",
            "CADREBOT_TELEGRAM_BASE_FILE_URL": f"http://127.0.0.1:{telegram.port}/file/bot",
            "CADREBOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
            "CADREBOT_ADMIN_IDS": "1",
            "PYTHONPATH": REPO,
        }
    )
    # `cadrebot run` configures WARNING; logging configured first at DEBUG wins (basicConfig is a no-op
    # then), so every library's debug output — httpx request URLs included — is captured.
    script = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)\n"
        "from bot.runtime.cli import main\n"
        "sys.exit(main(['run']))\n"
    )
    stderr_path = tmp_path / "stderr.log"
    with open(stderr_path, "wb") as stderr:  # noqa: ASYNC230 - a file, so a chatty child never blocks
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=stderr
        )
    try:
        telegram.user_says(1, "/invite cadre 示例社区")
        invite = await telegram.wait_for(lambda m: m.chat_id == 1 and "邀请码已生成" in m.plain, timeout=60)
        code = next(line.strip() for line in invite.plain.splitlines() if line.strip() and " " not in line.strip())
        telegram.user_says(2, f"/start {code}")
        await telegram.wait_for(lambda m: m.chat_id == 2 and "注册成功" in m.plain)
        telegram.user_says(2, "/kb")  # refused: a cadre
        await telegram.wait_for(lambda m: m.chat_id == 2 and "权限" in m.plain)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
        await telegram.stop()
    log = stderr_path.read_text(encoding="utf-8", errors="replace")
    assert "DEBUG" in log and "getUpdates" in log  # the debug output really was captured
    assert "/bot<token>/getUpdates" in log  # httpx logs every URL at INFO: redacted, not absent
    secret = TOKEN.split(":", 1)[1]
    assert TOKEN not in log and secret not in log, [line for line in log.splitlines() if secret in line][:3]
    assert "Traceback" not in log
