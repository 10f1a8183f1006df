"""What each ``cstool log`` command does, given plain values (the Typer layer only parses options)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cstool.errors import BadInput
from cstool.masking import mask_data, mask_text

from . import prompts
from .models import (
    CHECKLIST,
    KINDS,
    LABELS,
    OPEN_OUTCOMES,
    OUTCOMES,
    Entry,
    Update,
    apply_update,
    build_entry,
)
from .settings import FILE_NAME, Settings, load_settings

if TYPE_CHECKING:
    from cstool.context import AppState

    from .store import Store

T = TypeVar("T")


class Session:
    """One command's view of the world: the store, the team lists, the clock and the agent."""

    def __init__(self, state: AppState, db: str | None):
        from .store import resolve_target

        self.state = state
        self.target = resolve_target(db or state.extra.get("log_db"))
        self._store: Store | None = None

    @cached_property
    def tz(self) -> tzinfo:
        from cstool.timeutil import get_zone

        return get_zone()

    @cached_property
    def now(self) -> datetime:
        from cstool.timeutil import now

        return now(self.tz).replace(microsecond=0)

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.state.kb.path(FILE_NAME))

    @cached_property
    def agent(self) -> str:
        from cstool.config import load_user_config

        return load_user_config().agent

    @property
    def store(self) -> Store:
        if self._store is None:
            from .store import open_store

            self._store = open_store(self.target)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def day_range(self, start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
        from cstool.timeutil import parse_date

        first = datetime.combine(parse_date(start, field="开始日期"), time(), self.tz) if start else None
        last = (
            datetime.combine(parse_date(end, field="结束日期") + timedelta(days=1), time(), self.tz)
            if end
            else None
        )
        if first and last and first >= last:
            raise BadInput("开始日期晚于结束日期")
        return first, last


def shown(data: T, unmasked: bool) -> T:
    """``data`` as the agent may see it: masked unless ``--unmasked``."""
    return data if unmasked else mask_data(data)


# --- entry ------------------------------------------------------------------------------------
def record(session: Session, kind: str, raw: dict[str, Any], *, ask: bool = True) -> Entry:
    """Fill missing fields (prompts at a terminal unless ``ask`` is off), validate, and save one entry."""
    raw = {key: value for key, value in raw.items() if value not in (None, [], "")}
    raw.setdefault("agent", session.agent)
    if ask and prompts.interactive():
        ask_missing(session, kind, raw)  # Ctrl-C: the CLI's cancel path says nothing was written

    entry = build_entry(
        kind,
        raw,
        settings=session.settings if _needs_settings(kind, raw) else _defaults(),
        tz=session.tz,
        now=session.now,
    )
    return session.store.add(entry, now=session.now)


def _needs_settings(kind: str, raw: dict[str, Any]) -> bool:
    # Reading logbook.yaml costs a YAML parser import; a one-line entry without a reason skips it.
    return kind in ("promise", "complaint") or bool(raw.get("reason"))


def _defaults() -> Settings:
    from .settings import DEFAULTS

    return DEFAULTS


def ask_missing(session: Session, kind: str, raw: dict[str, Any]) -> None:
    from .models import check_money, check_order

    settings = session.settings

    def text(key: str, *, required: bool = True, check: Callable[[str], object] | None = None) -> None:
        if not raw.get(key):
            value = prompts.ask_text(LABELS[key], required=required, check=check)
            if value:
                raw[key] = value

    def optional_order(value: str) -> None:
        if value.strip():
            check_order(value.strip())

    if kind in ("unpaid", "promise"):
        text("order", check=check_order)
    text("buyer")
    if kind == "inquiry":
        if not raw.get("questions"):
            raw["questions"] = prompts.ask_list("咨询问题")
        if not raw.get("outcome"):
            raw["outcome"] = prompts.ask_select("结果", OUTCOMES["inquiry"], default="未成交")
        if raw["outcome"] != "成交" and not raw.get("reason"):
            raw["reason"] = prompts.ask_select("未成交原因", settings.inquiry_reasons)
        if raw["outcome"] == "跟进中" and not raw.get("followup"):
            text("followup", required=False, check=_check_date)
    elif kind == "unpaid":
        text("amount", check=check_money)
        if not raw.get("reason"):
            choice = prompts.ask_select(
                "未付款原因", ("暂不清楚", *settings.unpaid_reasons), default="暂不清楚"
            )
            raw["reason"] = "" if choice == "暂不清楚" else choice
    elif kind == "promise":
        text("promise")
        text("agent")
        if not raw.get("flag"):
            raw["flag"] = prompts.ask_select(
                "旗帜颜色",
                [f.colour for f in settings.flags],
                default=settings.flag_for(raw.get("promise", "")),
            )
    elif kind == "complaint":
        text("order", required=False, check=optional_order)
        text("what")
        if not raw.get("severity"):
            raw["severity"] = prompts.ask_select(
                "严重程度", settings.severities, default=settings.severities[0]
            )


def _check_date(value: str) -> None:
    from cstool.timeutil import parse_date

    parse_date(value, field="跟进日期")


def summary(entry: Entry) -> str:
    """The one-line confirmation of a new entry (masked: it is printed)."""
    parts = [f"已记录 #{entry.id} {KINDS[entry.kind]}：{mask_text(entry.buyer)}"]
    if entry.order:
        parts.append(f"订单 {entry.order}")
    if entry.amount is not None:
        parts.append(f"¥{entry.amount:.2f}")
    parts.append(entry.outcome + (f"（{entry.reason}）" if entry.reason else ""))
    return " · ".join(parts)


# --- update -----------------------------------------------------------------------------------
def update(
    session: Session, entry_id: int, change: Update, *, at: str | None, agent: str | None
) -> tuple[Entry, dict]:
    from cstool.timeutil import parse_time

    from .models import check_update
    from .store import check_id

    check_id(entry_id)  # everything the arguments alone can refuse, before the database is opened
    when = parse_time(at, session.tz, field="时间") if at else session.now
    who = agent or session.agent
    settings = session.settings
    check_update(change, settings=settings)
    return session.store.update(
        entry_id,
        lambda entry: apply_update(entry, change, settings=settings, at=when, agent=who),
        now=session.now,
        agent=who,
    )


def describe_changes(changes: dict[str, Any]) -> list[str]:
    """The changes of an update as lines for the person (masked: notes and channels are free text)."""
    lines = []
    for key, (old, new) in mask_data(changes).items():
        if key == "reminder":
            lines.append(f"催付：{new['via']}（{new['at'][:16].replace('T', ' ')}）")
        elif key == "note":
            lines.append(f"备注：{new}")
        elif key.startswith("checklist."):
            lines.append(f"五清楚：{key.split('.', 1)[1]} ✓")
        else:
            lines.append(f"{LABELS.get(key, key)}：{old or '（空）'} → {new}")
    return lines


# --- reading ----------------------------------------------------------------------------------
def entry_view(session: Session, entry: Entry) -> dict[str, Any]:
    assert entry.id is not None, "only a saved entry has a history"
    data = entry.to_dict()
    data["history"] = session.store.history(entry.id)
    data["groups"] = session.store.groups([entry.buyer]).get(entry.buyer, [])
    return data


def buyer_view(session: Session, buyer: str) -> dict[str, Any]:
    entries = session.store.query(buyer=buyer)
    return {
        "buyer": buyer,
        "groups": session.store.groups([buyer]).get(buyer, []),
        "counts": {kind: sum(e.kind == kind for e in entries) for kind in KINDS},
        "converted": sum(e.outcome in ("成交", "已付款") for e in entries),
        "entries": [e.to_dict() for e in entries],
    }


def due(session: Session, agent: str | None) -> list[dict[str, Any]]:
    from .due import due_items

    # kinds AND outcomes let the (kind, outcome) index find the open items without a full scan
    kinds = ("inquiry", "unpaid", "complaint")
    entries = session.store.query(kinds=kinds, outcomes=OPEN_OUTCOMES, agent=agent, newest_first=False)
    return due_items(entries, session.settings, session.now)


def campaign(
    session: Session, since: str | None, group: str | None, limit: int | None
) -> list[dict[str, Any]]:
    from cstool.timeutil import parse_date

    from .due import campaign_list

    start_day = parse_date(since, field="开始日期") if since else session.now.date() - timedelta(days=90)
    if group:
        _check_group(session, group)  # before the database is opened
    entries = session.store.query(
        kinds=("inquiry", "unpaid"), start=datetime.combine(start_day, time(), session.tz)
    )
    groups = session.store.groups()
    rows = campaign_list(entries, groups, priority=session.settings.group_names)
    if group:
        _check_group(session, group)
        rows = [r for r in rows if group in r["groups"]]
    return rows[:limit] if limit else rows


def _check_group(session: Session, group: str) -> None:
    if group not in session.settings.group_names:
        raise BadInput(
            f"未知的客户组：{group}（可用：{'、'.join(session.settings.group_names)}；在 logbook.yaml 里维护）"
        )


def tag(session: Session, buyer: str, add: list[str], remove: list[str], agent: str | None) -> None:
    for group in [*add, *remove]:
        _check_group(session, group)
    for group in add:
        session.store.tag(buyer, group, agent=agent or session.agent, now=session.now)
    for group in remove:
        session.store.untag(buyer, group)


def report(session: Session, *, kind: str, day: str | None, agent: str | None, top: int) -> dict[str, Any]:
    """The report's figures: the database aggregates, the search plugin tells which top questions the KB answers."""
    from cstool.timeutil import parse_date

    from .kbgaps import answered
    from .report import period_for, report_from_store

    target_day = parse_date(day, field="日期") if day else session.now.date()
    period = period_for(kind, target_day, session.tz)
    return report_from_store(
        session.store,
        period,
        agent=agent,
        top=top,
        answer=lambda questions: answered(session.state, questions),
    )


def export_entries(
    session: Session, *, kind: str | None, start: str | None, end: str | None, agent: str | None
) -> list[dict[str, Any]]:
    first, last = session.day_range(start, end)  # before the database is opened
    entries = session.store.query(kind=kind, start=first, end=last, agent=agent, newest_first=False)
    return [e.to_dict() for e in entries]


def import_csv(session: Session, path: Path, kind: str | None) -> tuple[list[Entry], int]:
    """Import a CSV; rows already in the logbook (see ``Entry.identity``) are skipped and counted."""
    from .importer import read_csv

    entries = read_csv(
        path, kind=kind, settings=session.settings, tz=session.tz, now=session.now, agent=session.agent
    )
    if not entries:
        return [], 0
    return session.store.add_new(entries, now=session.now)


def parse_checks(values: list[str] | None) -> tuple[str, ...]:
    steps: list[str] = []
    for value in values or []:
        steps += [s.strip() for s in value.replace("，", "、").replace(",", "、").split("、") if s.strip()]
    for step in steps:
        if step not in CHECKLIST:
            raise BadInput(f"未知的五清楚步骤：{step}（可用：{'、'.join(CHECKLIST)}）")
    return tuple(steps)


def parse_day(value: str | None) -> date | None:
    from cstool.timeutil import parse_date

    return parse_date(value) if value else None
