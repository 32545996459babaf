"""Superior and social supervision: statistics, exports, chart, public digest and `audit verify`.

One realistic March 2026 in two units (东区, 西区), built through FilingService with a manual
clock: decisions of all three outcomes over several weeks, an information round-trip, a
withdrawal, a late decision, an overdue request, feedback, and a look-back that confirms one
decision and corrects another with a clearing note.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.i18n import Catalogue
from bot.runtime.cli import COMMANDS, run_for_tests
from bot.runtime.cli import parser as build_parser
from bot.supervision.chart import decisions_chart
from bot.supervision.digest import digest, public_text
from bot.supervision.exports import COLUMNS, export_rows, write_csv, write_xlsx
from bot.supervision.stats import compute_stats, stats_text
from bot.transport.telegram_rules import parse_html
from storage.sqlite.storage import SqliteStorage
from tests.support.march import CAL, ID_NUMBER, MARCH, NOW, PHONE, SECRET_TEXT, Scenario, run_command
from tests.support.world import (
    ADMIN,
    CADRE_A,
    CADRE_A2,
    CADRE_B,
    SUP_A1,
    SUP_A2,
    SUP_B,
)

PNG = b"\x89PNG\r\n\x1a\n"
NAMES = ("张三", "李四", "王五", "赵主任", "钱书记", "孙主任", "管理员")
IDS = (CADRE_A, CADRE_A2, CADRE_B, SUP_A1, SUP_A2, SUP_B, ADMIN)


async def _stats(sc: Scenario, **kwargs):
    args = {**MARCH, "unit_ids": None, "calendar": CAL, "now": NOW, **kwargs}
    return await compute_stats(sc.world.storage, **args)


R5_WORKDAYS = round(15 + 25 / 24, 2)  # Mon 9 March 09:00 → Tue 31 March 10:00
R5_DAYS = round(22 + 1 / 24, 2)


async def test_stats_totals(scenario: Scenario) -> None:
    stats = await _stats(scenario)
    t = stats.total
    assert t.requests == 7
    assert t.requests_by_state == {
        "submitted": 1,
        "decided_tolerated": 1,
        "decided_partial": 1,
        "decided_not_tolerated": 1,
        "confirmed": 1,
        "corrected": 1,
        "withdrawn": 1,
    }
    # The outcome that stands: r3 was corrected from not tolerated to tolerated.
    assert t.decided == 5
    assert t.by_outcome == {"tolerated": 3, "partially_tolerated": 1, "not_tolerated": 1}
    # Working days [1, 2, 3, 4, 16.04]; calendar days [2, 3, 3, 4, 22.04].
    assert (t.median_workdays, t.p90_workdays) == (3.0, R5_WORKDAYS)
    assert (t.median_days, t.p90_days) == (3.0, R5_DAYS)
    assert t.overdue_now == 1 and t.decided_late == 1
    assert (t.lookback_reviewed, t.lookback_corrected, t.correction_rate) == (2, 1, 0.5)
    assert t.feedback == 2 and t.feedback_by_state == {"submitted": 1, "answered": 1}
    assert list(stats.weekly) == ["2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14"]
    assert stats.weekly["2026-W10"] == {"tolerated": 1, "partially_tolerated": 1, "not_tolerated": 0}
    assert stats.weekly["2026-W11"] == {"tolerated": 2, "partially_tolerated": 0, "not_tolerated": 0}
    assert stats.weekly["2026-W12"] == stats.weekly["2026-W13"] == {o: 0 for o in t.by_outcome}
    assert stats.weekly["2026-W14"] == {"tolerated": 0, "partially_tolerated": 0, "not_tolerated": 1}


async def test_stats_per_unit_and_unit_filter(scenario: Scenario) -> None:
    stats = await _stats(scenario)
    east, west = ({u.unit: u for u in stats.units}[name] for name in ("东区", "西区"))
    assert [u.unit for u in stats.units] == ["东区", "西区"]
    assert (east.requests, east.decided, east.feedback) == (5, 4, 1)
    assert east.by_outcome == {"tolerated": 2, "partially_tolerated": 1, "not_tolerated": 1}
    assert (east.median_workdays, east.p90_workdays) == (3.5, R5_WORKDAYS)  # [2, 3, 4, 16.04]
    assert (east.median_days, east.p90_days) == (3.5, R5_DAYS)
    assert (east.overdue_now, east.decided_late) == (0, 1)
    assert (east.lookback_reviewed, east.lookback_corrected, east.correction_rate) == (1, 0, 0.0)
    assert west.requests_by_state == {"submitted": 1, "corrected": 1}
    assert west.by_outcome == {"tolerated": 1, "partially_tolerated": 0, "not_tolerated": 0}
    assert (west.median_workdays, west.median_days, west.p90_days) == (1.0, 3.0, 3.0)
    assert (west.overdue_now, west.decided_late, west.correction_rate) == (1, 0, 1.0)

    only_east = await _stats(scenario, unit_ids=[scenario.east])
    assert [u.unit for u in only_east.units] == ["东区"] and only_east.unit_ids == [scenario.east]
    assert only_east.total.model_dump(exclude={"unit_id", "unit"}) == east.model_dump(exclude={"unit_id", "unit"})
    assert (await _stats(scenario, unit_ids=[])).total.requests == 0


async def test_stats_period_filter(scenario: Scenario) -> None:
    week = await _stats(scenario, start=date(2026, 3, 9), end=date(2026, 3, 13))
    # Created that week: r4, r5, r7; decided that week: r3 (Mon 09:00) and r4.
    assert week.total.requests == 3 and week.total.decided == 2
    assert week.total.by_outcome == {"tolerated": 2, "partially_tolerated": 0, "not_tolerated": 0}
    assert week.total.median_workdays == 2.0 and week.total.lookback_reviewed == 0
    assert list(week.weekly) == ["2026-W11"]
    april = await _stats(scenario, start=date(2026, 4, 1), end=None)
    assert april.empty and april.total.median_workdays is None
    with pytest.raises(ValueError):
        await _stats(scenario, start=date(2026, 3, 31), end=date(2026, 3, 1))


async def test_stats_text_is_short_valid_html_in_both_locales(scenario: Scenario) -> None:
    stats = await _stats(scenario)
    catalogue = Catalogue()
    zh = stats_text(stats, catalogue, "zh")
    en = stats_text(stats, catalogue, "en")
    for text in (zh, en):
        parse_html(text)
        assert len(text) < 1500
    assert "2026-03-01 至 2026-03-31" in zh and "容错申请 7 件" in zh and "东区" in zh and "纠错率 50%" in zh
    assert "Decided 5: tolerated 3 · partially tolerated 1 · not tolerated 1" in en
    assert "median 3 working days (3 days), p90 16 working days (22 days)" in en
    assert "Overdue now 1 · decided late 1" in en
    east = stats_text(await _stats(scenario, unit_ids=[scenario.east]), catalogue, "en")
    assert "<b>▪ 东区</b>" in east and "All units" not in east and east.count("Tolerance requests") == 1
    empty = stats_text(await _stats(scenario, start=date(2026, 4, 1), end=date(2026, 4, 30)), catalogue, "en")
    assert "No data in the selected range." in empty


async def test_exports_csv_and_xlsx(scenario: Scenario, tmp_path: Path) -> None:
    rows = await export_rows(scenario.world.storage, unit_ids=None, calendar=CAL, now=NOW, **MARCH)
    refs = scenario.refs
    assert len(rows.requests) == 7 and len(rows.feedback) == 2
    by_ref = {r["ref"]: r for r in rows.all()}
    r1, r3, r5, r6 = (by_ref[refs[n]] for n in ("r1", "r3", "r5", "r6"))
    assert (r1["cited_cases"], r1["attachments"], r1["consent_public"], r1["cadre_telegram_id"]) == (2, 1, 1, CADRE_A)
    assert (r1["workdays_to_decision"], r1["state"], r1["unit"]) == (2.0, "confirmed", "东区")
    assert (r3["outcome"], r3["original_outcome"], r3["days_to_decision"]) == ("tolerated", "not_tolerated", 3.0)
    assert r3["corrected_at"] == "2026-03-17T01:00:00.000Z"
    assert (r5["decided_late"], r5["workdays_to_decision"]) == (1, R5_WORKDAYS)
    assert (r6["overdue"], r6["decided_at"], r6["accepted_at"]) == (1, "", "")
    # No free text in the internal export either.
    assert not any("暴雨" in str(v) or "李四" in str(v) for r in rows.all() for v in r.values())

    csv_path = write_csv(rows, tmp_path / "out" / "report.csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == list(COLUMNS) and len(table) == 1 + 9
    row = dict(zip(table[0], next(r for r in table if r[0] == refs["r2"]), strict=True))
    assert (row["outcome"], row["unit"], row["kind"], row["workdays_to_decision"]) == (
        "partially_tolerated",
        "东区",
        "request",
        "4.0",
    )
    assert {r[1] for r in table[1:]} == {"request", "feedback"}

    xlsx_path = write_xlsx(rows, tmp_path / "report.xlsx")
    book = load_workbook(xlsx_path)
    # For people, in Chinese: sheet names, headers and values from the catalogue, Beijing time.
    assert book.sheetnames == ["容错申请", "借调干部反馈", "事前事中报备"]
    sheet = book["容错申请"]
    zh = Catalogue("zh")
    assert [c.value for c in sheet[1]] == [zh.raw("zh", f"exports.column.{c}") for c in COLUMNS]
    assert sheet.cell(1, 1).value == "编号"
    assert sheet.max_row == 1 + 7
    col = {name: i + 1 for i, name in enumerate(COLUMNS)}
    line = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, col["ref"]).value == refs["r5"])
    assert sheet.cell(line, col["outcome"]).value == "不予容错"
    assert sheet.cell(line, col["decided_late"]).value == "是"
    assert sheet.cell(line, col["kind"]).value == "容错申请"
    assert sheet.cell(line, col["cadre_telegram_id"]).value == CADRE_A2
    assert sheet.cell(line, col["workdays_to_decision"]).value == R5_WORKDAYS
    r5 = next(r for r in rows.requests if r["ref"] == refs["r5"])
    utc = datetime.fromisoformat(r5["created_at"])
    beijing = (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert sheet.cell(line, col["created_at"]).value == beijing  # local, minutes, no offset
    texts = [str(c.value) for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert not any(t in ("decided_partial", "not_tolerated", "request") or "+00:00" in t for t in texts)
    feedback = book["借调干部反馈"]
    assert feedback.max_row == 1 + 2 and feedback.cell(2, col["ref"]).value == refs["fb1"]
    assert feedback.cell(2, col["state"]).value == zh.raw("zh", "filing.state.answered")
    assert feedback.cell(2, col["decided_at"]).value
    english = load_workbook(write_xlsx(rows, tmp_path / "en.xlsx", locale="en"))
    assert english.sheetnames == ["Requests", "Feedback", "Pre-registrations"]
    assert english["Requests"].cell(1, 1).value == "Reference"


async def test_export_neutralises_formulas(tmp_path: Path) -> None:
    rows = [{"ref": "RC-1", "kind": "request", "unit": '=HYPERLINK("http://x")', "outcome": "tolerated"}]
    table = list(csv.reader(write_csv(rows, tmp_path / "x.csv").open(encoding="utf-8-sig")))
    assert table[1][2].startswith("'=")
    sheet = load_workbook(write_xlsx(rows, tmp_path / "x.xlsx"))["容错申请"]
    assert sheet.cell(2, 3).value.startswith("'=") and sheet.cell(2, 3).data_type == "s"


async def test_chart_with_data_and_without(scenario: Scenario, tmp_path: Path) -> None:
    stats = await _stats(scenario)
    for source, name in (
        (stats, "stats.png"),
        (await export_rows(scenario.world.storage, unit_ids=None, calendar=CAL, now=NOW, **MARCH), "rows.png"),
    ):
        path = decisions_chart(source, tmp_path / name)
        data = path.read_bytes()
        assert data.startswith(PNG) and len(data) > 1000
    empty_storage = await SqliteStorage.open(tmp_path / "empty.sqlite3")
    try:
        empty = await compute_stats(empty_storage, start=None, end=None, unit_ids=None, calendar=CAL, now=NOW)
    finally:
        await empty_storage.close()
    assert empty.empty and empty.weekly == {}
    for source in (empty, []):
        data = decisions_chart(source, tmp_path / "empty.png").read_bytes()
        assert data.startswith(PNG) and len(data) > 1000


def _has_number(text: str, number: int | str) -> bool:
    return re.search(rf"(?<!\d){number}(?!\d)", text) is not None


async def test_digest_is_anonymised(scenario: Scenario) -> None:
    text = await digest(scenario.world.storage, calendar=CAL, now=NOW, **MARCH)
    assert text.startswith("# 容错纠错工作公开通报（2026-03-01 至 2026-03-31）") and "cadrebot" in text
    assert "共作出容错认定 5 件" in text and "予以容错 3 件" in text
    assert "| 东区 | 2 | 1 | 1 | 4 |" in text and "| 其他单位 | 1 | 0 | 0 | 1 |" in text  # 西区: 1 decision
    assert "回头看复查 2 件，维持原结论 1 件，纠正 1 件" in text
    assert "原认定“不予容错”，经回头看复查纠正为“予以容错”" in text
    assert "系为群众利益紧急处置，原认定有误，予以澄清正名" in text  # the clearing note, anonymised
    assert "举报不实，特此澄清" in text  # the clearing note of an untrue report
    assert "在暴雨夜紧急采购抽水泵" in text  # the consenting cadre's description
    assert SECRET_TEXT[:6] not in text and "未经比价直接购买" not in text  # nobody else's
    for name in NAMES:
        assert name not in text, name
    for number in (*IDS, PHONE, ID_NUMBER, "139 1234 5678"):
        assert not _has_number(text, number), number
    for ref in scenario.refs.values():
        assert ref not in text
    assert "telegram_id" not in text


async def test_digest_period_without_decisions(scenario: Scenario) -> None:
    text = await digest(scenario.world.storage, start=date(2026, 4, 1), end=date(2026, 4, 30), calendar=CAL, now=NOW)
    assert "本期没有作出容错认定" in text and "本期没有经本人同意公开的情况摘要" in text
    assert "暴雨" not in text and "澄清" not in text.split("## 二")[1].split("## 三")[0].replace("澄清正名", "")


def test_public_text() -> None:
    text = "张三电话+86 138-1234-5678，座机010-12345678，身份证11010119900307123X，邮箱a.b@example.cn，tg 5551234567。"
    out = public_text(text, ["张三", "李"])
    assert "张三" not in out and "张某" in out
    assert not re.search(r"\d{5,}", out.replace("-", "")) and "@" not in out
    assert public_text("第一行\n# 第二行 | *强调*") == "第一行 \\# 第二行 \\| \\*强调\\*"
    assert public_text("很长" * 100, limit=10).endswith("…")


# ---- the command line ------------------------------------------------------------------------------


def _settings(path: Path, locale: str = "en") -> SimpleNamespace:
    return SimpleNamespace(db_path=path, locale=locale)


async def test_cli_report_writes_files(scenario: Scenario, tmp_path: Path, capsys) -> None:
    settings = _settings(scenario.world.path)
    out = tmp_path / "exports"
    code = await run_command(
        settings,
        "report",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--unit",
        "东区",
        "--xlsx",
        str(out / "r.xlsx"),
        "--csv",
        str(out / "r.csv"),
        "--chart",
        str(out / "r.png"),
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.out.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["total"]["decided"] == 4 and summary["unit_ids"] == [scenario.east]
    assert set(summary["files"]) == {"xlsx", "csv", "chart"}
    assert "<b>" not in captured.out and "Tolerance requests 5" in captured.out
    assert (out / "r.png").read_bytes().startswith(PNG)
    assert (
        load_workbook(out / "r.xlsx")["Requests"].max_row == 1 + 5
    )  # created or decided in March; the sheet in the deployment locale
    audit = await scenario.world.storage.audit.all()
    assert audit[-1].action == "report.export"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("report", "--from", "2026-13-01"), "--from '2026-13-01' is not a date"),
        (("report", "--from", "2026-03-31", "--to", "2026-03-01"), "is before --from"),
        (("report", "--unit", "北区"), "unknown unit '北区'"),
        (("report", "--chart", "x.jpg"), "must end in .png"),
        (("digest", "--to", "yesterday"), "--to 'yesterday' is not a date"),
    ],
)
async def test_cli_bad_arguments(tmp_path: Path, capsys, argv, message) -> None:
    await (await SqliteStorage.open(tmp_path / "db.sqlite3")).close()
    code = await run_command(_settings(tmp_path / "db.sqlite3"), *argv)
    err = capsys.readouterr().err
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


async def test_cli_digest(scenario: Scenario, tmp_path: Path, capsys) -> None:
    out = tmp_path / "digest.md"
    code = await run_command(
        _settings(scenario.world.path), "digest", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out)
    )
    assert code == 0 and "public digest written" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "共作出容错认定 5 件" in text and "张三" not in text
    assert await run_command(_settings(scenario.world.path), "digest") == 0
    assert capsys.readouterr().out.startswith("# 容错纠错工作公开通报（全部时间）")


async def test_cli_audit_verify(scenario: Scenario, capsys) -> None:
    settings = _settings(scenario.world.path)
    db = scenario.world.storage.db
    count = len(await scenario.world.storage.audit.all())
    assert count > 20
    assert await run_command(settings, "audit", "verify") == 0
    assert capsys.readouterr().out.strip() == f"audit chain OK: {count} entries, signatures and anchor verified"

    await db.execute("DROP TRIGGER audit_no_update")
    await db.execute('UPDATE audit_log SET payload = \'{"outcome": "tolerated"}\' WHERE id = 7')
    assert await run_command(settings, "audit", "verify") == 1
    out = capsys.readouterr().out
    assert "entry 7: edited" in out and "entry 8" not in out


async def test_cli_audit_verify_detects_a_deleted_entry(scenario: Scenario, capsys) -> None:
    db = scenario.world.storage.db
    await db.execute("DROP TRIGGER audit_no_delete")
    await db.execute("DELETE FROM audit_log WHERE id = 5")
    assert await run_command(_settings(scenario.world.path), "audit", "verify") == 1
    out = capsys.readouterr().out
    assert "entry 6: id_gap" in out and "entry 6: broken_link" in out


def test_cli_parsers_plug_into_a_parent_parser() -> None:
    parser = build_parser()
    args = parser.parse_args(["report", "--from", "2026-03-01", "--unit", "东区", "--xlsx", "a.xlsx"])
    assert (args.command, args.date_from, args.date_to, args.unit, args.xlsx) == (
        "report",
        "2026-03-01",
        None,
        "东区",
        Path("a.xlsx"),
    )
    assert parser.parse_args(["audit", "verify"]).action == "verify"
    assert parser.parse_args(["digest", "--out", "d.md"]).out == Path("d.md")
    assert {"report", "digest", "audit"} <= set(COMMANDS)
    assert datetime.now(UTC) - timedelta(days=1) < datetime.now(UTC)  # no clock needed by the parser


@pytest.mark.parametrize("argv", [("report",), ("digest",), ("audit", "verify")])
async def test_cli_refuses_a_missing_database(tmp_path: Path, capsys, argv) -> None:
    missing = tmp_path / "nowhere" / "db.sqlite3"
    assert await run_command(_settings(missing), *argv) == 1
    assert f"no database at {missing}" in capsys.readouterr().err
    assert not missing.exists()  # reading never creates an empty database


def test_main_for_tests_on_a_fresh_database(tmp_path: Path, capsys) -> None:
    path = tmp_path / "fresh.sqlite3"

    async def create() -> None:
        storage = await SqliteStorage.open(path)
        await storage.audit.append(None, "test.entry", "x", {})
        await storage.close()

    asyncio.run(create())
    assert run_for_tests(["audit", "verify"], _settings(path)) == 0
    assert capsys.readouterr().out.strip() == "audit chain OK: 1 entries, signatures and anchor verified"
    assert run_for_tests(["report", "--chart", str(tmp_path / "c.png")], _settings(path, "zh")) == 0
    out = capsys.readouterr().out
    assert "所选范围内没有数据。" in out and json.loads(out.strip().splitlines()[-1])["total"]["decided"] == 0
    assert (tmp_path / "c.png").read_bytes().startswith(PNG)


@hsettings(max_examples=60, deadline=None)
@given(
    before=st.text(
        alphabet="的是在有人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经",
        max_size=20,
    ),
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    id_body=st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True),
    sep=st.sampled_from(["", " ", "-"]),
)
def test_public_text_hides_any_mobile_and_id_number(before: str, mobile: str, id_body: str, sep: str) -> None:
    spaced = f"{mobile[:3]}{sep}{mobile[3:7]}{sep}{mobile[7:]}"
    out = public_text(f"{before}电话{spaced}，证件{id_body}。{before}")
    assert mobile not in out.replace(" ", "").replace("-", "") and id_body not in out
    assert out.count("〔电话〕") == 1 and out.count("〔证件号〕") == 1
