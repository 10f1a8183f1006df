"""``kb lint``: every problem of a knowledge base as plain data.

The schema checks (YAML, types, ids, duplicate ids, empty replies, missing
title, synonyms) come from :func:`model.load_phrasebook`; this module adds the
team's rules from ``kb.yaml`` ``lint:`` and the playbooks' wording rules.

Bare negatives (the playbook: avoid 不能/没有/不可以; when one is needed, add
an explanation): a sentence holding a negative word must contain an
explanation or alternative marker (因为, 不过, 可以, 建议, 为您 …), either in
the same sentence or in the sentence right after it. Sentences end at
``。！？!?；;`` or a line break. Phrases that only look negative (有没有,
没问题, 没有关系 …) are ignored, and a team can list more in
``lint.allowed_phrases``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cstool.errors import BadInput
from cstool.kb import SETTINGS_FILE, KnowledgeBase
from cstool.template import leftover_braces, placeholders_in

from .model import Entry, Phrasebook, Problem, load_phrasebook
from .render import FALLBACKS_KEY, placeholder_fallbacks

DEFAULT_MAX_REPLY_LENGTH = 200
DEFAULT_BARE_NEGATIVES = ("不能", "没有", "不可以", "不行")
EXPLANATION_MARKERS = (
    "因为",
    "由于",
    "所以",
    "不过",
    "但是",
    "但",
    "可是",
    "只是",
    "而是",
    "其实",
    "毕竟",
    "可以",
    "建议",
    "推荐",
    "为您",
    "帮您",
    "给您",
    "替您",
    "您看",
    "如果",
    "只要",
    "除了",
    "换成",
    "改成",
    "改为",
    "还有",
    "另外",
)
# Contain a negative word but are questions or reassurances, not refusals.
DEFAULT_ALLOWED_PHRASES = (
    "有没有",
    "能不能",
    "可不可以",
    "行不行",
    "没有问题",
    "没问题",
    "没有关系",
    "没关系",
)
SENTENCE_END = re.compile(r"[。！？!?；;\n]+")

LEVELS = {"error": "错误", "warning": "警告"}


@dataclass(frozen=True)
class LintRules:
    """The ``lint:`` section of ``kb.yaml``, validated."""

    max_reply_length: int = DEFAULT_MAX_REPLY_LENGTH
    banned_words: tuple[str, ...] = ()
    bare_negatives: tuple[str, ...] = DEFAULT_BARE_NEGATIVES
    explanation_markers: tuple[str, ...] = EXPLANATION_MARKERS
    allowed_phrases: tuple[str, ...] = DEFAULT_ALLOWED_PHRASES
    stages: frozenset[str] = field(default_factory=frozenset)


def rules_from_settings(kb: KnowledgeBase) -> LintRules:
    """Read ``lint:`` and ``stages:`` from ``kb.yaml``; a wrong type is ``BadInput`` with file:line."""
    from cstool import yamlio

    settings = kb.settings
    path = kb.path(SETTINGS_FILE)
    lint = settings.get("lint") or {}
    if not isinstance(lint, dict):
        raise BadInput("lint: 应为键值对", path=path, line=yamlio.line_of(settings, "lint"))

    def words(key: str, default: tuple[str, ...], extend: bool = False) -> tuple[str, ...]:
        value = lint.get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise BadInput(f"lint.{key} 应为文字列表", path=path, line=yamlio.line_of(lint, key))
        listed = tuple(str(v).strip() for v in value if str(v).strip())
        return default + listed if extend else listed

    length = lint.get("max_reply_length", DEFAULT_MAX_REPLY_LENGTH)
    if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
        raise BadInput(
            "lint.max_reply_length 应为正整数（字数）",
            path=path,
            line=yamlio.line_of(lint, "max_reply_length"),
        )
    stages = settings.get("stages") or {}
    if not isinstance(stages, dict | list):
        raise BadInput(
            "stages: 应为键值对（阶段代码: 名称）", path=path, line=yamlio.line_of(settings, "stages")
        )
    return LintRules(
        max_reply_length=length,
        banned_words=words("banned_words", ()),
        bare_negatives=words("bare_negatives", DEFAULT_BARE_NEGATIVES),
        explanation_markers=words("explanation_markers", EXPLANATION_MARKERS, extend=True),
        allowed_phrases=words("allowed_phrases", DEFAULT_ALLOWED_PHRASES, extend=True),
        stages=frozenset(str(s) for s in stages),
    )


def check_readable(kb: KnowledgeBase) -> None:
    """Raise ``BadInput`` when the folder is not a KB at all (lint exits 2)."""
    if not kb.root.is_dir():
        raise BadInput("知识库文件夹不存在", path=kb.root)
    if not kb.path(SETTINGS_FILE).is_file() and not kb.phrases_dir.is_dir():
        raise BadInput(
            "这不是知识库文件夹：没有 kb.yaml，也没有 phrases/（用 cstool kb init 新建一个）", path=kb.root
        )


def lint_kb(kb: KnowledgeBase, placeholders: Iterable[str], volatile: Iterable[str] = ()) -> list[Problem]:
    """Every finding for ``kb``, sorted by file and line. ``placeholders``: the names a reply may use;
    ``volatile``: those that may have nothing to say now (filled by a plugin, e.g. ``promo``)."""
    rules = rules_from_settings(kb)
    book = load_phrasebook(kb, strict=False, with_lines=True)
    problems = list(book.problems)
    if not book.entries and not any(p.level == "error" for p in problems):
        where = kb.phrases_dir if kb.phrases_dir.is_dir() else kb.root
        problems.append(
            Problem("error", "empty-kb", "知识库里没有任何快捷短语（phrases/ 下没有条目）", where)
        )
    lines = ReplyLines()
    known = set(placeholders)
    broken = {p.entry for p in problems if p.level == "error" and p.entry}
    for entry in book.entries:
        found = lint_entry(entry, rules, known, lines)
        if entry.id in broken:  # a wrongly typed field already explains the gap
            found = [p for p in found if p.code != "no-questions"]
        problems.extend(found)
    problems.extend(_duplicates(book))
    problems.extend(check_fallbacks(kb, rules, known))
    problems.extend(_silent_entries(book, set(volatile) - set(placeholder_fallbacks(kb.settings))))
    return sort_problems(problems)


def check_fallbacks(kb: KnowledgeBase, rules: LintRules, known: set[str]) -> list[Problem]:
    """kb.yaml ``placeholder_fallbacks``: a mapping of placeholder name -> text a buyer may read."""
    raw = kb.settings.get(FALLBACKS_KEY)
    if raw is None:
        return []
    path = kb.path(SETTINGS_FILE)
    line = _settings_line(path, FALLBACKS_KEY)
    if not isinstance(raw, dict):
        return [
            Problem(
                "error",
                "schema",
                f"{FALLBACKS_KEY} 应为键值对（占位符名: 备用话，如 promo: 店铺满99包邮）",
                path,
                line,
            )
        ]
    found = []
    for name, text in raw.items():
        where = _settings_line(path, f"{name}:", after=line) or line
        if not isinstance(text, str | int) or isinstance(text, bool) or not str(text).strip():
            found.append(
                Problem("error", "schema", f"{FALLBACKS_KEY}.{name} 应为一句不为空的话", path, where)
            )
            continue
        if name not in known:
            found.append(
                Problem(
                    "warning",
                    "unknown-fallback",
                    f"{FALLBACKS_KEY}.{name}：没有叫 {name} 的占位符",
                    path,
                    where,
                )
            )
        for problem in check_text(str(text), rules, known - {name}):
            found.append(
                Problem(
                    problem.level, problem.code, f"{FALLBACKS_KEY}.{name}：{problem.message}", path, where
                )
            )
    return found


def _silent_entries(book: Phrasebook, silent: set[str]) -> Iterator[Problem]:
    """Entries whose every variant needs a placeholder that may have nothing to say and has no fallback."""
    if not silent:
        return
    for entry in book.entries:
        needs = [
            placeholders_in(" ".join(step.text for step in reply.steps)) & silent for reply in entry.replies
        ]
        if entry.replies and all(needs):
            names = "、".join(sorted(set().union(*needs)))
            yield Problem(
                "warning",
                "no-fallback",
                f"{entry.id}：每种说法都用到 {names}，它没有可说的内容时（如没有进行中的活动）这条发不出去；"
                f"加一种不用它的说法，或在 kb.yaml 的 {FALLBACKS_KEY} 里给 {names} 设一句备用话",
                entry.path,
                entry.line,
                entry.id,
            )


def _settings_line(path: Path, prefix: str, after: int | None = None) -> int | None:
    """The first line of kb.yaml (after line ``after``) starting with ``prefix``, ignoring indentation."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, text in enumerate(lines, 1):
        if number > (after or 0) and text.strip().startswith(prefix):
            return number
    return None


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.path or ""), p.line or 0, p.code))


def lint_entry(
    entry: Entry, rules: LintRules, known: set[str], lines: ReplyLines | None = None
) -> list[Problem]:
    """The wording and settings rules for one loaded entry."""
    lines = lines or ReplyLines()
    found: list[Problem] = []

    def add(level: str, code: str, message: str, line: int | None) -> None:
        found.append(Problem(level, code, f"{entry.id}：{message}", entry.path, line or entry.line, entry.id))

    if rules.stages and entry.stage not in rules.stages:
        add(
            "error",
            "unknown-stage",
            f"未知阶段 {entry.stage}（kb.yaml stages 里有：{'、'.join(sorted(rules.stages))}）",
            entry.line,
        )
    if not entry.questions:
        add("warning", "no-questions", "没有 questions（买家问法），搜索只能靠标题和关键词找到它", entry.line)
    for reply in entry.replies:
        for text in reply.texts:
            for problem in check_text(text, rules, known):
                add(problem.level, problem.code, problem.message, lines.line_of(entry, text))
    return found


def check_text(text: str, rules: LintRules, known: set[str]) -> list[Problem]:
    """Rules for one message a buyer will read (one reply, or one step of a script)."""
    found: list[Problem] = []
    names = placeholders_in(text)
    for name in sorted(names - known):
        found.append(
            Problem(
                "error",
                "unknown-placeholder",
                f"未知占位符 {{{name}}}（在 kb.yaml placeholders 里定义，或改掉）",
            )
        )
    if leftover_braces(text):
        found.append(
            Problem(
                "error",
                "bad-placeholder",
                "大括号不成对或占位符写法不对（应为 {shop}；要写大括号本身请用 {{ 或 }}）",
            )
        )
    if len(text) > rules.max_reply_length:
        found.append(
            Problem(
                "error",
                "too-long",
                f"回复 {len(text)} 字，超过团队上限 {rules.max_reply_length} 字：{_snippet(text)}",
            )
        )
    lowered = text.lower()
    for word in rules.banned_words:
        if word.lower() in lowered:
            found.append(Problem("error", "banned-word", f"含销售禁语「{word}」：{_snippet(text, word)}"))
    for sentence, word in bare_negatives(text, rules):
        found.append(
            Problem(
                "error",
                "bare-negative",
                f"否定词「{word}」没有解释或替代方案（加上原因，或给出可以怎么做）：{sentence}",
            )
        )
    return found


def bare_negatives(text: str, rules: LintRules) -> list[tuple[str, str]]:
    """``(sentence, negative word)`` for each sentence whose negative is not explained (see module doc)."""
    sentences = [s.strip() for s in SENTENCE_END.split(text) if s.strip()]
    cleaned = [_without(s, rules.allowed_phrases) for s in sentences]
    found = []
    for index, sentence in enumerate(cleaned):
        negatives = [w for w in rules.bare_negatives if w in sentence]
        if not negatives:
            continue
        context = _without(sentence, rules.bare_negatives)
        if index + 1 < len(cleaned):
            context += _without(cleaned[index + 1], rules.bare_negatives)
        if not any(marker in context for marker in rules.explanation_markers):
            found.append((sentences[index], negatives[0]))
    return found


def _without(text: str, phrases: Iterable[str]) -> str:
    # Longest first, so 不可以 is removed before 可以 would be seen as a marker.
    for phrase in sorted(phrases, key=len, reverse=True):
        text = text.replace(phrase, "␟")
    return text


def _snippet(text: str, word: str = "") -> str:
    text = text.replace("\n", " ")
    start = max(text.find(word) - 10, 0) if word else 0
    cut = text[start : start + 30]
    return ("…" if start else "") + cut + ("…" if start + 30 < len(text) else "")


def _duplicates(book: Phrasebook) -> Iterator[Problem]:
    """Two entries with one shortcut (an agent's code must pick one reply), or one buyer question."""
    shortcuts: dict[str, Entry] = {}
    questions: dict[str, Entry] = {}
    for entry in book.entries:
        if entry.shortcut:
            first = shortcuts.setdefault(entry.shortcut.lower(), entry)
            if first is not entry:
                yield Problem(
                    "error",
                    "duplicate-shortcut",
                    f"{entry.id}：快捷码 {entry.shortcut} 已被 {first.id} 使用（{first.where}）",
                    entry.path,
                    entry.line,
                    entry.id,
                )
        for question in dict.fromkeys(q.strip() for q in entry.questions):
            first = questions.setdefault(question, entry)
            if first is not entry:
                yield Problem(
                    "warning",
                    "duplicate-question",
                    f"{entry.id}：买家问法「{question}」也在 {first.id} 里，搜索会分不清",
                    entry.path,
                    entry.line,
                    entry.id,
                )


class ReplyLines:
    """The line of one message of an entry, read from the raw YAML only when a finding needs it.

    The loaded :class:`Entry` keeps only the entry's line; a finding about one
    reply should point at that reply. A file is re-read at most once, and only
    if it has a finding (parsing is the expensive part of lint).
    """

    def __init__(self) -> None:
        self._files: dict[Path, dict[str, Any]] = {}

    def line_of(self, entry: Entry, text: str) -> int | None:
        return next((line for raw_text, line in self.texts(entry) if raw_text == text), None) or entry.line

    def texts(self, entry: Entry) -> Iterator[tuple[str, int | None]]:
        raw = self._raw_entry(entry)
        replies = raw.get("replies") if isinstance(raw, dict) else None
        if isinstance(replies, str):
            yield replies.strip(), _line(raw, "replies") or entry.line
            return
        if not isinstance(replies, list):
            for reply in entry.replies:
                for text in reply.texts:
                    yield text, entry.line
            return
        for index, item in enumerate(replies):
            if isinstance(item, str | int):
                yield str(item).strip(), _line(replies, index)
            elif isinstance(item, dict) and isinstance(item.get("steps"), list):
                steps = item["steps"]
                for step_index, step in enumerate(steps):
                    if isinstance(step, str | int):
                        yield str(step).strip(), _line(steps, step_index)
                    elif isinstance(step, dict) and "say" in step and len(step) == 1:
                        yield str(step["say"]).strip(), _line(steps, step_index)

    def _raw_entry(self, entry: Entry) -> Any:
        if entry.path is None:
            return None
        if entry.path not in self._files:
            self._files[entry.path] = _raw_entries_by_id(entry.path)
        return self._files[entry.path].get(entry.id)


def _raw_entries_by_id(path: Path) -> dict[str, Any]:
    from cstool import yamlio

    try:
        data = yamlio.load(path)
    except BadInput:
        return {}
    items = data.get("entries") if isinstance(data, dict) else data
    by_id: dict[str, Any] = {}
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            by_id.setdefault(item["id"], item)
    return by_id


def _line(node: Any, key: Any) -> int | None:
    from cstool import yamlio

    return yamlio.line_of(node, key)
