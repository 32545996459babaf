"""``cadrebot kb validate|import|export|history|rollback``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.runtime.cli.common import Handler, catalogue_text
from storage.timestamps import stamp


def add_parsers(sub: Any) -> None:
    kb = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="action", required=True)
    kb.add_parser("validate", help="check a knowledge file (cases .json, articles/faq/selfcheck .yaml)").add_argument(
        "file", type=Path
    )
    kb_import = kb.add_parser("import", help="validate a knowledge file, show the diff, apply it as a new version")
    kb_import.add_argument("file", type=Path)
    kb_import.add_argument("--yes", action="store_true", help="apply without asking")
    kb_import.add_argument("--comment", default="", help="why (kept in the history)")
    kb_export = kb.add_parser("export", help="write a version: a .json path gets the guiding cases, a folder all files")
    kb_export.add_argument("path", type=Path)
    kb_export.add_argument("--version", type=int, help="version to export (default: current)")
    kb.add_parser("history", help="list knowledge-base versions")
    kb.add_parser("rollback", help="make an old version current again (as a new version)").add_argument(
        "version", type=int
    )


async def _kb(settings: Settings, args: argparse.Namespace) -> int:
    from bot.kb import admin as kb_admin
    from bot.kb.admin import KbAdmin, KbAdminError, KbStateError
    from bot.kb.service import KnowledgeService
    from bot.storage_access import open_storage
    from knowledge.loader import dump_case_file

    max_bytes = settings.max_kb_file_mb * 1_000_000
    if args.action == "validate":
        return await _validate(settings, args.file, max_bytes)
    storage = await open_storage(settings)
    try:
        admin = KbAdmin(storage, KnowledgeService.bundled(), max_bytes)
        await admin.load_current()
        if args.action == "history":
            for version in await admin.history(1000):
                print(f"{version.id}\t{stamp(version.created_at)}\t{version.author or '-'}\t{version.comment}")
        elif args.action == "rollback":
            version = await admin.rollback(args.version, None)
            print(f"version {version.id}: content of version {args.version}")
        elif args.action == "export":
            kb = await admin.version_kb(args.version)
            if args.path.suffix.lower() == ".json":
                dump_case_file(kb.cases, args.path)
                print(f"{args.path}: {len(kb.cases)} cases")
            else:
                for path in kb_admin.export(kb, args.path):
                    print(path)
        elif args.action == "import":
            return await _kb_import(admin, args)
    except KbAdminError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except KbStateError as exc:
        print(f"cadrebot: {catalogue_text(settings, exc.key, exc.values)}", file=sys.stderr)
        return 1
    finally:
        await storage.close()
    return 0


async def _validate(settings: Settings, file: Path, max_bytes: int) -> int:
    """The upload's own checks: the file alone, then the knowledge base it would join (cross-references)."""
    from bot.kb import admin as kb_admin
    from bot.kb.admin import KbAdminError

    try:
        data = await asyncio.to_thread(file.read_bytes)
        section, value = kb_admin.parse_upload(file.name, data, max_bytes)
        kb_admin.replace(await _current_kb(settings), section, value)
    except OSError as exc:
        print(f"{file}: -: -: {exc.strerror}", file=sys.stderr)
        return 1
    except KbAdminError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    count = len(value.questions) if section == "selfcheck" else len(value)
    print(f"{file}: {section}, {count} entries, all valid")
    return 0


def _has_database(settings: Settings) -> bool:
    return str(settings.db_path) != ":memory:" and Path(settings.db_path).is_file()


async def _current_kb(settings: Settings) -> Any:
    """The knowledge base an upload would change now: the database's latest version, else the bundled one
    (validating writes nothing and never creates a database)."""
    from bot.storage_access import open_storage
    from knowledge.loader import load_bundled
    from knowledge.models import KnowledgeBase

    if _has_database(settings):
        storage = await open_storage(settings)
        try:
            latest = await storage.kb_versions.latest()
        finally:
            await storage.close()
        if latest is not None:
            return KnowledgeBase.model_validate_json(latest.content)
    return load_bundled()


async def _kb_import(admin: Any, args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"{args.file}: -: -: {exc.strerror}", file=sys.stderr)
        return 1
    staged_id, changes = await admin.stage_upload(0, args.file.name, data)
    if not changes:
        await admin.discard(staged_id)
        print("no changes: the file is identical to the current knowledge base")
        return 0
    for change in changes:
        print(f"{change.section}: +{len(change.added)} ~{len(change.changed)} -{len(change.removed)}")
        for entry_id in change.added:
            print(f"  + {entry_id}")
        for entry_id, fields in change.changed.items():
            print(f"  ~ {entry_id}: {', '.join(fields)}")
        for entry_id in change.removed:
            print(f"  - {entry_id}")
    if not args.yes:
        answer = (await asyncio.to_thread(input, "apply? [y/N] ")).strip().lower() if sys.stdin.isatty() else ""
        if answer not in ("y", "yes"):
            await admin.discard(staged_id)
            print("not applied (use --yes to apply without asking)")
            return 1
    version = await admin.apply(staged_id, 0)
    print(f"applied as version {version.id}")
    return 0


COMMANDS: dict[str, Handler] = {"kb": _kb}
