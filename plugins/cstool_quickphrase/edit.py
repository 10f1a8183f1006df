"""Adding an entry to a topic file, keeping everything a person wrote.

The file goes through ruamel's round trip, so comments, key order and quoting
stay. When that round trip reproduces the file exactly (the usual case), the
new entry's lines are spliced in as text: before any trailing comment block,
separated by a blank line if the file separates its entries that way, so the
diff in git is only the new entry. The result is re-parsed and compared with
the expected data before anything is written, and written atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cstool.errors import BadInput
from cstool.kb import KnowledgeBase

from .kbfiles import phrase_files
from .model import ID_PATTERN, Problem, parse_entry, relative_to_kb

FIELD_ORDER = ("id", "title", "stage", "tags", "shortcut", "questions", "replies")


@dataclass(frozen=True)
class NewEntry:
    id: str
    title: str
    replies: tuple[str, ...]
    stage: str = ""
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    shortcut: str = ""


@dataclass(frozen=True)
class AddResult:
    path: Path
    line: int
    created: bool
    reformatted: bool


def id_problem(entry_id: str, known: KnownIds) -> str | None:
    """Why ``entry_id`` cannot be used, or None."""
    if not ID_PATTERN.match(entry_id):
        return f"id 格式不对：{entry_id}（小写字母、数字、下划线，用点分段，如 ship.urgent）"
    if where := known.where(entry_id):
        return f"id 已存在：{entry_id}（在 {where}）"
    return None


class KnownIds:
    """Where an id is already used in the KB, without parsing the whole KB.

    Only files whose text contains the id are parsed (ruamel is the slow
    part); a file that cannot be read or parsed is skipped here, ``kb lint``
    reports it.
    """

    def __init__(self, kb: KnowledgeBase):
        self._kb = kb
        self._paths = phrase_files(kb)
        self._texts: dict[Path, str] = {}
        self._ids: dict[Path, dict[str, int | None]] = {}

    def where(self, entry_id: str) -> str | None:
        for path in self._paths:
            if entry_id in self._text(path) and entry_id in self._ids_of(path):
                line = self._ids_of(path)[entry_id]
                where = relative_to_kb(self._kb, path)  # phrases/ship.yaml, as kb lint says it
                return f"{where}:{line}" if line else where
        return None

    def _text(self, path: Path) -> str:
        if path not in self._texts:
            try:
                self._texts[path] = path.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError):
                self._texts[path] = ""
        return self._texts[path]

    def _ids_of(self, path: Path) -> dict[str, int | None]:
        from cstool import yamlio

        if path not in self._ids:
            ids: dict[str, int | None] = {}
            try:
                data = yamlio.loads(self._text(path), path)
            except BadInput:
                data = None
            items = data.get("entries") if isinstance(data, dict) else data
            for index, item in enumerate(items if isinstance(items, list) else ()):
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    ids.setdefault(item["id"], yamlio.line_of(items, index))
            self._ids[path] = ids
        return self._ids[path]


def resolve_topic_file(kb: KnowledgeBase, name: str) -> Path:
    """``ship``, ``ship.yaml``, ``phrases/ship.yaml`` or a path: a file inside the KB's ``phrases/``."""
    name = name.strip()
    if not name:
        raise BadInput("主题文件名是空的")
    candidate = Path(name).expanduser()
    if candidate.suffix not in {".yaml", ".yml"}:
        candidate = candidate.with_name(candidate.name + ".yaml")
    phrases = kb.phrases_dir.resolve()
    if candidate.is_absolute():
        path = candidate
    elif candidate.parts[0] == "phrases":
        path = kb.root / candidate
    elif candidate.exists():
        path = candidate
    else:
        path = kb.phrases_dir / candidate
    path = path.resolve()
    if not path.is_relative_to(phrases) or path == phrases:
        raise BadInput(f"主题文件必须在知识库的 phrases/ 文件夹里（{phrases}）", path=path)
    return path


def add_entry(path: Path, entry: NewEntry, *, topic: str | None = None) -> AddResult:
    """Append ``entry`` to the topic file at ``path`` (created if missing); nothing is written on error."""
    from cstool import yamlio

    created = not path.exists()
    raw = "" if created else yamlio.read_text(path)
    style = _Style.of(path, raw)
    original = raw.replace("\r\n", "\n")  # worked on with "\n"; written back in the file's own line endings
    try:
        data = yamlio.loads(original, path)
    except BadInput as exc:
        raise BadInput(
            f"{exc.message}；这个文件解析不了，先改好再添加（没有写入任何内容）", path=path, line=exc.line
        ) from None
    base = original if not original or original.endswith("\n") else original + "\n"
    keep_text = bool(original.strip())
    fresh = data is None
    if fresh:
        data = _new_document(topic or path.stem, header=not keep_text)
    entries = _entries_of(data, path)
    expected = _plain(data)
    node = _entry_node(entry)
    entries.append(node)
    (expected["entries"] if isinstance(expected, dict) else expected).append(_plain(node))

    full = yamlio.dumps(data)
    text, reloaded = full, None
    candidate = None
    if keep_text and fresh:  # the file held only comments: keep them, the new document follows
        candidate = base + full
    elif keep_text and full.startswith(base):  # faithful round trip: the entry was added at the end
        candidate = _splice(base, full[len(base) :], entries)
    if candidate is not None:
        parsed = yamlio.loads(candidate, path)
        if _plain(parsed) == expected:
            text, reloaded = candidate, parsed
    if reloaded is None:
        reloaded = yamlio.loads(text, path)
    if _plain(reloaded) != expected:
        raise BadInput("写入后的内容和预期不一致，已放弃（没有写入任何内容）", path=path)
    _check_entry(reloaded, path)
    reformatted = not _keeps_lines(base, text)
    text = style.apply(text)
    if _plain(yamlio.loads(text, path)) != expected:
        raise BadInput("写入后的内容和预期不一致，已放弃（没有写入任何内容）", path=path)
    yamlio.write_if_changed(path, text)
    new_entries = _entries_of(reloaded, path)
    line = yamlio.line_of(new_entries, len(new_entries) - 1) or 1
    return AddResult(path=path, line=line, created=created, reformatted=reformatted)


@dataclass(frozen=True)
class _Style:
    """A file's line endings and byte-order mark, kept when the file is rewritten
    (a CRLF file stays CRLF: git shows only the added lines)."""

    crlf: bool = False
    bom: bool = False

    @classmethod
    def of(cls, path: Path, text: str) -> _Style:
        if not text:
            return cls()
        crlf = text.count("\r\n") * 2 > text.count("\n")  # most lines end in CRLF
        try:
            with path.open("rb") as handle:
                bom = handle.read(3) == b"\xef\xbb\xbf"
        except OSError:
            bom = False
        return cls(crlf=crlf, bom=bom)

    def apply(self, text: str) -> str:
        if self.crlf:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        return "\ufeff" + text if self.bom else text


def suggest_topic_file(kb: KnowledgeBase, entry_id: str) -> str:
    """The topic file an id belongs in, from its prefix: ``ship.urgent`` -> ``ship.yaml`` (relative to
    ``phrases/``; an existing ``ship.yml`` or ``sub/ship.yaml`` when that is where the topic lives)."""
    prefix = entry_id.strip().split(".", 1)[0]
    if not prefix:
        return ""
    for path in phrase_files(kb):
        if path.stem == prefix:
            return path.relative_to(kb.phrases_dir).as_posix()
    return f"{prefix}.yaml"


def _new_document(topic: str, *, header: bool = True) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    data = CommentedMap()
    data["topic"] = topic
    data["entries"] = CommentedSeq()
    if header:
        data.yaml_set_start_comment(f"{topic}：快捷短语（一个主题一个文件；改完运行 cstool kb lint）")
    return data


def _entries_of(data: Any, path: Path) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    from cstool import yamlio

    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise BadInput("文件顶层应为 topic:/entries: 键值对", path=path, line=1)
    if data.get("entries") is None:
        data["entries"] = CommentedSeq()
    entries = data["entries"]
    if not isinstance(entries, list):
        raise BadInput("entries: 应为条目列表", path=path, line=yamlio.line_of(data, "entries"))
    if not entries and isinstance(entries, CommentedSeq):
        entries.fa.set_block_style()  # `entries: []` would otherwise grow into one long flow line
    return entries


def _entry_node(entry: NewEntry) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    values: dict[str, Any] = {
        "id": entry.id,
        "title": entry.title,
        "stage": entry.stage,
        "tags": list(entry.tags),
        "shortcut": entry.shortcut,
        "questions": list(entry.questions),
        "replies": list(entry.replies),
    }
    node = CommentedMap()
    for key in FIELD_ORDER:
        value = values[key]
        if not value:
            continue
        if isinstance(value, list):
            seq = CommentedSeq(value)
            if key == "tags":
                seq.fa.set_flow_style()
            value = seq
        node[key] = value
    return node


def _splice(original: str, new_block: str, entries: Any) -> str:
    """Put the new entry's lines before a trailing comment block, blank-line separated if the file is."""
    lines = original.splitlines(keepends=True)
    cut = len(lines)
    while cut > 0 and (not lines[cut - 1].strip() or lines[cut - 1].lstrip().startswith("#")):
        cut -= 1
    body, tail = "".join(lines[:cut]), "".join(lines[cut:])
    if body and not body.endswith("\n"):
        body += "\n"
    gap = "\n" if _separated_by_blank_lines(lines, entries) else ""
    if tail.strip() and not tail.startswith("\n") and gap:
        tail = "\n" + tail
    return body + gap + new_block + tail


def _separated_by_blank_lines(lines: list[str], entries: Any) -> bool:
    from cstool import yamlio

    existing = len(entries) - 1  # the new one is already appended
    for index in range(1, existing):
        row = (yamlio.line_of(entries, index) or 1) - 2  # 0-based line before the item
        while row >= 0 and lines[row].lstrip().startswith("#"):
            row -= 1
        if row >= 0 and not lines[row].strip():
            return True
    return False


def _check_entry(reloaded: Any, path: Path) -> None:
    """The new (last) entry must load with the model's own rules."""
    from cstool import yamlio

    entries = _entries_of(reloaded, path)
    problems: list[Problem] = []
    line = yamlio.line_of(entries, len(entries) - 1)
    parse_entry(entries[-1], path, line, problems)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise BadInput(f"{errors[0].message}（没有写入任何内容）", path=path, line=errors[0].line)


def _keeps_lines(before: str, after: str) -> bool:
    """Every line of ``before`` is still in ``after``, in order (only new lines were added)."""
    remaining = iter(after.splitlines())
    return all(line in remaining for line in before.splitlines())


def _plain(node: Any) -> Any:
    """Plain Python data (no comments or styles) to compare two parses."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node if node is None or isinstance(node, bool | int) else str(node)
