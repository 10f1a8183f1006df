"""One search session: an open index, the user's usage memory and the placeholders.

``cstool search`` (one query), interactive mode (many queries) and the
benchmark all go through :class:`SearchSession`, so ranking, variant choice
and rendering are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cstool.kb import KnowledgeBase

from .index import KbIndex, Progress, open_index
from .model import Reply, Step
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


@dataclass
class Found:
    """A hit with the variant it would hand out, rendered."""

    hit: Hit
    variant: int  # index into the entry's replies
    reply: str  # the text to paste
    steps: list[dict[str, str]]

    @property
    def id(self) -> str:
        return self.hit.id

    def as_json(self, stages: Mapping[str, str]) -> dict[str, Any]:
        doc = self.hit.doc
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
    ):
        self.kb = kb
        self.index: KbIndex = open_index(kb, progress=progress)
        self.values = LazyValues(placeholders)
        self.chat = chat or DEFAULT_CHAT
        self.usage = Usage(self.index.meta.get("kb") or str(kb.root), usage_path)

    def close(self) -> None:
        self.index.close()
        self.usage.close()

    @property
    def stages(self) -> dict[str, str]:
        return self.index.stages

    def find(
        self, query: str, *, limit: int = 5, stage: str | None = None, tag: str | None = None
    ) -> list[Found]:
        code = resolve_stage(stage, self.stages)
        hits = search(self.index, query, limit=limit, stage=code, tag=tag, picks=self.usage.pick_counts())
        counters = self.usage.next_variants(self.chat, [h.id for h in hits])
        return [self._render(hit, counters.get(hit.id, 0)) for hit in hits]

    def _render(self, hit: Hit, counter: int) -> Found:
        from .render import render_reply, reply_as_text

        replies = hit.doc["replies"]
        variant = counter % len(replies)
        reply = _reply(replies[variant])
        return Found(hit, variant, reply_as_text(reply, self.values), render_reply(reply, self.values))

    def handed_out(self, found: list[Found]) -> None:
        """These replies were given to the agent: next time in this chat show the next variants."""
        self.usage.advance(self.chat, {f.id: f.variant for f in found})

    def pick(self, found: Found) -> str | None:
        """Copy the reply, remember the pick; returns a note when no clipboard exists."""
        from .clipboard import copy

        note = copy(found.reply)
        self.usage.record_pick(found.id)
        self.handed_out([found])
        return note
