"""One search session: an open index, the user's usage memory and the placeholders.

``cstool search`` (one query), interactive mode (many queries) and the
benchmark all go through :class:`SearchSession`, so ranking, variant choice
and rendering are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from cstool.kb import KnowledgeBase

from .index import IndexDamaged, KbIndex, Progress, open_index
from .render import NothingToSay
from .replies import Reply, Step
from .search import Hit, resolve_stage, search
from .usage import DEFAULT_CHAT, Usage


class LazyValues(Mapping[str, Callable[[], str]]):
    """Placeholder producers, collected only when a reply actually has a ``{name}``."""

    def __init__(self, load: Callable[[], Mapping[str, Callable[[], str]]]):
        self._load = load
        self._values: Mapping[str, Callable[[], str]] | None = None

    def _get(self) -> Mapping[str, Callable[[], str]]:
        if self._values is None:
            self._values = self._load()
        return self._values

    def __getitem__(self, key: str) -> Callable[[], str]:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class Found(NamedTuple):  # not a dataclass: cheaper to create on start (see model.py)
    """A hit with the variant it would hand out, rendered."""

    hit: Hit
    variant: int  # index into the entry's replies
    reply: str | None  # the text to paste; None when no variant can be said now (see ``unavailable``)
    steps: list[dict[str, str]]
    query: str = ""  # what was searched (stored with a pick, for ``kb learn``)
    unavailable: str = ""  # why this entry cannot be sent now (a placeholder with nothing to say)

    @property
    def id(self) -> str:
        return self.hit.id

    def as_json(self, stages: Mapping[str, str]) -> dict[str, Any]:
        doc = self.hit.doc
        extra = {"unavailable": self.unavailable} if self.unavailable else {}
        return {
            "id": self.hit.id,
            "title": self.hit.title,
            "score": self.hit.score,
            "relevance": self.hit.relevance,
            "stage": self.hit.stage,
            "stage_label": stages.get(self.hit.stage, self.hit.stage),
            "tags": self.hit.tags,
            "shortcut": doc.get("shortcut") or "",
            "reply": self.reply,
            "steps": self.steps,
            "variant": self.variant + 1,
            "variants": len(doc["replies"]),
            "picks": self.hit.picks,
            **extra,
        }


def _reply(raw: list[list[str]]) -> Reply:
    return Reply(tuple(Step(kind, text) for kind, text in raw))


class SearchSession:
    def __init__(
        self,
        kb: KnowledgeBase,
        placeholders: Callable[[], Mapping[str, Callable[[], str]]],
        *,
        chat: str | None = None,
        progress: Progress | None = None,
        usage_path: Path | None = None,
        pm: Any = None,
    ):
        self.kb = kb
        self._progress, self._pm = progress, pm
        self.index: KbIndex = open_index(kb, progress=progress, pm=pm)
        self.values = LazyValues(placeholders)
        self.chat = chat or DEFAULT_CHAT
        self.usage = Usage(self.index.meta.get("kb") or str(kb.root), usage_path)
        self._fallbacks: dict[str, str] | None = None

    @property
    def skipped(self) -> list[dict[str, Any]]:
        """Problems that kept entries out of the index (a broken file): ``[{file, line, message}]``."""
        return list(self.index.meta.get("skipped") or [])

    @property
    def fallbacks(self) -> dict[str, str]:
        """kb.yaml ``placeholder_fallbacks``, read only when a placeholder had nothing to say."""
        if self._fallbacks is None:
            from .render import placeholder_fallbacks

            self._fallbacks = placeholder_fallbacks(self.kb.settings)
        return self._fallbacks

    def close(self) -> None:
        self.index.close()
        self.usage.close()

    def _rebuild(self) -> None:
        import contextlib
        import sys

        print("提示：搜索索引文件损坏，正在重建…", file=sys.stderr)
        with contextlib.suppress(IndexDamaged):
            self.index.close()
        self.index = open_index(self.kb, progress=self._progress, rebuild=True, pm=self._pm)

    @property
    def stages(self) -> dict[str, str]:
        return self.index.stages

    def find(
        self, query: str, *, limit: int = 5, stage: str | None = None, tag: str | None = None
    ) -> list[Found]:
        code = resolve_stage(stage, self.stages)

        def ranked() -> list[Hit]:
            return search(self.index, query, limit=limit, stage=code, tag=tag, picks=self.usage.pick_counts())

        try:
            hits = ranked()
        except IndexDamaged:
            self._rebuild()  # once: a second failure is reported as it is
            hits = ranked()
        counters = self.usage.next_variants(self.chat, [h.id for h in hits])
        values = _OncePerSearch(self.values)  # {promo} reads every campaign: once per search, not per variant
        return [self._render(hit, counters.get(hit.id, 0), query, values) for hit in hits]

    def _render(
        self,
        hit: Hit,
        counter: int,
        query: str = "",
        values: Mapping[str, Callable[[], object]] | None = None,
    ) -> Found:
        from .render import render_entry

        replies = [_reply(raw) for raw in hit.doc["replies"]]
        start = counter % len(replies)
        fallbacks = _LazyFallbacks(self)
        try:
            done = render_entry(replies, start, values if values is not None else self.values, fallbacks)
        except NothingToSay as exc:
            return Found(hit, start, None, [], query, unavailable_note(exc.name))
        return Found(hit, done.variant, done.text, done.steps, query)

    def handed_out(self, found: list[Found]) -> None:
        """These replies were given to the agent: next time in this chat show the next variants."""
        self.usage.advance(self.chat, {f.id: f.variant for f in found if f.reply is not None})

    def pick(self, found: Found) -> str | None:
        """Copy the reply, remember the pick (with its query) and rotate this entry only;
        returns a note when no clipboard exists. Raises ``CstoolError`` for an entry that
        cannot be sent now."""
        from .clipboard import copy

        if found.reply is None:
            from cstool.errors import CstoolError

            raise CstoolError(f"「{found.hit.title}」现在不能用：{found.unavailable}")
        note = copy(found.reply)
        self.usage.record_pick(found.id, found.query)
        self.handed_out([found])
        return note


class _OncePerSearch(Mapping[str, Callable[[], object]]):
    """The placeholder producers, each called at most once (its answer, or its silence, is remembered)."""

    def __init__(self, values: Mapping[str, Callable[[], object]]):
        self._values = values
        self._memo: dict[str, Callable[[], object]] = {}

    def __getitem__(self, key: str) -> Callable[[], object]:
        found = self._memo.get(key)
        if found is None:
            producer = self._values[key]
            answer: list[object] = []

            def once() -> object:
                if not answer:
                    try:
                        answer.append(producer())
                    except NothingToSay:
                        answer.append(None)
                return answer[0]

            found = self._memo[key] = once
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class _LazyFallbacks(Mapping[str, str]):
    """The session's fallbacks, read from kb.yaml only when a placeholder had nothing to say."""

    def __init__(self, session: SearchSession):
        self._session = session

    def __getitem__(self, key: str) -> str:
        return self._session.fallbacks[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._session.fallbacks)

    def __len__(self) -> int:
        return len(self._session.fallbacks)

    def __bool__(self) -> bool:
        return True  # rendering tries the fallbacks; they are read then


def unavailable_note(names: str) -> str:
    """Why an entry cannot be sent now, for the agent (Chinese, no braces to paste by mistake)."""
    return (
        f"要用的占位符 {names} 现在没有可说的内容（例如没有进行中的活动），这条暂时不能发给买家；"
        f"可以在 kb.yaml 的 placeholder_fallbacks 里给 {names} 设一句备用话"
    )
