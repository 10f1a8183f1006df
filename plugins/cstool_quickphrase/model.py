"""The quick-phrase knowledge base as plain data: entries, replies, synonyms.

A phrases file (``<kb>/phrases/*.yaml``, one topic per file)::

    topic: 议价
    entries:
      - id: bargain.compare          # stable, dotted, unique in the KB
        title: 对比型：别家更便宜
        stage: bargain               # chat-flow stage (a key of kb.yaml `stages`); default: the id's prefix
        tags: [议价, 比价]
        shortcut: yj2                # optional code an agent types
        keywords: [比价, 别家]        # optional agent keywords (indexed with pinyin)
        questions: [别家才卖 59, 人家比你便宜]
        replies:
          - 亲，{shop} 的价格是……          # a plain reply
          - steps:                         # a multi-step script
              - 亲，我去帮您问问主管，请稍等~
              - wait: 2-3分钟
              - 主管说价格改不了，不过给您申请了一份小礼物~

Loading collects every problem with ``file:line`` (for ``kb lint``) or raises
the first one as :class:`BadInput` (strict); :func:`load_searchable` keeps the
entries that load cleanly (search survives one broken file).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from cstool.errors import BadInput
from cstool.kb import KnowledgeBase

from .kbfiles import SYNONYMS_FILE, phrase_files
from .replies import Reply, Step

ID_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
ENTRY_FIELDS = {"id", "title", "stage", "tags", "shortcut", "keywords", "questions", "replies", "note"}


# Records are NamedTuples, not dataclasses: a dataclass costs ~0.6 ms to create on start (its
# methods are generated code), a NamedTuple ~0.1.


class Entry(NamedTuple):
    id: str
    title: str
    stage: str
    replies: tuple[Reply, ...]
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    shortcut: str = ""
    path: Path | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.path else self.id


class Problem(NamedTuple):
    """A lint finding (or load error) with its place in a file."""

    level: str  # "error" | "warning"
    code: str
    message: str
    path: Path | None = None
    line: int | None = None
    entry: str = ""

    @property
    def where(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)


class Phrasebook:
    """Everything ``search`` needs from a KB."""

    def __init__(
        self,
        entries: list[Entry] | None = None,
        synonyms: list[tuple[str, ...]] | None = None,
        problems: list[Problem] | None = None,
    ):
        self.entries = entries if entries is not None else []
        self.synonyms = synonyms if synonyms is not None else []
        self.problems = problems if problems is not None else []

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}


def load_phrasebook(kb: KnowledgeBase, *, strict: bool = True, with_lines: bool = False) -> Phrasebook:
    """Load every entry and the synonyms.

    ``strict``: raise the first error as ``BadInput`` (a search must not run on
    a broken KB silently); otherwise collect problems and keep the good entries.
    A clean KB is read with the fast C parser; only when something is wrong is
    it read again with line numbers, so every problem names its ``file:line``.
    ``with_lines`` always keeps line numbers (for ``kb lint``).
    """
    book = _read_phrasebook(kb, fast=not with_lines)
    if book.problems and not with_lines:
        book = _read_phrasebook(kb, fast=False)
    if strict:
        errors = [p for p in book.problems if p.level == "error"]
        if errors:
            first = errors[0]
            more = f"（另有 {len(errors) - 1} 处错误，运行 cstool kb lint 查看）" if len(errors) > 1 else ""
            raise BadInput(first.message + more, path=first.path, line=first.line)
        if not book.entries:
            raise BadInput("知识库里没有任何快捷短语（phrases/ 下没有条目）", path=kb.phrases_dir)
    return book


def load_searchable(kb: KnowledgeBase) -> Phrasebook:
    """What search can answer from: every entry that loads cleanly.

    A file that does not parse, or an entry that does not validate, is left
    out (``book.problems`` keeps why); the rest stays searchable. Raises
    ``BadInput`` only when nothing is left to answer from.
    """
    book = load_phrasebook(kb, strict=False)
    errors = [p for p in book.problems if p.level == "error"]
    broken = {(p.path, p.entry) for p in errors if p.entry and p.code != "duplicate-id"}
    if broken:
        book.entries = [e for e in book.entries if (e.path, e.id) not in broken]
    if not book.entries:
        if errors:
            first = errors[0]
            more = f"（另有 {len(errors) - 1} 处错误，运行 cstool kb lint 查看）" if len(errors) > 1 else ""
            raise BadInput(first.message + more, path=first.path, line=first.line)
        raise BadInput("知识库里没有任何快捷短语（phrases/ 下没有条目）", path=kb.phrases_dir)
    return book


def skipped_problems(kb: KnowledgeBase, book: Phrasebook) -> list[dict[str, Any]]:
    """The errors search worked around, as plain data for the index's meta: ``[{file, line, message}]``
    (``file`` relative to the KB folder)."""
    return [
        {"file": relative_to_kb(kb, p.path) if p.path else "", "line": p.line, "message": p.message}
        for p in book.problems
        if p.level == "error"
    ]


def relative_to_kb(kb: KnowledgeBase, path: Path | str) -> str:
    """``phrases/ship.yaml`` for a file inside the KB folder, else the path as given."""
    try:
        return Path(path).resolve().relative_to(Path(kb.root).resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _read_phrasebook(kb: KnowledgeBase, *, fast: bool) -> Phrasebook:
    book = Phrasebook()
    loaded: list[tuple[Entry, int]] = []  # (entry, its file's mtime)
    for path in phrase_files(kb):
        try:
            entries = list(_load_file(path, book.problems, fast=fast))
        except BadInput as exc:
            book.problems.append(Problem("error", "yaml", exc.message, Path(exc.path or path), exc.line))
            continue
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            mtime = 0
        loaded.extend((entry, mtime) for entry in entries)
    blamed = _later_duplicates(kb, loaded, book.problems)
    book.entries = [entry for entry, _ in loaded if id(entry) not in blamed]
    book.synonyms = load_synonyms(kb, book.problems)
    return book


def _later_duplicates(
    kb: KnowledgeBase, loaded: list[tuple[Entry, int]], problems: list[Problem]
) -> set[int]:
    """For an id used twice, blame the *later* one: the one just added, not the older one.

    Later means further down in the same file, or in the file changed more
    recently (the one a person just edited); equal times fall back to KB order.
    Returns the ``id()`` of every blamed entry.
    """
    by_id: dict[str, list[tuple[int, int, Entry]]] = {}
    for order, (entry, mtime) in enumerate(loaded):
        by_id.setdefault(entry.id, []).append((mtime, order, entry))
    blamed: set[int] = set()
    for group in by_id.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda item: (item[0], item[1]))
        keeper = group[0][2]
        first = f"{relative_to_kb(kb, keeper.path)}:{keeper.line}" if keeper.path else keeper.id
        for _, _, entry in group[1:]:
            blamed.add(id(entry))
            problems.append(
                Problem(
                    "error",
                    "duplicate-id",
                    f"id 重复：{entry.id}（已在 {first} 用过）",
                    entry.path,
                    entry.line,
                    entry.id,
                )
            )
    return blamed


def _load_file(path: Path, problems: list[Problem], *, fast: bool = False) -> Iterable[Entry]:
    from cstool import yamlio

    data = yamlio.load_fast(path) if fast else yamlio.load(path)
    if data is None:
        problems.append(Problem("warning", "empty-file", "文件是空的", path, 1))
        return
    raw_entries: Any = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(raw_entries, list):
        problems.append(Problem("error", "schema", "文件应包含 entries: 条目列表", path, 1))
        return
    for index, raw in enumerate(raw_entries):
        line = _line_of(raw_entries, index)
        entry = parse_entry(raw, path, line, problems)
        if entry is not None:
            yield entry


def _line_of(node: Any, key: Any = None) -> int | None:
    """:func:`cstool.yamlio.line_of`, without its import on plain data (the fast path has no lines)."""
    if getattr(node, "lc", None) is None:
        return None
    from cstool import yamlio

    return yamlio.line_of(node, key)


def _as_text_list(
    value: Any, name: str, raw: Any, path: Path, problems: list[Problem], entry_id: str
) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        problems.append(
            Problem("error", "schema", f"{name} 应为文字列表", path, _line_of(raw, name), entry_id)
        )
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def parse_entry(raw: Any, path: Path, line: int | None, problems: list[Problem]) -> Entry | None:
    if not isinstance(raw, dict):
        problems.append(Problem("error", "schema", "条目应为键值对（id、title、replies…）", path, line))
        return None
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        problems.append(
            Problem(
                "error",
                "bad-id",
                f"id 缺失或格式不对：{entry_id!r}（应如 ship.when）",
                path,
                _line_of(raw, "id") if "id" in raw else line,
            )
        )
        return None
    for key in raw:
        if key not in ENTRY_FIELDS:
            problems.append(
                Problem(
                    "error",
                    "unknown-field",
                    f"{entry_id}：未知字段 {key}（可用：{', '.join(sorted(ENTRY_FIELDS))}）",
                    path,
                    _line_of(raw, key),
                    entry_id,
                )
            )
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem("error", "schema", f"{entry_id}：缺少 title", path, line, entry_id))
        title = entry_id
    stage = raw.get("stage") or entry_id.split(".", 1)[0]
    if not isinstance(stage, str):
        problems.append(
            Problem("error", "schema", f"{entry_id}：stage 应为文字", path, _line_of(raw, "stage"), entry_id)
        )
        stage = entry_id.split(".", 1)[0]
    shortcut = raw.get("shortcut") or ""
    if not isinstance(shortcut, str | int):
        problems.append(
            Problem(
                "error",
                "schema",
                f"{entry_id}：shortcut 应为文字",
                path,
                _line_of(raw, "shortcut"),
                entry_id,
            )
        )
        shortcut = ""
    replies = _parse_replies(raw, entry_id, path, line, problems)
    return Entry(
        id=entry_id,
        title=title.strip(),
        stage=stage,
        replies=replies,
        questions=_as_text_list(raw.get("questions"), "questions", raw, path, problems, entry_id),
        tags=_as_text_list(raw.get("tags"), "tags", raw, path, problems, entry_id),
        keywords=_as_text_list(raw.get("keywords"), "keywords", raw, path, problems, entry_id),
        shortcut=str(shortcut).strip(),
        path=path,
        line=line,
    )


def _parse_replies(
    raw: Any, entry_id: str, path: Path, line: int | None, problems: list[Problem]
) -> tuple[Reply, ...]:
    value = raw.get("replies")
    where = _line_of(raw, "replies") if "replies" in raw else line
    if isinstance(value, str):
        value = [value]
    if value is not None and not isinstance(value, list):
        problems.append(
            Problem(
                "error",
                "schema",
                f"{entry_id}：replies 应为回复列表（每条一行，以 - 开头），现在是{kind_of(value)}",
                path,
                where,
                entry_id,
            )
        )
        return ()
    if not value:
        problems.append(
            Problem(
                "error", "empty-reply", f"{entry_id}：没有回复（replies 至少一条）", path, where, entry_id
            )
        )
        return ()
    replies = []
    for index, item in enumerate(value):
        item_line = _line_of(value, index)
        steps: list[Step] = []
        if isinstance(item, str | int):
            steps = [Step("say", str(item).strip())]
        elif isinstance(item, dict) and isinstance(item.get("steps"), list):
            for step in item["steps"]:
                if isinstance(step, str | int):
                    steps.append(Step("say", str(step).strip()))
                elif isinstance(step, dict) and len(step) == 1 and next(iter(step)) in {"say", "wait"}:
                    kind, text = next(iter(step.items()))
                    steps.append(Step(kind, str(text).strip()))
                else:
                    problems.append(
                        Problem(
                            "error",
                            "schema",
                            f"{entry_id}：脚本步骤应为文字、say: 或 wait:",
                            path,
                            item_line,
                            entry_id,
                        )
                    )
        else:
            problems.append(
                Problem(
                    "error",
                    "schema",
                    f"{entry_id}：回复应为文字，或 steps: 步骤列表",
                    path,
                    item_line,
                    entry_id,
                )
            )
            continue
        if not any(s.kind == "say" and s.text for s in steps):
            problems.append(
                Problem(
                    "error",
                    "empty-reply",
                    f"{entry_id}：第 {index + 1} 条回复是空的",
                    path,
                    item_line,
                    entry_id,
                )
            )
            continue
        replies.append(Reply(tuple(steps)))
    return tuple(replies)


def kind_of(value: Any) -> str:
    """What a YAML value is, in words a person knows (never a Python type name)."""
    if isinstance(value, bool):
        return "真假值"
    if isinstance(value, int | float):
        return f"数字 {value}"
    if isinstance(value, dict):
        return "键值对"
    if isinstance(value, str):
        return "一段文字"
    return "别的写法"


def load_synonyms(kb: KnowledgeBase, problems: list[Problem]) -> list[tuple[str, ...]]:
    """Team synonyms: a list of groups, each ``[包邮, 免运费, 免邮]`` or ``包邮=免运费=免邮``."""
    from cstool import yamlio

    path = kb.path(SYNONYMS_FILE)
    if not path.exists():
        return []
    try:
        data = yamlio.load(path)
    except BadInput as exc:
        problems.append(Problem("error", "yaml", exc.message, path, exc.line))
        return []
    if isinstance(data, dict):
        data = data.get("groups")
    groups: list[tuple[str, ...]] = []
    for index, item in enumerate(data or []):
        words = item.split("=") if isinstance(item, str) else item
        if not isinstance(words, list | tuple) or len(words) < 2:
            problems.append(
                Problem(
                    "error",
                    "schema",
                    "同义词组至少两个词（[包邮, 免运费] 或 包邮=免运费）",
                    path,
                    yamlio.line_of(data, index),
                )
            )
            continue
        groups.append(tuple(str(w).strip() for w in words if str(w).strip()))
    return groups
