"""Load, check and export the knowledge base (articles, FAQ, guiding cases, self-check).

Every problem found in an admin-edited file is reported as one line of the form::

    file: entry id: field: problem

for example ``cases.json: G007: keywords: List should have at least 3 items``.  ``-`` stands
for "no entry" / "no field" when the problem concerns the whole file (bad JSON, not UTF-8,
file too big ...).  An entry whose id is missing or malformed is named by its position,
``#3`` for the third entry of the file.  All problems of a file (and, for
:func:`load_directory`, of all four files) are collected before :class:`KnowledgeError` is
raised, so an admin can fix everything in one go.  No traceback and no raw pydantic dump
ever leaves this module: callers only need to show ``KnowledgeError.problems``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from knowledge.models import (
    CaseFile,
    FaqEntry,
    GuidingCase,
    KnowledgeBase,
    PolicyArticle,
    SelfCheck,
    SelfCheckQuestion,
    SelfCheckRule,
)

__all__ = [
    "ARTICLES_FILE",
    "CASES_FILE",
    "CONTENT_DIR",
    "DEFAULT_MAX_BYTES",
    "FAQ_FILE",
    "SELFCHECK_FILE",
    "KnowledgeError",
    "check_references",
    "dump_articles",
    "dump_case_file",
    "dump_faq",
    "dump_selfcheck",
    "load_articles",
    "load_bundled",
    "load_case_file",
    "load_directory",
    "load_faq",
    "load_selfcheck",
]

CONTENT_DIR = Path(__file__).parent / "content"
ARTICLES_FILE = "articles.yaml"
FAQ_FILE = "faq.yaml"
CASES_FILE = "cases.json"
SELFCHECK_FILE = "selfcheck.yaml"
DEFAULT_MAX_BYTES = 5_000_000

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
M = TypeVar("M", bound=BaseModel)


class KnowledgeError(Exception):
    """One or more problems in knowledge files; ``problems`` holds ready-to-show lines."""

    def __init__(self, problems: Iterable[str] | str) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


# --------------------------------------------------------------------------- helpers


def _line(file: str, entry: str, field: str, problem: str) -> str:
    problem = " ".join(str(problem).split())  # one physical line, whatever the message
    return f"{file}: {entry}: {field}: {problem}"


def _label(raw: Any, index: int, prefix: str = "") -> str:
    """How an entry is named in problem lines: its id when usable, else ``#<position>``
    (``rules#2`` in the self-check file, which has two lists)."""
    if isinstance(raw, dict):
        ident = raw.get("id")
        if isinstance(ident, str) and _ID_RE.match(ident):
            return ident
    return f"{prefix}#{index + 1}"


def _field(loc: Sequence[int | str]) -> str:
    """``('boundaries', 'law')`` -> ``boundaries.law``; ``('keywords', 2)`` -> ``keywords[2]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "-"


def _message(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    kind = error.get("type")
    if kind in ("too_short", "too_long") and isinstance(ctx, dict):
        # pydantic says "... at least 3 items after validation, not 2"; keep the useful part
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        if isinstance(limit, int):
            what = ctx.get("field_type", "List")
            word = "at least" if kind == "too_short" else "at most"
            return f"{what} should have {word} {limit} item{'' if limit == 1 else 's'}"
    if kind == "string_pattern_mismatch" and isinstance(ctx, dict) and ctx.get("pattern") == _ID_RE.pattern:
        return "must be 1 to 32 characters, only letters, digits, - and _"
    msg = str(error.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def _translate(file: str, entry: str, exc: ValidationError, loc_prefix: int = 0) -> list[str]:
    """Pydantic errors -> problem lines; ``loc_prefix`` leading loc items are dropped."""
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple(error.get("loc", ()))[loc_prefix:]
        lines.append(_line(file, entry, _field(loc), _message(error)))
    return lines


def _read_text(path: Path, max_bytes: int) -> str:
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise KnowledgeError([_line(name, "-", "-", "file not found")]) from None
    except OSError as exc:
        raise KnowledgeError([_line(name, "-", "-", f"cannot read file ({exc.strerror or 'OS error'})")]) from None
    if size > max_bytes:
        raise KnowledgeError([_line(name, "-", "-", f"file is too big ({size} bytes, limit {max_bytes} bytes)")])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError([_line(name, "-", "-", f"cannot read file ({exc.strerror or 'OS error'})")]) from None
    if len(data) > max_bytes:  # the file grew between stat and read
        raise KnowledgeError([_line(name, "-", "-", f"file is too big ({len(data)} bytes, limit {max_bytes} bytes)")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise KnowledgeError(
            [_line(name, "-", "-", f"file is not valid UTF-8 (byte 0x{bad} at line {line}, offset {exc.start})")]
        ) from None
    return text.removeprefix("\ufeff")


def _check_text(file: str, entry: str, raw: Any, problems: list[str]) -> bool:
    """Reject what the models cannot hold or write back: strings with lone surrogates (from
    JSON ``\\ud800`` escapes) and YAML anchors that make an entry contain itself.  Shared
    (aliased) parts are visited once, so alias bombs cost no more than the file's size."""
    ok = True
    seen: set[int] = set()
    stack: list[tuple[str, Any, tuple[int, ...]]] = [("-", raw, ())]
    while stack:
        field, value, ancestors = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                problems.append(_line(file, entry, field, "contains an invalid character (lone surrogate)"))
                ok = False
            continue
        if not isinstance(value, dict | list):
            continue
        if id(value) in ancestors:
            problems.append(_line(file, entry, field, "refers to itself (YAML anchor loop)"))
            ok = False
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        inner = (*ancestors, id(value))
        if isinstance(value, dict):
            children = [(str(k) if field == "-" else f"{field}.{k}", item, inner) for k, item in value.items()]
        else:
            children = [(f"{field}[{i}]", item, inner) for i, item in enumerate(value)]
        stack.extend(reversed(children))
    return ok


def _validate_entries(
    file: str, raw_entries: list[Any], model: type[M], problems: list[str], prefix: str = ""
) -> list[M]:
    """Validate each entry on its own so that every bad entry is reported, then check ids."""
    valid: list[M] = []
    first_seen: dict[str, int] = {}
    for index, raw in enumerate(raw_entries):
        entry = _label(raw, index, prefix)
        if not isinstance(raw, dict):
            problems.append(_line(file, entry, "-", f"expected an object with fields, got {_kind(raw)}"))
            continue
        if not _check_text(file, entry, raw, problems):
            continue
        try:
            item = model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_translate(file, entry, exc))
            item = None
        ident = raw.get("id")
        if isinstance(ident, str) and _ID_RE.match(ident):
            if ident in first_seen:
                problems.append(
                    _line(file, ident, "id", f"duplicate id (already used by entry #{first_seen[ident] + 1})")
                )
                continue
            first_seen[ident] = index
        if item is not None:
            valid.append(item)
    return valid


def _short(exc: Exception) -> str:
    text = str(exc)
    if "Exceeds the limit" in text and "digits" in text:
        return "a number has too many digits"
    return text[:200]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)  # fmt: skip


# ------------------------------------------------------------------------------ YAML


class _YamlLoader(yaml.SafeLoader):
    """Safe loader where only ``true``/``false`` are booleans (``yes``/``no``/``on`` stay text)
    and duplicate keys are an error instead of silently overwriting."""


_YamlLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _YamlLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_YamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _YamlDumper(yaml.SafeDumper):
    """Readable dumps: multi-line texts as ``|`` blocks (PyYAML falls back to quoting when a
    block cannot represent the text exactly)."""


def _needs_escapes(value: str) -> bool:
    """Characters YAML would fold, normalise or reject unless written as escapes."""
    for ch in value:
        if ch in "\r\x85\u2028\u2029\ufeff\x7f" or (ch < " " and ch not in "\n\t") or "\x80" <= ch < "\xa0":
            return True
        if "\ud800" <= ch <= "\udfff" or ch in "\ufffe\uffff":
            return True
    return False


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _needs_escapes(value):
        style: str | None = '"'  # double quotes are the only style with escapes
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_YamlDumper.add_representer(str, _represent_str)


def _parse_yaml(path: Path, max_bytes: int) -> Any:
    text = _read_text(path, max_bytes)
    try:
        return yaml.load(text, Loader=_YamlLoader)  # safe loader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "syntax error"
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise KnowledgeError([_line(path.name, "-", "-", f"invalid YAML{where}: {problem}")]) from None
    except RecursionError:
        raise KnowledgeError([_line(path.name, "-", "-", "invalid YAML: nested too deeply")]) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. huge numbers, odd timestamps
        raise KnowledgeError([_line(path.name, "-", "-", f"invalid YAML: {_short(exc)}")]) from None


def _dump_yaml(data: Any, path: Path) -> None:
    text = yaml.dump(data, Dumper=_YamlDumper, allow_unicode=True, sort_keys=False, width=1000)
    _write_atomic(path, text)


def _write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------- cases


def load_case_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[GuidingCase]:
    """Read a guiding-case file in the interchange format (``CASE_FORMAT.md``)."""
    path = Path(path)
    name = path.name
    text = _read_text(path, max_bytes)
    if not text.strip():
        raise KnowledgeError([_line(name, "-", "-", "file is empty")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KnowledgeError(
            [_line(name, "-", "-", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")]
        ) from None
    except RecursionError:
        raise KnowledgeError([_line(name, "-", "-", "invalid JSON: nested too deeply")]) from None
    except ValueError as exc:  # e.g. a number with more digits than Python converts
        raise KnowledgeError([_line(name, "-", "-", f"invalid JSON: {_short(exc)}")]) from None
    if not isinstance(data, dict):
        raise KnowledgeError([_line(name, "-", "-", f'expected an object {{"cases": [...]}}, got {_kind(data)}')])
    problems: list[str] = []
    for key in data:
        if key != "cases":
            problems.append(_line(name, "-", str(key), "Extra inputs are not permitted"))
    if "cases" not in data:
        problems.append(_line(name, "-", "cases", "Field required"))
        raise KnowledgeError(problems)
    raw_cases = data["cases"]
    if not isinstance(raw_cases, list):
        problems.append(_line(name, "-", "cases", f"expected a list of cases, got {_kind(raw_cases)}"))
        raise KnowledgeError(problems)
    cases = _validate_entries(name, raw_cases, GuidingCase, problems)
    if problems:
        raise KnowledgeError(problems)
    try:  # the model's own file-level checks, should they ever grow
        return list(CaseFile(cases=cases).cases)
    except ValidationError as exc:
        raise KnowledgeError(_translate(name, "-", exc)) from None


def dump_case_file(cases: Iterable[GuidingCase], path: Path) -> None:
    """Write cases in the interchange format: UTF-8, ``ensure_ascii=False``, indent 2,
    fields in the order of ``CASE_FORMAT.md``."""
    payload = {"cases": [case.model_dump(mode="json") for case in cases]}
    _write_atomic(Path(path), json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


# -------------------------------------------------------------------- articles & FAQ


def _load_list(path: Path, model: type[M], max_bytes: int) -> list[M]:
    path = Path(path)
    data = _parse_yaml(path, max_bytes)
    if data is None:
        data = []
    if not isinstance(data, list):
        raise KnowledgeError([_line(path.name, "-", "-", f"expected a list of entries, got {_kind(data)}")])
    problems: list[str] = []
    items = _validate_entries(path.name, data, model, problems)
    if problems:
        raise KnowledgeError(problems)
    return items


def load_articles(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[PolicyArticle]:
    """Read ``articles.yaml``: a YAML list of :class:`PolicyArticle`."""
    return _load_list(path, PolicyArticle, max_bytes)


def load_faq(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[FaqEntry]:
    """Read ``faq.yaml``: a YAML list of :class:`FaqEntry`."""
    return _load_list(path, FaqEntry, max_bytes)


def dump_articles(articles: Iterable[PolicyArticle], path: Path) -> None:
    _dump_yaml([a.model_dump(mode="json") for a in articles], Path(path))


def dump_faq(entries: Iterable[FaqEntry], path: Path) -> None:
    _dump_yaml([e.model_dump(mode="json") for e in entries], Path(path))


# ------------------------------------------------------------------------- self-check


def load_selfcheck(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SelfCheck:
    """Read ``selfcheck.yaml``: a mapping with ``questions`` and ``rules``.

    Besides the model's own checks: question and rule ids are unique, and every rule only
    names questions that exist.
    """
    path = Path(path)
    name = path.name
    data = _parse_yaml(path, max_bytes)
    if not isinstance(data, dict):
        raise KnowledgeError([_line(name, "-", "-", f"expected a mapping with questions and rules, got {_kind(data)}")])
    problems: list[str] = []
    for key in data:
        if key not in ("questions", "rules"):
            problems.append(_line(name, "-", str(key), "Extra inputs are not permitted"))
    parts: dict[str, list[Any]] = {}
    for key, model in (("questions", SelfCheckQuestion), ("rules", SelfCheckRule)):
        raw = data.get(key)
        if key not in data:
            problems.append(_line(name, "-", key, "Field required"))
        elif not isinstance(raw, list):
            problems.append(_line(name, "-", key, f"expected a list, got {_kind(raw)}"))
        elif not raw:
            problems.append(_line(name, "-", key, "List should have at least 1 item"))
        else:
            parts[key] = _validate_entries(name, raw, model, problems, key)
    raw_questions = data.get("questions")
    question_ids = {
        q["id"]
        for q in (raw_questions if isinstance(raw_questions, list) else [])
        if isinstance(q, dict) and isinstance(q.get("id"), str)
    }
    if "questions" in parts and isinstance(data.get("rules"), list):
        for index, raw in enumerate(data["rules"]):
            when = raw.get("when") if isinstance(raw, dict) else None
            if isinstance(when, dict):
                for qid in when:
                    if isinstance(qid, str) and _ID_RE.match(qid) and qid not in question_ids:
                        problems.append(
                            _line(name, _label(raw, index, "rules"), f"when.{qid}", f"unknown question {qid}")
                        )
    if problems:
        raise KnowledgeError(problems)
    try:
        return SelfCheck(questions=parts["questions"], rules=parts["rules"])
    except ValidationError as exc:
        raise KnowledgeError(_translate(name, "-", exc)) from None


def dump_selfcheck(selfcheck: SelfCheck, path: Path) -> None:
    _dump_yaml(selfcheck.model_dump(mode="json"), Path(path))


# -------------------------------------------------------------------- whole knowledge base


def check_references(
    articles: Sequence[PolicyArticle] | None,
    faq: Sequence[FaqEntry] | None,
    selfcheck: SelfCheck | None,
) -> list[str]:
    """Cross-file problems (links to articles that do not exist), as problem lines.

    ``None`` means that part failed to load; checks needing it are skipped.
    """
    problems: list[str] = []
    if articles is None:
        return problems
    article_ids = {a.id for a in articles}
    for entry in faq or ():
        for index, ref in enumerate(entry.articles):
            if ref not in article_ids:
                problems.append(_line(FAQ_FILE, entry.id, f"articles[{index}]", f"unknown article {ref}"))
    if selfcheck is not None:
        for question in selfcheck.questions:
            if question.article not in article_ids:
                problems.append(_line(SELFCHECK_FILE, question.id, "article", f"unknown article {question.article}"))
        for rule in selfcheck.rules:
            if rule.article not in article_ids:
                problems.append(_line(SELFCHECK_FILE, rule.id, "article", f"unknown article {rule.article}"))
    return problems


def load_directory(directory: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> KnowledgeBase:
    """Load ``articles.yaml``, ``faq.yaml``, ``cases.json`` and ``selfcheck.yaml`` from a
    directory into one checked :class:`KnowledgeBase`; all problems of all files at once."""
    directory = Path(directory)
    problems: list[str] = []

    def attempt(loader: Callable[[Path, int], Any], file: str) -> Any:
        try:
            return loader(directory / file, max_bytes)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            return None

    articles = attempt(load_articles, ARTICLES_FILE)
    faq = attempt(load_faq, FAQ_FILE)
    cases = attempt(load_case_file, CASES_FILE)
    selfcheck = attempt(load_selfcheck, SELFCHECK_FILE)
    problems.extend(check_references(articles, faq, selfcheck))
    if problems:
        raise KnowledgeError(problems)
    try:
        return KnowledgeBase(articles=articles, faq=faq, cases=cases, selfcheck=selfcheck)
    except ValidationError as exc:  # should be unreachable after the checks above
        raise KnowledgeError(_translate("knowledge base", "-", exc)) from None


def load_bundled() -> KnowledgeBase:
    """The knowledge base shipped with the package (``knowledge/content/``)."""
    return load_directory(CONTENT_DIR)
