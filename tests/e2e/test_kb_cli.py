"""cadrebot kb …: validate, import with diff, history, rollback, export — and the running bot picks it up."""

from __future__ import annotations

import json
from pathlib import Path

from bot.kb.admin import KbAdmin, KbAdminError
from bot.kb.service import KnowledgeService
from storage.sqlite.storage import SqliteStorage
from tests.support.cli import cadrebot_here
from tests.support.paths import DATA


def test_validate_reports_file_id_field_problem(tmp_path: Path) -> None:
    cases = json.loads((DATA / "dev_cases.json").read_text(encoding="utf-8"))
    cases["cases"][4]["keywords"] = ["一", "二"]
    del cases["cases"][5]["causes"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    result = cadrebot_here(tmp_path, "kb", "validate", str(bad))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert f"bad.json: {cases['cases'][4]['id']}: keywords: List should have at least 3 items" in lines
    assert any(line.startswith(f"bad.json: {cases['cases'][5]['id']}: causes: ") for line in lines)
    assert "Traceback" not in result.stderr
    ok = cadrebot_here(tmp_path, "kb", "validate", str(DATA / "dev_cases.json"))
    assert ok.returncode == 0 and "40 entries" in ok.stdout


def test_import_export_history_rollback(tmp_path: Path) -> None:
    imported = cadrebot_here(tmp_path, "kb", "import", str(DATA / "dev_cases.json"), "--yes")
    assert imported.returncode == 0, imported.stderr
    assert "+ D001" in imported.stdout and "applied as version 2" in imported.stdout
    refused = cadrebot_here(tmp_path, "kb", "import", str(DATA / "dev_cases.json"))
    assert "no changes" in refused.stdout

    out = tmp_path / "export.json"
    assert cadrebot_here(tmp_path, "kb", "export", str(out)).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads((DATA / "dev_cases.json").read_text("utf-8"))
    folder = tmp_path / "kb-v1"
    assert cadrebot_here(tmp_path, "kb", "export", str(folder), "--version", "1").returncode == 0
    assert sorted(p.name for p in folder.iterdir()) == ["articles.yaml", "cases.json", "faq.yaml", "selfcheck.yaml"]

    history = cadrebot_here(tmp_path, "kb", "history").stdout.splitlines()
    assert [line.split("\t")[0] for line in history] == ["2", "1"]
    rolled = cadrebot_here(tmp_path, "kb", "rollback", "1")
    assert "version 3" in rolled.stdout
    assert "no such" not in rolled.stderr
    missing = cadrebot_here(tmp_path, "kb", "rollback", "99")
    assert missing.returncode == 1 and "99" in missing.stderr and "Traceback" not in missing.stderr


def test_unconfirmed_import_changes_nothing(tmp_path: Path) -> None:
    result = cadrebot_here(tmp_path, "kb", "import", str(DATA / "dev_cases.json"))  # stdin is not a terminal
    assert result.returncode == 1 and "not applied" in result.stdout
    assert cadrebot_here(tmp_path, "kb", "history").stdout.count("\n") == 1


async def test_running_bot_picks_up_a_version_from_another_process(tmp_path: Path, knowledge) -> None:
    db_path = tmp_path / "shared.sqlite3"
    bot_storage = await SqliteStorage.open(db_path)
    bot_side = KbAdmin(bot_storage, KnowledgeService(knowledge.current))
    await bot_side.load_current()
    result = cadrebot_here(
        tmp_path, "kb", "import", str(DATA / "dev_cases.json"), "--yes", CADREBOT_DB_PATH=str(db_path)
    )
    assert result.returncode == 0, result.stderr
    assert await bot_side.refresh() is True
    assert bot_side.knowledge.current.kb.case("D001") is not None
    assert await bot_side.refresh() is False
    await bot_storage.close()


def test_validate_refuses_what_an_upload_refuses(tmp_path: Path) -> None:
    """A FAQ pointing at an article the knowledge base does not have: the upload refuses it, and so does validate."""
    from knowledge.loader import load_bundled

    kb = load_bundled()
    entry = kb.faq[0].model_dump()
    entry["articles"] = [*entry["articles"], "A-no-such-article"]
    faq = tmp_path / "faq.yaml"
    import yaml

    faq.write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
    result = cadrebot_here(tmp_path, "kb", "validate", str(faq))
    assert result.returncode == 1, result.stdout
    assert f"faq.yaml: {entry['id']}: articles[{len(entry['articles']) - 1}]: unknown article A-no-such-article" in (
        result.stderr
    )
    assert not (tmp_path / "cli.sqlite3").exists()  # validating creates no database

    async def upload() -> str:
        storage = await SqliteStorage.open(tmp_path / "upload.sqlite3")
        try:
            admin = KbAdmin(storage, KnowledgeService.bundled())
            await admin.load_current()
            try:
                await admin.stage_upload(1, "faq.yaml", faq.read_bytes())
            except KbAdminError as exc:
                return "\n".join(exc.problems)
            return ""
        finally:
            await storage.close()

    import asyncio

    assert asyncio.run(upload()) in result.stderr  # the very same lines
    entry["articles"] = entry["articles"][:-1]
    faq.write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
    ok = cadrebot_here(tmp_path, "kb", "validate", str(faq))
    assert ok.returncode == 0 and "faq, 1 entries, all valid" in ok.stdout
