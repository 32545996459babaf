"""The console as a demo: buttons on earlier messages, /ask beside /as, and files the bot sends on disk."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.runtime.console import Console
from bot.runtime.local_chat import LocalChat
from tests.support.cli import cadrebot

CADRE, SUPERVISOR = 3, 2
UNIT = "示例街道示例社区"
REQUEST = [
    "/apply",
    "封控当晚没走招标，直接找附近超市订了一千份蔬菜包",
    "3月5日晚，某小区",
    "多花了约两千元",
    "居民第二天就要断菜",
    "已补签合同并验收入账",
]


class Typist:
    """Types into a console and reads back what it printed since the last line."""

    def __init__(self, chat: LocalChat, files: Path) -> None:
        self.out = io.StringIO()
        self.console = Console(chat, CADRE, self.out, files)

    async def __call__(self, *lines: str) -> str:
        start = self.out.tell()
        for line in lines:
            await self.console.handle(line + "\n")
        return self.out.getvalue()[start:]


def _number_of(printed: str, text: str) -> int:
    """The console number of the last message showing ``text``."""
    blocks = re.split(r"^#(\d+) bot", printed, flags=re.M)
    return int(next(blocks[i] for i in range(len(blocks) - 2, 0, -2) if text in blocks[i + 1]))


async def test_supervisor_presses_an_earlier_keyboard_asks_and_saves_files(chat: LocalChat, tmp_path: Path) -> None:
    await chat.services.users.add(SUPERVISOR, "supervisor", UNIT, display_name="监督审核人")
    await chat.services.users.add(CADRE, "cadre", UNIT, display_name="社区干部", seconded=True)
    files = tmp_path / "console-files"
    type_ = Typist(chat, files)

    # The cadre files a request: the last keyboard is pressed by its button number alone.
    await type_(*REQUEST, "1", "6", "2")
    submitted = await type_("11")
    ref = re.search(r"RC-\d{4}-\d{6}", submitted).group(0)

    # The supervisor's /view ends on its action keyboard; an earlier one is pressed by message number.
    await type_(f"/as {SUPERVISOR}")
    view = await type_(f"/view {ref}")
    actions = _number_of(view, "办理操作")
    related = _number_of(view, "可参考的指导性案例")
    assert related < actions and not view.rsplit(f"#{actions} bot", 1)[1].count("#")  # the actions come last
    case = await type_(f"!{related}.1")
    assert "详情" not in case and "据此申请" not in case and "引用此案例" not in case, case
    accepted = await type_(f"!{actions}.1")
    assert "已受理" in accepted, accepted

    # A message of another chat, a message that was never shown, a button that is not there.
    assert "in user 3's chat" in await type_("!1.1")
    assert "no message #999" in await type_("!999.1")
    assert "no such button" in await type_(f"!{actions}.9")

    # /ask is the bot's command, not the console's /as.
    answer = await type_("/ask 容错申请怎么提交")
    assert "usage /as" not in answer and "1个工作日内" in answer
    assert type_.console.user_id == SUPERVISOR

    # The export and the chart are written to the folder, and the console names the paths.
    stats = await type_("/stats")
    menu = _number_of(stats, "统计")
    export = await type_(f"!{menu}.1")
    chart = await type_(f"!{menu}.2")
    saved = [Path(p) for p in re.findall(r"saved to (\S+)\]", export + chart)]
    assert [p.suffix for p in saved] == [".xlsx", ".png"], export + chart
    assert saved[0].read_bytes().startswith(b"PK") and saved[1].read_bytes().startswith(b"\x89PNG")
    assert all(p.parent == files.resolve() for p in saved)


def test_piped_console_saves_files_beside_the_database(tmp_path: Path) -> None:
    result = cadrebot(tmp_path, "console", "--demo", stdin=f"/as {SUPERVISOR}\n/stats\n!1.1\n")
    assert result.returncode == 0, result.stderr
    path = Path(re.search(r"saved to (\S+\.xlsx)\]", result.stdout).group(1))
    assert path.parent == (tmp_path / "console-files").resolve()
    assert path.read_bytes().startswith(b"PK")
