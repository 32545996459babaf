"""Filed, decided, published: personal data never reaches the public digest or a /draftcase draft.

A cadre whose Telegram display name (小明同学) is not their real name (王建国, typed only in the
request) files a tolerance request through the real bot, with phone numbers, an ID number, a
Telegram id, @username and t.me link, an address, a licence plate and third parties' names in it,
some written with spaces, Chinese numerals or zero-width joiners; a supervisor decides it with a
reason that names people too; then the digest is generated and the admin drafts a guiding case.
Units with fewer decisions than ``CADREBOT_DIGEST_MIN_UNIT_DECISIONS`` are merged into 其他单位.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.runtime.local_chat import LocalChat
from bot.supervision.anonymise import normalise
from bot.supervision.digest import digest
from tests.support.flows import ADMIN, register, texts
from tests.support.march import CAL, MARCH, NOW, run_command

CADRE, SUP = 2, 3

ANSWERS = [
    "暴雨夜社区连夜组织转移。本人王建国，网格员。居民李秀英家中进水，家住中山路88号3单元501室，"
    "电话 138 1234 5678，身份证110101 19900307 002X，车牌京A·12345挡住通道，"
    "TG 5551 2345 67，@wang_jg，t.me/wang_jg，备用电话一三九一二三四五六七八，"
    "1\u200d3\u200d7\u200d0\u200d0\u200d0\u200d0\u200d1\u200d1\u200d1\u200d1。",
    "3月5日晚，中山路88号",
    "多花了约两千元，店主陈静说可以退款，邮箱 wjg@example.cn",
    "居民张秀兰（电话0571-8888 6666）家里进水，老人行动不便",
    "已补签合同。我叫王建国，微信号：wangjg_88",
]
REASON = "王建国同志出于公心应急采购，无利益输送，予以容错。小明同学联系电话 138-1234-5678。"
NAMES = ("王建国", "建国", "李秀英", "张秀兰", "陈静", "小明同学", "赵德胜")
NUMBERS = ("13812345678", "13912345678", "13700001111", "110101", "002X", "12345", "5551234567", "88886666", "501")
OTHER = ("wang_jg", "t.me", "example.cn", "wangjg_88", "中山路88号", "京A")


def _leaks(text: str) -> list[str]:
    seen = normalise(text)
    flat = re.sub(r"[\s.\-·]", "", seen)
    flat = flat.translate(str.maketrans("零一二三四五六七八九", "0123456789"))
    return [p for p in (*NAMES, *OTHER) if p in seen] + [n for n in NUMBERS if n in flat]


async def _file_with_consent(chat: LocalChat) -> str:
    replies = await chat.send(CADRE, "/apply")
    for answer in ANSWERS:
        replies = await chat.send(CADRE, answer)
    replies = await chat.press_label(CADRE, replies[-1], "完成")  # no evidence files
    replies = await chat.press_label(CADRE, replies[-1], "完成")  # no cited cases
    consent = next(data for label, data in replies[-1].buttons if label == "同意")
    preview = await chat.press(CADRE, replies[-1], consent)
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    return re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE)).group(0)


async def test_filed_decided_published_without_personal_data(chat: LocalChat) -> None:
    chat.names.update({CADRE: "小明同学", SUP: "赵德胜"})
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUP, "supervisor", "甲社区")
    ref = await _file_with_consent(chat)
    view = await chat.send(SUP, f"/view {ref}")
    await chat.press(SUP, view[0], f"sv:acc:{ref}")
    start = await chat.press(SUP, view[0], f"sv:dec:{ref}")
    form = await chat.press(SUP, start[-1], "dc:o:tolerated")
    await chat.press(SUP, form[-1], "dc:ok:")
    decided = await chat.send(SUP, REASON)
    assert "已对" in texts(decided, SUP)

    public = await digest(chat.services.storage, start=None, end=None)
    assert "暴雨夜社区连夜组织转移" in public and "本人王某" in public  # the consented summary, anonymised
    assert "其他单位" in public and "甲社区" not in public  # one decision: the unit is not named
    assert _leaks(public) == [], public

    draft = texts(await chat.send(ADMIN, f"/draftcase {ref}"))
    assert "案例草稿" in draft and "王某" in draft and "李某" in draft and "〔电话〕" in draft
    assert "老人行动不便" in draft and "社区连夜组织转移" in draft
    keywords = next(line for line in draft.splitlines() if line.startswith("关键词"))
    assert "某" not in keywords and "〔" not in keywords, keywords  # pseudonyms and placeholders are no keywords
    assert _leaks(draft) == [], draft


async def test_small_units_are_merged_into_other_units(scenario) -> None:
    storage = scenario.world.storage
    text = await digest(storage, calendar=CAL, now=NOW, **MARCH)
    assert "| 东区 | 2 | 1 | 1 | 4 |" in text and "| 其他单位 | 1 | 0 | 0 | 1 |" in text
    assert "西区" not in text  # neither in the table nor in the look-back correction line
    assert "其他单位：原认定“不予容错”，经回头看复查纠正为“予以容错”" in text

    every = await digest(storage, calendar=CAL, now=NOW, min_unit_decisions=1, **MARCH)
    assert "| 西区 | 1 | 0 | 0 | 1 |" in every and "其他单位" not in every

    none = await digest(storage, calendar=CAL, now=NOW, min_unit_decisions=5, **MARCH)
    assert "| 其他单位 | 3 | 1 | 1 | 5 |" in none and "东区" not in none and "西区" not in none


async def test_cli_digest_uses_the_setting(scenario, capsys) -> None:
    settings = SimpleNamespace(db_path=scenario.world.path, locale="zh", digest_min_unit_decisions=1)
    assert await run_command(settings, "digest", "--from", "2026-03-01", "--to", "2026-03-31") == 0
    assert "| 西区 | 1 | 0 | 0 | 1 |" in capsys.readouterr().out
    settings = SimpleNamespace(db_path=scenario.world.path, locale="zh")  # the default: 3
    assert await run_command(settings, "digest", "--from", "2026-03-01", "--to", "2026-03-31") == 0
    out = capsys.readouterr().out
    assert "| 其他单位 | 1 | 0 | 0 | 1 |" in out and "西区" not in out


def test_setting_default_and_bounds() -> None:
    assert Settings(_env_file=None).digest_min_unit_decisions == 3  # type: ignore[call-arg]
    assert load_settings(_env_file=None, digest_min_unit_decisions="5").digest_min_unit_decisions == 5
    with pytest.raises(ConfigError, match="CADREBOT_DIGEST_MIN_UNIT_DECISIONS"):
        load_settings(_env_file=None, digest_min_unit_decisions=0)
