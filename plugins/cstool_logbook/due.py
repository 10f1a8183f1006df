"""What needs action now: 催付 due on the schedule, follow-ups due, complaints awaiting a reply."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .models import Entry
from .settings import Settings


def next_reminder(entry: Entry, settings: Settings) -> tuple[int, datetime, str] | None:
    """(step number from 1, when, channel) of the next 催付 of an open unpaid order, if any is left."""
    sent = len(entry.details.get("reminders", []))
    if entry.kind != "unpaid" or entry.outcome != "跟进中" or sent >= len(settings.reminders):
        return None
    step = settings.reminders[sent]
    return sent + 1, entry.at + step.after, step.via


def due_items(entries: Iterable[Entry], settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """Items due at ``now``, oldest due first; each says what to do."""
    today = now.date()
    items = []
    for entry in entries:
        base = {
            "id": entry.id,
            "kind": entry.kind,
            "buyer": entry.buyer,
            "order": entry.order,
            "agent": entry.agent,
        }
        reminder = next_reminder(entry, settings)
        if reminder and reminder[1] <= now:
            number, when, via = reminder
            items.append(
                {
                    **base,
                    "action": "催付",
                    "due": when.isoformat(),
                    "what": f"第 {number} 次催付（{via}），金额 {entry.amount}",
                }
            )
        if (
            entry.kind == "inquiry"
            and entry.outcome == "跟进中"
            and entry.followup
            and entry.followup <= today
        ):
            items.append(
                {
                    **base,
                    "action": "跟进",
                    "due": entry.followup.isoformat(),
                    "what": "；".join(entry.questions) or entry.note,
                }
            )
        if (
            entry.kind == "complaint"
            and entry.outcome == "处理中"
            and "复清楚" not in entry.details.get("checklist", {})
        ):
            due = entry.followup.isoformat() if entry.followup else entry.at.isoformat()
            if not entry.followup or entry.followup <= today:
                flag = "【重大】" if entry.details.get("major") else ""
                items.append(
                    {**base, "action": "投诉待回复", "due": due, "what": flag + entry.details.get("what", "")}
                )
    return sorted(items, key=lambda item: (item["due"][:10], item["due"], item["id"] or 0))


def campaign_list(
    entries: Iterable[Entry], groups: dict[str, list[str]], priority: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Buyers to contact first when a campaign starts: asked or ordered but did not buy.

    A buyer whose latest inquiry or unpaid order converted (成交/已付款) is left out.
    Buyers in a ``priority`` group come first, then the most recent.
    """
    latest: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.kind in ("inquiry", "unpaid"):
            latest.setdefault(entry.buyer, []).append(entry)
    rows: list[dict[str, Any]] = []
    for buyer, mine in latest.items():
        mine.sort(key=lambda e: (e.at, e.id or 0))
        if mine[-1].outcome in ("成交", "已付款"):
            continue
        rows.append(
            {
                "buyer": buyer,
                "groups": groups.get(buyer, []),
                "last_at": mine[-1].at.isoformat(),
                "inquiries": sum(e.kind == "inquiry" for e in mine),
                "unpaid": sum(e.kind == "unpaid" for e in mine),
                "reasons": sorted({e.reason for e in mine if e.reason}),
                "questions": list(dict.fromkeys(q for e in mine for q in e.questions))[:5],
                "orders": [e.order for e in mine if e.order],
            }
        )
    rank = {name: index for index, name in enumerate(priority)}
    rows.sort(key=lambda r: r["last_at"], reverse=True)
    rows.sort(key=lambda r: min((rank[g] for g in r["groups"] if g in rank), default=len(rank)))
    return rows
