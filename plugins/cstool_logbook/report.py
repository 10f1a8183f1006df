"""The supervisor's report: plain functions from a period's entries to figures.

Rules (also in docs/logbook.md):
- An entry belongs to the period of its own time (询盘时间 / 下单时间).
- Conversion = 成交 inquiries / all inquiries of the period; recovery = 已付款 unpaid
  orders / all unpaid orders of the period. Rates and shares are percentages
  rounded ROUND_HALF_UP to one decimal (text such as "66.7"), ``None`` when there is nothing to divide.
- Amounts are exact Decimal sums (yuan, two decimals).
- Questions are counted once per entry, after folding width and case and
  dropping spaces and leading/trailing punctuation; the wording shown is the first one seen.
- "Open complaints" are all complaints still 处理中 at the end of the period.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .models import Entry

ZERO = Decimal("0.00")
_TRAILING = "?？!！。.~～…,，、 "


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


def question_key(text: str) -> str:
    folded = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    return folded.rstrip(_TRAILING).lstrip(_TRAILING)


def top_questions(entries: Iterable[Entry], limit: int = 10) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    wording: dict[str, str] = {}
    for entry in entries:
        asked = {question_key(q): q.strip() for q in reversed(entry.questions)}  # first wording wins
        for key, text in asked.items():
            if key:
                counts[key] += 1
                wording.setdefault(key, text)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"question": wording[key], "count": count} for key, count in ranked]


def ranked_reasons(entries: Sequence[Entry], outcomes: tuple[str, ...]) -> list[dict[str, Any]]:
    """Reasons of the entries that did not convert, most frequent first (blank = 未填写)."""
    lost = [e for e in entries if e.outcome in outcomes]
    counts = Counter(e.reason or "未填写" for e in lost)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"reason": reason, "count": count, "share": rate(count, len(lost))} for reason, count in ranked]


def _money(entries: Iterable[Entry]) -> dict[str, Any]:
    items = list(entries)
    return {"count": len(items), "amount": sum((e.amount or ZERO for e in items), ZERO)}


def inquiry_figures(inquiries: Sequence[Entry]) -> dict[str, Any]:
    converted = sum(e.outcome == "成交" for e in inquiries)
    return {
        "total": len(inquiries),
        "converted": converted,
        "lost": sum(e.outcome == "未成交" for e in inquiries),
        "pending": sum(e.outcome == "跟进中" for e in inquiries),
        "conversion": rate(converted, len(inquiries)),
    }


def unpaid_figures(unpaid: Sequence[Entry]) -> dict[str, Any]:
    recovered = _money(e for e in unpaid if e.outcome == "已付款")
    return {
        "total": len(unpaid),
        "amount": sum((e.amount or ZERO for e in unpaid), ZERO),
        "recovered": recovered,
        "lost": _money(e for e in unpaid if e.outcome == "已关闭"),
        "pending": _money(e for e in unpaid if e.outcome == "跟进中"),
        "recovery_rate": rate(recovered["count"], len(unpaid)),
    }


def agent_rows(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    rows = []
    for agent in sorted({e.agent for e in entries}):
        mine = [e for e in entries if e.agent == agent]
        inquiries = [e for e in mine if e.kind == "inquiry"]
        unpaid = unpaid_figures([e for e in mine if e.kind == "unpaid"])
        figures = inquiry_figures(inquiries)
        rows.append(
            {
                "agent": agent or "未署名",
                "inquiries": figures["total"],
                "converted": figures["converted"],
                "conversion": figures["conversion"],
                "unpaid": unpaid["total"],
                "recovered_amount": unpaid["recovered"]["amount"],
                "lost_amount": unpaid["lost"]["amount"],
                "complaints": sum(e.kind == "complaint" for e in mine),
            }
        )
    return rows


def build_report(
    entries: Sequence[Entry],
    open_complaints: Sequence[Entry],
    period: Period,
    *,
    agent: str | None = None,
    top: int = 10,
    matches: list[dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    """All figures of the report. ``matches`` is the KB match per top question (None: no search plugin)."""
    inside = [e for e in entries if period.start <= e.at < period.end and (not agent or e.agent == agent)]
    by_kind = {
        kind: [e for e in inside if e.kind == kind] for kind in ("inquiry", "unpaid", "promise", "complaint")
    }
    questions = top_questions(by_kind["inquiry"], top)
    complaints = [e for e in open_complaints if e.at < period.end and (not agent or e.agent == agent)]
    return {
        "period": {
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
        },
        "agent": agent,
        "counts": {kind: len(items) for kind, items in by_kind.items()},
        "inquiries": inquiry_figures(by_kind["inquiry"]),
        "reasons": {
            "inquiry": ranked_reasons(by_kind["inquiry"], ("未成交",)),
            "unpaid": ranked_reasons(by_kind["unpaid"], ("已关闭",)),
        },
        "questions": questions,
        "gaps": gap_list(questions, matches),
        "unpaid": unpaid_figures(by_kind["unpaid"]),
        "complaints": {
            "new": len(by_kind["complaint"]),
            "open": len(complaints),
            "major_open": [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "buyer": e.buyer,
                    "order": e.order,
                    "what": e.details.get("what", ""),
                    "severity": e.details.get("severity", ""),
                }
                for e in complaints
                if e.details.get("major")
            ],
        },
        "agents": agent_rows(inside),
    }


def gap_list(
    questions: list[dict[str, Any]], matches: list[dict[str, Any] | None] | None
) -> list[dict[str, Any]] | None:
    """Frequent questions the KB has no match for; None when no search plugin could tell."""
    if matches is None:
        return None
    return [dict(q) for q, match in zip(questions, matches, strict=False) if not match]


def kb_used(kb: Any) -> dict[str, Any]:
    """Which knowledge base the gap analysis asked (shown with the report, ``kb`` in JSON)."""
    return {"path": str(kb.root.resolve()), "bundled": bool(kb.is_bundled)}


def no_entries_note(agent: str, label: str, *, known: bool) -> str:
    """What to say when a report for one agent has nothing in it."""
    if not known:
        return f"提示：日志里没有客服“{agent}”的任何记录（请检查名字是否写对），下面的报表全为 0。"
    return f"提示：客服“{agent}”在 {label} 没有记录，下面的报表全为 0。"
