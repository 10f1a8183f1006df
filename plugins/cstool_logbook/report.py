"""The supervisor's report: plain functions from a period's aggregates to figures.

The database does the counting (``Store.report_groups``, ``Store.question_groups``,
``Store.open_complaints``: GROUP BY queries on SQLite and PostgreSQL alike); the
functions here turn those few hundred rows into the report's figures.

Rules (also in docs/logbook.md):
- An entry belongs to the period of its own time (询盘时间 / 下单时间).
- Conversion = 成交 inquiries / all inquiries of the period; recovery = 已付款 unpaid
  orders / all unpaid orders of the period. Rates and shares are percentages
  rounded ROUND_HALF_UP to one decimal (text such as "66.7"), ``None`` when there is nothing to divide.
- Amounts are exact Decimal sums (yuan, two decimals), summed as integer fen.
- Questions are counted once per entry, after folding width and case and
  dropping spaces and leading/trailing punctuation; the wording shown is the first one seen.
- "Open complaints" are all complaints still 处理中 at the end of the period.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

ZERO = Decimal("0.00")
_TRAILING = "?？!！。.~～…,，、 "
KINDS = ("inquiry", "unpaid", "promise", "complaint")


class Group(NamedTuple):
    """One row of the report's aggregate: how many entries share these values, and their amount in fen."""

    agent: str
    kind: str
    outcome: str
    reason: str
    entries: int
    fen: int


class QuestionGroup(NamedTuple):
    """The inquiries of a period that asked exactly ``questions`` (the stored JSON list)."""

    questions: str
    entries: int
    # When the first of them was entered: (epoch second, id); see Store.question_groups.
    first: tuple[int, int]


@dataclass(frozen=True)
class Period:
    kind: str  # day | week
    start: datetime  # inclusive
    end: datetime  # exclusive

    @property
    def label(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        first = self.start.date()
        return first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"


def period_for(kind: str, day: date, tz: tzinfo) -> Period:
    """The day, or the Monday-to-Sunday week, holding ``day`` (midnight to midnight in ``tz``)."""
    first = day if kind == "day" else day - timedelta(days=day.weekday())
    length = 1 if kind == "day" else 7
    start = datetime.combine(first, time(), tz)
    end = datetime.combine(first + timedelta(days=length), time(), tz)
    return Period(kind, start, end)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rate(part: int, whole: int) -> str | None:
    """A percentage as text with one decimal ("66.7"), as the JSON and the tables show it."""
    value = percent(part, whole)
    return None if value is None else str(value)


def yuan(fen: int) -> Decimal:
    """Integer fen as exact yuan with two decimals."""
    return Decimal(fen).scaleb(-2)


def question_key(text: str) -> str:
    folded = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    return folded.rstrip(_TRAILING).lstrip(_TRAILING)


# --- from aggregates to figures -------------------------------------------------------------------
def top_questions(groups: Iterable[QuestionGroup], limit: int = 10) -> list[dict[str, Any]]:
    """The most asked questions: each counted once per inquiry, most frequent first, first wording shown."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[tuple[int, int], str]] = {}
    keys: dict[str, str] = {}  # a week repeats the same few hundred questions: fold each once
    groups = list(groups)
    # One parse for all the lists (each is a JSON array as the store wrote it).
    lists = json.loads("[" + ",".join(g.questions for g in groups) + "]")
    for group, questions in zip(groups, lists, strict=True):
        asked: dict[str, str] = {}
        for question in reversed(questions):  # the first wording within an entry wins
            key = keys.get(question)
            if key is None:
                key = keys[question] = question_key(question)
            asked[key] = question.strip()
        for key, text in asked.items():
            if not key:
                continue
            counts[key] += group.entries
            seen = first.get(key)
            if seen is None or group.first < seen[0]:
                first[key] = (group.first, text)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"question": first[key][1], "count": count} for key, count in ranked]


def _tally(groups: Iterable[Group]) -> tuple[int, int]:
    """How many entries, and their amount in fen."""
    count = fen = 0
    for group in groups:
        count += group.entries
        fen += group.fen
    return count, fen


def ranked_reasons(groups: Sequence[Group], kind: str, outcome: str) -> list[dict[str, Any]]:
    """Reasons of the entries that did not convert, most frequent first (blank = 未填写)."""
    counts: Counter[str] = Counter()
    for group in groups:
        if group.kind == kind and group.outcome == outcome:
            counts[group.reason or "未填写"] += group.entries
    lost = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"reason": reason, "count": count, "share": rate(count, lost)} for reason, count in ranked]


def inquiry_totals(groups: Sequence[Group]) -> dict[str, Any]:
    """Inquiry figures from the groups (those of other kinds are ignored)."""
    mine = [g for g in groups if g.kind == "inquiry"]
    total = _tally(mine)[0]
    converted = _tally(g for g in mine if g.outcome == "成交")[0]
    return {
        "total": total,
        "converted": converted,
        "lost": _tally(g for g in mine if g.outcome == "未成交")[0],
        "pending": _tally(g for g in mine if g.outcome == "跟进中")[0],
        "conversion": rate(converted, total),
    }


def _money(groups: Iterable[Group]) -> dict[str, Any]:
    count, fen = _tally(groups)
    return {"count": count, "amount": yuan(fen)}


def unpaid_totals(groups: Sequence[Group]) -> dict[str, Any]:
    """Unpaid-order figures from the groups (those of other kinds are ignored)."""
    mine = [g for g in groups if g.kind == "unpaid"]
    total, fen = _tally(mine)
    recovered = _money(g for g in mine if g.outcome == "已付款")
    return {
        "total": total,
        "amount": yuan(fen),
        "recovered": recovered,
        "lost": _money(g for g in mine if g.outcome == "已关闭"),
        "pending": _money(g for g in mine if g.outcome == "跟进中"),
        "recovery_rate": rate(recovered["count"], total),
    }


def agent_rows(groups: Sequence[Group]) -> list[dict[str, Any]]:
    rows = []
    for agent in sorted({g.agent for g in groups}):
        mine = [g for g in groups if g.agent == agent]
        figures = inquiry_totals(mine)
        unpaid = unpaid_totals(mine)
        rows.append(
            {
                "agent": agent or "未署名",
                "inquiries": figures["total"],
                "converted": figures["converted"],
                "conversion": figures["conversion"],
                "unpaid": unpaid["total"],
                "recovered_amount": unpaid["recovered"]["amount"],
                "lost_amount": unpaid["lost"]["amount"],
                "complaints": _tally(g for g in mine if g.kind == "complaint")[0],
            }
        )
    return rows


def build_report(
    groups: Sequence[Group],
    questions: list[dict[str, Any]],
    open_complaints: tuple[int, list[dict[str, Any]]],
    period: Period,
    *,
    agent: str | None = None,
    answered: Sequence[bool] | None = None,
) -> dict[str, Any]:
    """All figures of the report (the ``--json`` shape).

    ``groups`` is the period's aggregate, ``questions`` its :func:`top_questions`,
    ``open_complaints`` the count and major ones (``Store.open_complaints``);
    ``answered`` says per top question whether the KB answers it (None: no search plugin).
    """
    counts = {kind: _tally(g for g in groups if g.kind == kind)[0] for kind in KINDS}
    still_open, major = open_complaints
    return {
        "period": {
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
        },
        "agent": agent,
        "counts": counts,
        "inquiries": inquiry_totals(groups),
        "reasons": {
            "inquiry": ranked_reasons(groups, "inquiry", "未成交"),
            "unpaid": ranked_reasons(groups, "unpaid", "已关闭"),
        },
        "questions": questions,
        "gaps": gap_list(questions, answered),
        "unpaid": unpaid_totals(groups),
        "complaints": {"new": counts["complaint"], "open": still_open, "major_open": major},
        "agents": agent_rows(groups),
    }


def report_from_store(
    store: Any,
    period: Period,
    *,
    agent: str | None = None,
    top: int = 10,
    answer: Callable[[list[str]], list[bool] | None] | None = None,
) -> dict[str, Any]:
    """The report of ``period`` from a :class:`~cstool_logbook.store.Store`'s aggregates.

    ``answer(questions)`` says which top questions the KB answers (``kbgaps.answered``);
    without it the gap analysis is unavailable (``gaps`` None).
    """
    groups = store.report_groups(period.start, period.end, agent)
    questions = top_questions(store.question_groups(period.start, period.end, agent), top)
    return build_report(
        groups,
        questions,
        store.open_complaints(period.end, agent),
        period,
        agent=agent,
        answered=answer([q["question"] for q in questions]) if answer else None,
    )


def gap_list(questions: list[dict[str, Any]], answered: Sequence[bool] | None) -> list[dict[str, Any]] | None:
    """Frequent questions the KB has no match for; None when no search plugin could tell."""
    if answered is None:
        return None
    return [dict(q) for q, known in zip(questions, answered, strict=False) if not known]


# --- the same figures from entries in memory (the web workbench's per-day figures) --------------
def groups_of(entries: Iterable[Any]) -> list[Group]:
    """Entries (``models.Entry``) aggregated as the database does for :meth:`Store.report_groups`."""
    tally: dict[tuple[str, str, str, str], list[int]] = {}
    for e in entries:
        fen = 0 if e.amount is None else int((e.amount * 100).to_integral_exact())
        row = tally.setdefault((e.agent, e.kind, e.outcome, e.reason), [0, 0])
        row[0] += 1
        row[1] += fen
    return [Group(*key, count, fen) for key, (count, fen) in tally.items()]


def inquiry_figures(inquiries: Iterable[Any]) -> dict[str, Any]:
    """:func:`inquiry_totals` of entries in memory."""
    return inquiry_totals(groups_of(inquiries))


def unpaid_figures(unpaid: Iterable[Any]) -> dict[str, Any]:
    """:func:`unpaid_totals` of entries in memory."""
    return unpaid_totals(groups_of(unpaid))


# --- what the report says about itself -----------------------------------------------------------
def kb_used(kb: Any) -> dict[str, Any]:
    """Which knowledge base the gap analysis asked (shown with the report, ``kb`` in JSON)."""
    return {"path": str(kb.root.resolve()), "bundled": bool(kb.is_bundled)}


def no_entries_note(agent: str, label: str, *, known: bool) -> str:
    """What to say when a report for one agent has nothing in it."""
    if not known:
        return f"提示：日志里没有客服“{agent}”的任何记录（请检查名字是否写对），下面的报表全为 0。"
    return f"提示：客服“{agent}”在 {label} 没有记录，下面的报表全为 0。"
