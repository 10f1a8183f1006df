"""``cstool kb learn``: new buyer phrasings for entries, from the team's own traffic.

Two sources, counted:
- ``picks``: a search whose result the agent picked (``cstool search Q --pick K``):
  the query becomes a phrasing of the picked entry;
- ``logbook``: buyer questions offered through the ``cstool_learning_examples``
  hook (the logbook's inquiries) that the KB matches only weakly; they go to the
  entry an agent answered with when known, else to the closest entry.

Every phrasing passes the core's masking first, and one that still holds a
masked star or a run of 7+ digits is dropped: no phone number, address or name
reaches the KB. Adding edits the entries' ``questions`` round trip (comments,
order and line endings kept), re-parsed before an atomic write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cstool.errors import BadInput
from cstool.kb import KnowledgeBase

DEFAULT_MIN_COUNT = 2
MAX_LENGTH = 40  # longer messages are chats, not phrasings
WEAK_FLOOR = 0.2  # below this relevance the closest entry is a guess, not a proposal
_LONG_DIGITS = re.compile(r"\d{7,}")


@dataclass
class Proposal:
    id: str
    question: str
    count: int
    source: str  # "picks" | "logbook"
    title: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "question": self.question,
            "count": self.count,
            "source": self.source,
        }


def clean_phrasing(text: str) -> str | None:
    """The phrasing as it may enter the KB (masked), or None when it must not."""
    from cstool.masking import mask_text

    text = " ".join(str(text).split())
    if not text or len(text) > MAX_LENGTH:
        return None
    masked = mask_text(text)
    if "*" in masked or "＊" in masked or _LONG_DIGITS.search(masked):
        return None
    return masked


def require_writable(kb: KnowledgeBase) -> None:
    """Refuse the bundled demo KB and a folder that is no KB (exit 2)."""
    guard = getattr(kb, "require_writable", None)
    if callable(guard):
        guard()
        return
    if kb.is_bundled:
        raise BadInput("不能修改自带的示例知识库；先用 cstool kb init 建一个团队知识库，再在里面学习")
    if not kb.path("kb.yaml").exists():
        raise BadInput("这里不是团队知识库（缺少 kb.yaml）", path=kb.root)


def collect(
    kb: KnowledgeBase,
    index: Any,
    picked: Iterable[tuple[str, str, int]],
    examples: Iterable[tuple[str, str | None, int]],
) -> list[Proposal]:
    """All proposals, most seen first: ``picked`` = (entry, query, count), ``examples`` = (question, entry or None, count)."""
    from .search import MATCH_THRESHOLD, exact_form, phrasing_terms, search

    docs = {doc["id"]: doc for doc in index.documents()}
    found: dict[tuple[str, str], Proposal] = {}

    def known(entry_id: str, question: str) -> bool:
        _, exact = phrasing_terms(docs[entry_id], {})
        return exact_form(question) in exact

    def add(entry_id: str, question: str, count: int, source: str) -> None:
        key = (entry_id, exact_form(question))
        if key in found:
            found[key].count += count
        else:
            found[key] = Proposal(entry_id, question, count, source, docs[entry_id]["title"])

    for entry_id, query, count in picked:
        question = clean_phrasing(query)
        if question and entry_id in docs and not known(entry_id, question):
            add(entry_id, question, count, "picks")
    for raw, picked_id, count in examples:
        question = clean_phrasing(raw)
        if not question:
            continue
        hits = search(index, question, limit=1)
        best = hits[0] if hits else None
        if picked_id and picked_id in docs:
            strong = best is not None and best.id == picked_id and best.relevance >= MATCH_THRESHOLD
            if not strong and not known(picked_id, question):
                add(picked_id, question, count, "logbook")
        elif (
            best is not None
            and WEAK_FLOOR <= best.relevance < MATCH_THRESHOLD
            and not known(best.id, question)
        ):
            add(best.id, question, count, "logbook")
    return sorted(found.values(), key=lambda p: (-p.count, p.id, p.question))


def entry_files(kb: KnowledgeBase, ids: Iterable[str]) -> dict[Path, list[str]]:
    """Which phrase file holds each id (only files whose text names it are parsed)."""
    from .edit import KnownIds

    known = KnownIds(kb)
    out: dict[Path, list[str]] = {}
    for entry_id in ids:
        where = known.where(entry_id)
        if where is None:
            raise BadInput(f"知识库里没有这个条目：{entry_id}")
        path = Path(kb.root) / re.sub(r":\d+$", "", where)  # "phrases/ship.yaml:12", relative to the KB
        out.setdefault(path, []).append(entry_id)
    return out


def add_questions(path: Path, additions: dict[str, list[str]]) -> int:
    """Append questions to entries of one phrase file; returns how many were added.

    Round trip through ruamel (comments and key order kept), the file's line
    endings and BOM restored, the result re-parsed and checked, written atomically.
    """
    from cstool import yamlio
    from cstool.files import atomic_write

    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = yamlio.read_text(path)
    crlf = "\r\n" in text
    data = yamlio.loads(text.replace("\r\n", "\n"), path)
    items = data.get("entries") if isinstance(data, dict) else data
    added = 0
    expected: dict[str, list[str]] = {}
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or item.get("id") not in additions:
            continue
        questions = item.get("questions")
        if questions is None:
            from ruamel.yaml.comments import CommentedSeq

            questions = item["questions"] = CommentedSeq()
        have = {str(q) for q in questions}
        for question in additions[item["id"]]:
            if question not in have:
                questions.append(question)
                have.add(question)
                added += 1
        expected[item["id"]] = [str(q) for q in questions]
    if not added:
        return 0
    new_text = yamlio.dumps(data)
    reloaded = yamlio.loads(new_text, path)
    entries = reloaded.get("entries") if isinstance(reloaded, dict) else reloaded
    for item in entries if isinstance(entries, list) else ():
        if (
            isinstance(item, dict)
            and item.get("id") in expected
            and [str(q) for q in item.get("questions") or ()] != expected[item["id"]]
        ):
            from cstool.errors import CstoolError

            raise CstoolError(f"写回后内容不一致，未修改：{path}")
    if crlf:
        new_text = new_text.replace("\n", "\r\n")
    atomic_write(path, (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))
    return added


def apply(kb: KnowledgeBase, proposals: list[Proposal]) -> list[Proposal]:
    """Add the proposals' questions to their entries; returns those added."""
    require_writable(kb)
    if not proposals:
        return []
    wanted: dict[str, list[str]] = {}
    for p in proposals:
        wanted.setdefault(p.id, []).append(p.question)
    for path, ids in entry_files(kb, wanted).items():
        add_questions(path, {i: wanted[i] for i in ids})
    return proposals


def gather(state: Any, kb: KnowledgeBase, index: Any) -> list[Proposal]:
    """Proposals from this user's picks and from every ``cstool_learning_examples`` plugin."""
    from .usage import Usage

    usage = Usage(index.meta.get("kb") or str(Path(kb.root).resolve()))
    try:
        picked = [(p.entry, p.query, p.picks) for p in usage.picked_queries()]
    finally:
        usage.close()
    examples: list[tuple[str, str | None, int]] = []

    def register(question: str, entry_id: str | None = None, count: int = 1) -> None:
        examples.append((str(question), entry_id, max(1, int(count))))

    state.pm.hook.cstool_learning_examples(kb=kb, register=register)
    return collect(kb, index, picked, examples)


def choose(proposals: list[Proposal], min_count: int) -> list[Proposal]:
    """A questionary checkbox; proposals seen at least ``min_count`` times start ticked."""
    import questionary

    choices = [
        questionary.Choice(
            f"{p.id}（{p.title}） ← {p.question}　[{p.count} 次，{'搜索选用' if p.source == 'picks' else '日志'}]",
            value=i,
            checked=p.count >= min_count,
        )
        for i, p in enumerate(proposals)
    ]
    picked = questionary.checkbox("选择要加入知识库的买家说法（空格选择，回车确认）：", choices=choices).ask()
    if picked is None:  # Ctrl-C
        return []
    return [proposals[i] for i in picked]
