"""The real ``cadrebot run`` process, long polling a Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.support.http_api import FakeTelegram

TOKEN = "123456:TEST-token-never-logged"


@pytest.fixture
async def telegram():
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_run_process_answers_over_http(tmp_path: Path, telegram: FakeTelegram) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADREBOT_")}
    env.update(
        {
            "CADREBOT_TELEGRAM_TOKEN": TOKEN,
            "CADREBOT_TELEGRAM_BASE_URL": f"http://127.0.0.1:{telegram.port}/bot",
            "CADREBOT_TELEGRAM_BASE_FILE_URL": f"http://127.0.0.1:{telegram.port}/file/bot",
            "CADREBOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
            "CADREBOT_ADMIN_IDS": "1",
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.runtime.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        telegram.user_says(1, "/invite cadre 示例社区")
        invite = await telegram.wait_for(lambda m: m.chat_id == 1 and "邀请码已生成" in m.plain, timeout=60)
        code = next(line.strip() for line in invite.plain.splitlines() if line.strip() and " " not in line.strip())
        telegram.user_says(2, f"/start {code}")
        await telegram.wait_for(lambda m: m.chat_id == 2 and "注册成功" in m.plain)
        menu = await telegram.wait_for(lambda m: m.chat_id == 2 and bool(m.buttons))
        telegram.user_presses(2, menu, "m:boundaries:")
        await telegram.wait_for(lambda m: m.chat_id == 2 and "不侵害他人合法权益" in m.plain)
        assert "setMyCommands" in telegram.calls and "getMe" in telegram.calls
        assert telegram.api.refusals == []
    finally:
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert TOKEN not in log  # the token never reaches the logs
    assert "Traceback" not in log
