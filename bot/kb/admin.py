"""Admins change the knowledge base: validate, show the diff, apply atomically as a new version.

Every applied change (and every rollback) is a new row in ``kb_versions`` with who, when and a
comment; the matcher for it is built off the event loop and swapped in whole.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from bot.kb.service import KnowledgeService
from knowledge import loader
from knowledge.models import KnowledgeBase
from storage.protocols import Storage
from storage.records import KbVersion

Section = Literal["articles", "faq", "cases", "selfcheck"]
SECTIONS: tuple[Section, ...] = ("articles", "faq", "cases", "selfcheck")
FILES: dict[Section, str] = {
    "articles": loader.ARTICLES_FILE,
    "faq": loader.FAQ_FILE,
    "cases": loader.CASES_FILE,
    "selfcheck": loader.SELFCHECK_FILE,
}
EDITABLE_FIELDS: dict[Section, tuple[str, ...]] = {
    "articles": ("title", "summary", "body"),
    "faq": ("question", "answer"),
    "cases": ("title", "background", "error_elements", "causes", "handling", "measures", "lessons"),
}


# The history comments the bot writes itself, each shown from the catalogue (kbadmin.comments.*)
# in the reader's language; a comment an admin typed (cadrebot kb import --comment) is shown as typed.
_COMMENTS = (
    ("bundled", re.compile(r"bundled content")),
    ("edit", re.compile(r"edit (?P<id>\S+)\.(?P<field>\w+)")),
    ("upload", re.compile(r"upload (?P<file>.+)")),
    ("case", re.compile(r"case from (?P<ref>\S+)")),
    ("rollback", re.compile(r"rollback to version (?P<version>\d+)")),
)


def comment_key(comment: str) -> tuple[str, dict[str, str]] | None:
    """A comment the bot wrote, as (catalogue key under kbadmin.comments, values); None for any other."""
    for key, pattern in _COMMENTS:
        if match := pattern.fullmatch(comment):
            return key, match.groupdict()
    return None


class KbAdminError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class KbStateError(Exception):
    """A refused action on a version or staged change; ``key`` names the catalogue message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class SectionDiff:
    section: Section
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def diff(old: KnowledgeBase, new: KnowledgeBase) -> list[SectionDiff]:
    result = []
    for section in SECTIONS:
        if section == "selfcheck":
            before = {f"q:{q.id}": q for q in old.selfcheck.questions} | {f"r:{r.id}": r for r in old.selfcheck.rules}
            after = {f"q:{q.id}": q for q in new.selfcheck.questions} | {f"r:{r.id}": r for r in new.selfcheck.rules}
        else:
            before = {e.id: e for e in getattr(old, section)}
            after = {e.id: e for e in getattr(new, section)}
        changed = {
            key: [
                name
                for name in type(after[key]).model_fields
                if getattr(after[key], name) != getattr(before[key], name)
            ]
            for key in after.keys() & before.keys()
            if after[key] != before[key]
        }
        result.append(
            SectionDiff(
                section,
                sorted(after.keys() - before.keys()),
                dict(sorted(changed.items())),
                sorted(before.keys() - after.keys()),
            )
        )
    return [d for d in result if not d.empty]


def parse_upload(filename: str, data: bytes, max_bytes: int) -> tuple[Section, Any]:
    """Validate one uploaded knowledge file; the section is told by its name or its shape."""
    if len(data) > max_bytes:
        raise KbAdminError([f"{filename}: -: -: file is larger than {max_bytes // 1_000_000} MB"])
    section = _section_of(filename, data)
    loaders = {
        "articles": loader.load_articles,
        "faq": loader.load_faq,
        "cases": loader.load_case_file,
        "selfcheck": loader.load_selfcheck,
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / _temp_name(filename, section)
        path.write_bytes(data)
        try:
            return section, loaders[section](path, max_bytes)
        except loader.KnowledgeError as exc:
            raise KbAdminError(exc.problems) from None


def _temp_name(filename: str, section: Section) -> str:
    """The uploaded name when the file system can hold it; "..", NUL or 300 bytes cannot be a file name."""
    name = Path(filename).name
    if name in ("", ".", "..") or "\x00" in name or len(name.encode("utf-8", errors="replace")) > 200:
        return FILES[section]
    return name


def _section_of(filename: str, data: bytes) -> Section:
    name = Path(filename).name.lower()
    for section, file in FILES.items():
        if name == file or name.startswith(section):
            return section
    if name.endswith(".json"):
        return "cases"
    head = data[:4000].decode("utf-8", errors="ignore")
    if "questions:" in head and "rules:" in head:
        return "selfcheck"
    if "question:" in head:
        return "faq"
    if "topic:" in head:
        return "articles"
    raise KbAdminError(
        [f"{filename}: -: -: unknown knowledge file; name it articles.yaml, faq.yaml, cases.json or selfcheck.yaml"]
    )


def replace(kb: KnowledgeBase, section: Section, value: Any) -> KnowledgeBase:
    """The knowledge base with one section replaced, with every cross-reference re-checked."""
    parts = {s: getattr(kb, s) for s in SECTIONS}
    parts[section] = value
    problems = loader.check_references(parts["articles"], parts["faq"], parts["selfcheck"])
    if problems:
        raise KbAdminError(problems)
    try:
        return KnowledgeBase(**parts)
    except ValidationError as exc:
        raise KbAdminError([f"knowledge base: -: -: {e['msg']}" for e in exc.errors()]) from None


def edit(kb: KnowledgeBase, entry_id: str, field_name: str, value: str) -> KnowledgeBase:
    for section, fields in EDITABLE_FIELDS.items():
        entries: list[BaseModel] = list(getattr(kb, section))
        for index, entry in enumerate(entries):
            if entry.id != entry_id:  # type: ignore[attr-defined]
                continue
            if field_name not in fields:
                raise KbAdminError([f"{FILES[section]}: {entry_id}: {field_name}: this field cannot be edited in chat"])
            try:
                entries[index] = type(entry).model_validate({**entry.model_dump(), field_name: value})
            except ValidationError as exc:
                raise KbAdminError(
                    [f"{FILES[section]}: {entry_id}: {field_name}: {e['msg']}" for e in exc.errors()]
                ) from None
            return replace(kb, section, entries)
    raise KbAdminError([f"-: {entry_id}: -: no article, FAQ entry or case has this id"])


def find_entry(kb: KnowledgeBase, entry_id: str) -> tuple[Section, BaseModel] | None:
    for section in EDITABLE_FIELDS:
        for entry in getattr(kb, section):
            if entry.id == entry_id:
                return section, entry
    return None


class KbAdmin:
    def __init__(self, storage: Storage, knowledge: KnowledgeService, max_bytes: int = 5_000_000) -> None:
        self.storage = storage
        self.knowledge = knowledge
        self.max_bytes = max_bytes

    async def load_current(self) -> None:
        """At start: the latest stored version is what cadres see; a new database records the bundled one."""
        latest = await self.storage.kb_versions.latest()
        current = self.knowledge.current
        if latest is None:
            version = await self.storage.kb_versions.add(current.kb.model_dump_json(), None, "bundled content")
            await self.knowledge.swap(current.kb, version.id, rebuild=False)
            return
        kb = KnowledgeBase.model_validate_json(latest.content)
        await self.knowledge.swap(kb, latest.id, rebuild=kb != current.kb)

    async def refresh(self) -> bool:
        """Pick up a version applied by another process (``cadrebot kb import``); True if it changed."""
        latest = await self.storage.kb_versions.latest_id()
        if latest is None or latest == self.knowledge.current.version:
            return False
        await self.load_current()
        return True

    async def stage(self, author: int, new_kb: KnowledgeBase, comment: str) -> tuple[int, list[SectionDiff]]:
        current = self.knowledge.current
        changes = diff(current.kb, new_kb)
        staged_id = await self.storage.kb_versions.stage(author, current.version, new_kb.model_dump_json(), comment)
        return staged_id, changes

    async def stage_upload(self, author: int, filename: str, data: bytes) -> tuple[int, list[SectionDiff]]:
        section, value = parse_upload(filename, data, self.max_bytes)
        return await self.stage(author, replace(self.knowledge.current.kb, section, value), f"upload {filename}")

    async def apply(self, staged_id: int, author: int) -> KbVersion:
        staged = await self.storage.kb_versions.staged(staged_id)
        if staged is None or staged.applied_version is not None or staged.discarded:
            raise KbStateError("kbadmin.gone")
        if staged.base_version != self.knowledge.current.version:
            raise KbStateError("kbadmin.stale_base")
        kb = KnowledgeBase.model_validate_json(staged.content)
        async with self.storage.transaction():
            version = await self.storage.kb_versions.add(staged.content, author, staged.comment)
            if not await self.storage.kb_versions.close_staged(staged_id, version.id):
                raise KbStateError("kbadmin.gone")
            await self.storage.audit.append(
                author, "kb.apply", str(version.id), {"staged": staged_id, "comment": staged.comment}
            )
        await self.knowledge.swap(kb, version.id)
        return version

    async def discard(self, staged_id: int) -> bool:
        return await self.storage.kb_versions.close_staged(staged_id, None)

    async def history(self, limit: int = 20) -> list[KbVersion]:
        return await self.storage.kb_versions.history(limit)

    async def rollback(self, version_id: int, author: int | None) -> KbVersion:
        old = await self.storage.kb_versions.get(version_id)
        if old is None:
            raise KbStateError("kbadmin.no_version", id=version_id)
        kb = KnowledgeBase.model_validate_json(old.content)
        async with self.storage.transaction():
            version = await self.storage.kb_versions.add(old.content, author, f"rollback to version {version_id}")
            await self.storage.audit.append(author, "kb.rollback", str(version.id), {"to": version_id})
        await self.knowledge.swap(kb, version.id)
        return version

    async def version_kb(self, version_id: int | None) -> KnowledgeBase:
        if version_id is None:
            return self.knowledge.current.kb
        stored = await self.storage.kb_versions.get(version_id)
        if stored is None:
            raise KbStateError("kbadmin.no_version", id=version_id)
        return KnowledgeBase.model_validate_json(stored.content)


def export(kb: KnowledgeBase, directory: Path) -> list[Path]:
    """Write a knowledge base as the four editable files (lossless: they load back equal)."""
    directory.mkdir(parents=True, exist_ok=True)
    loader.dump_articles(kb.articles, directory / loader.ARTICLES_FILE)
    loader.dump_faq(kb.faq, directory / loader.FAQ_FILE)
    loader.dump_case_file(kb.cases, directory / loader.CASES_FILE)
    loader.dump_selfcheck(kb.selfcheck, directory / loader.SELFCHECK_FILE)
    return [directory / FILES[s] for s in SECTIONS]
