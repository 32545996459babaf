"""The cadrebot command as a user runs it: piped console, users, db, and bad configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import cadrebot, cadrebot_here


@pytest.mark.parametrize("command", [["console"], ["run"]])
def test_piped_console_prints_the_menu(tmp_path: Path, command: list[str]) -> None:
    result = cadrebot(tmp_path, *command, stdin="/start\n/help\n")
    assert result.returncode == 0, result.stderr
    assert "容错纠错助手" in result.stdout
    assert "[1] " in result.stdout  # buttons are numbered
    assert "Traceback" not in result.stderr


def test_console_buttons_users_and_roles(tmp_path: Path) -> None:
    added = cadrebot(tmp_path, "users", "add", "--telegram-id", "7", "--role", "admin")
    assert added.returncode == 0, added.stderr
    script = "/as 7\n/invite\n1\n示例社区\n/as 8\n/help\n"
    result = cadrebot_here(tmp_path, "console", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "邀请码已生成" in result.stdout
    code = next(
        line.strip()
        for line in result.stdout.splitlines()
        if line.startswith("  ") and line.strip().isascii() and len(line.strip()) == 12
    )
    result = cadrebot_here(tmp_path, "console", "--as", "8", stdin=f"/start {code}\n")
    assert "注册成功" in result.stdout
    listing = cadrebot(tmp_path, "users", "list")
    assert "8\tcadre\t示例社区\tactive" in listing.stdout


def test_users_cli_invite_and_refusals(tmp_path: Path) -> None:
    invite = cadrebot(tmp_path, "users", "invite", "--role", "supervisor", "--unit", "甲街道")
    assert invite.returncode == 0 and "/start " in invite.stdout
    missing_unit = cadrebot(tmp_path, "users", "add", "--telegram-id", "3", "--role", "cadre")
    assert missing_unit.returncode == 1 and "单位" in missing_unit.stderr
    assert "Traceback" not in missing_unit.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    first = cadrebot(tmp_path, "db", "upgrade")
    second = cadrebot(tmp_path, "db", "upgrade")
    assert first.returncode == 0 and second.returncode == 0
    assert "already current" in second.stdout
    assert first.stdout.splitlines()[-1] == second.stdout.splitlines()[-1]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CADREBOT_LOCALE", "fr"),
        ("CADREBOT_ADMIN_IDS", "1,abc"),
        ("CADREBOT_PERSISTENCE_INTERVAL_S", "-1"),
        ("CADREBOT_LOG_LEVEL", "LOUD"),
    ],
)
def test_wrong_setting_stops_with_one_line_naming_it(tmp_path: Path, name: str, value: str) -> None:
    result = cadrebot(tmp_path, "db", "version", **{name: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0]


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CADREBOT_LOCALE=en\n", encoding="utf-8")
    result = cadrebot_here(tmp_path, "console", stdin="/start\n")
    assert "fault-tolerance assistant" in result.stdout


def test_demo_console_files_a_preregistration_end_to_end(tmp_path: Path) -> None:
    script = "/report\n紧急租用抽水泵\n暴雨积水进楼\n约三千元\n!4\n"
    result = cadrebot(tmp_path, "console", "--demo", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "请核对您的报备" in result.stdout
    assert "[4] 📨 确认提交" in result.stdout
    assert "bot → 2:" in result.stdout and "紧急租用抽水泵" in result.stdout.split("bot → 2:")[1]
    assert "PR-" in result.stdout
    assert "Warning" not in result.stderr
