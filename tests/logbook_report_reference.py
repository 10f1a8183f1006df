"""The report as it was computed before the aggregates moved into SQL: the reference the tests compare with.

Every entry of the period is read into an ``Entry`` and counted in Python. This
is the previous ``cstool_logbook.report`` code, kept verbatim (only renamed), so
``tests/test_logbook_report*.py`` can show the GROUP BY version gives the same
figures, key for key and value for value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from cstool_logbook.models import Entry
from cstool_logbook.report import Period, question_key, rate

ZERO = Decimal("0.00")


def old_report_from_store(store: Any, period: Period, *, agent: str | None, top: int = 10) -> dict[str, Any]:
    """What ``actions.report`` did: read the entries, then count them (no KB: ``gaps`` None)."""
    entries = store.query(start=period.start, end=period.end, agent=agent, newest_first=False)
    open_complaints = store.query(kind="complaint", outcome="处理中", end=period.end, agent=agent)
    return old_build_report(entries, open_complaints, period, agent=agent, top=top, matches=None)


def old_top_questions(entries: Iterable[Entry], limit: int = 10) -> list[dict[str, Any]]:
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


def old_ranked_reasons(entries: Sequence[Entry], outcomes: tuple[str, ...]) -> list[dict[str, Any]]:
    lost = [e for e in entries if e.outcome in outcomes]
    counts = Counter(e.reason or "未填写" for e in lost)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"reason": reason, "count": count, "share": rate(count, len(lost))} for reason, count in ranked]


def _money(entries: Iterable[Entry]) -> dict[str, Any]:
    items = list(entries)
    return {"count": len(items), "amount": sum((e.amount or ZERO for e in items), ZERO)}


def old_inquiry_figures(inquiries: Sequence[Entry]) -> dict[str, Any]:
    converted = sum(e.outcome == "成交" for e in inquiries)
    return {
        "total": len(inquiries),
        "converted": converted,
        "lost": sum(e.outcome == "未成交" for e in inquiries),
        "pending": sum(e.outcome == "跟进中" for e in inquiries),
        "conversion": rate(converted, len(inquiries)),
    }


def old_unpaid_figures(unpaid: Sequence[Entry]) -> dict[str, Any]:
    recovered = _money(e for e in unpaid if e.outcome == "已付款")
    return {
        "total": len(unpaid),
        "amount": sum((e.amount or ZERO for e in unpaid), ZERO),
        "recovered": recovered,
        "lost": _money(e for e in unpaid if e.outcome == "已关闭"),
        "pending": _money(e for e in unpaid if e.outcome == "跟进中"),
        "recovery_rate": rate(recovered["count"], len(unpaid)),
    }


def old_agent_rows(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    rows = []
    for agent in sorted({e.agent for e in entries}):
        mine = [e for e in entries if e.agent == agent]
        inquiries = [e for e in mine if e.kind == "inquiry"]
        unpaid = old_unpaid_figures([e for e in mine if e.kind == "unpaid"])
        figures = old_inquiry_figures(inquiries)
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


def old_build_report(
    entries: Sequence[Entry],
    open_complaints: Sequence[Entry],
    period: Period,
    *,
    agent: str | None = None,
    top: int = 10,
    matches: list[dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    inside = [e for e in entries if period.start <= e.at < period.end and (not agent or e.agent == agent)]
    by_kind = {
        kind: [e for e in inside if e.kind == kind] for kind in ("inquiry", "unpaid", "promise", "complaint")
    }
    questions = old_top_questions(by_kind["inquiry"], top)
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
        "inquiries": old_inquiry_figures(by_kind["inquiry"]),
        "reasons": {
            "inquiry": old_ranked_reasons(by_kind["inquiry"], ("未成交",)),
            "unpaid": old_ranked_reasons(by_kind["unpaid"], ("已关闭",)),
        },
        "questions": questions,
        "gaps": old_gap_list(questions, matches),
        "unpaid": old_unpaid_figures(by_kind["unpaid"]),
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
        "agents": old_agent_rows(inside),
    }


def old_gap_list(
    questions: list[dict[str, Any]], matches: list[dict[str, Any] | None] | None
) -> list[dict[str, Any]] | None:
    if matches is None:
        return None
    return [dict(q) for q, match in zip(questions, matches, strict=False) if not match]
