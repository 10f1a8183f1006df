"""The logbook's pages in ``cstool serve``: 记录 (four forms), 待办 (due list), 主管 (report).

Loaded only by the web plugin's hook. Every page calls the functions behind
``cstool log`` (:mod:`.actions`, :mod:`.report`, :mod:`.export`); masking
is on unless a supervisor unlocked the browser (``web.shown``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cstool.errors import BadInput

HERE = Path(__file__).resolve().parent
FORM_FIELDS = {
    "inquiry": ("buyer", "questions", "outcome", "reason", "sku", "at", "followup", "note", "agent"),
    "unpaid": ("order", "buyer", "amount", "reason", "outcome", "at", "followup", "note", "agent"),
    "promise": ("order", "buyer", "promise", "flag", "at", "note", "agent"),
    "complaint": ("buyer", "order", "what", "severity", "checklist", "followup", "at", "note", "agent"),
}
REMIND_CHANNELS = ("旺旺", "短信", "电话")


def contribute(register: Any) -> None:
    register(
        "logbook",
        routes=[
            ("/log", log_page),
            ("/api/log/{kind}", api_record, ["POST"]),
            ("/due", due_page),
            ("/api/due", api_due),
            ("/api/entry/{entry_id:int}", api_entry),
            ("/api/entry/{entry_id:int}/update", api_update, ["POST"]),
            ("/report", report_page),
            ("/api/report", api_report),
            ("/report/download", report_download),
        ],
        templates=HERE / "templates",
        static=HERE / "static",
        nav=[("/log", "记录", 20), ("/due", "待办", 40), ("/report", "主管", 50)],
    )


def open_session(web: Any) -> Any:
    from .actions import Session

    return Session(web.state, None)


# ---------------------------------------------------------------- 记录


def log_page(web: Any) -> Any:
    from .models import CHECKLIST, LABELS, OUTCOMES, REQUIRED

    with open_session(web) as session:
        settings = session.settings
        now = session.now
        agent = session.agent
    return web.render(
        "logbook/log.html",
        kind=web.query.get("kind", "inquiry") if web.query.get("kind") in FORM_FIELDS else "inquiry",
        fields=FORM_FIELDS,
        labels=LABELS,
        required={kind: set(names) for kind, names in REQUIRED.items()},
        outcomes=OUTCOMES,
        inquiry_reasons=settings.inquiry_reasons,
        unpaid_reasons=settings.unpaid_reasons,
        flags=settings.flags,
        severities=settings.severities,
        checklist=CHECKLIST,
        now=now.strftime("%Y-%m-%dT%H:%M"),
        agent=agent,
    )


def _clean_raw(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for name in FORM_FIELDS[kind]:
        value = data.get(name)
        if name in ("questions", "checklist"):
            if isinstance(value, str):
                value = [line.strip() for line in value.splitlines() if line.strip()]
            raw[name] = [str(v).strip() for v in value or [] if str(v).strip()]
        elif value is not None:
            text = str(value).strip()
            raw[name] = text.replace("T", " ") if name == "at" else text
    return raw


def field_of(message: str, kind: str) -> dict[str, str]:
    """Which form field a validation message is about, for the inline error."""
    from .models import LABELS

    fields: dict[str, str] = {}
    if message.startswith("缺少必填项"):
        for name in FORM_FIELDS[kind]:
            if f"（{LABELS[name]}）" in message:
                fields[name] = f"请填写{LABELS[name]}"
        return fields
    labels = sorted(((LABELS[n], n) for n in FORM_FIELDS[kind]), key=lambda p: -len(p[0]))
    for label, name in labels:
        if label in message:
            return {name: message}
    if "接待客服" in message:
        return {"agent": message}
    return fields


def api_record(web: Any) -> Any:
    """``POST /api/log/{kind}``: the same validation and store as ``cstool log <kind>``."""

    from .actions import record, summary

    kind = str(web.path_params.get("kind"))
    if kind not in FORM_FIELDS:
        raise BadInput(f"未知的类型：{kind}")
    raw = _clean_raw(kind, web.data)
    try:
        with open_session(web) as session:
            entry = record(session, kind, raw, ask=False)
    except BadInput as exc:
        return web.json({"error": str(exc), "fields": field_of(exc.message, kind)}, status=400)
    body = {"id": entry.id, "summary": web.shown(summary(entry)), "entry": web.shown(entry.to_dict())}
    if kind == "promise":
        body["remark"] = entry.details["remark"]  # the agent pastes it into the order: their own words
        body["flag"] = entry.details["flag"]
    return body


# ---------------------------------------------------------------- 待办


def due_items(web: Any) -> list[dict[str, Any]]:
    from .actions import due

    agent = web.query.get("agent") or None
    with open_session(web) as session:
        return web.shown(due(session, agent))


def due_page(web: Any) -> Any:
    from .models import OUTCOMES

    return web.render(
        "logbook/due.html",
        items=due_items(web),
        outcomes=OUTCOMES,
        channels=REMIND_CHANNELS,
        agent=web.query.get("agent", ""),
    )


def api_due(web: Any) -> Any:
    return due_items(web)


def api_entry(web: Any) -> Any:
    from .actions import entry_view

    with open_session(web) as session:
        entry = session.store.get(int(web.path_params["entry_id"]))
        if entry is None:
            raise BadInput(f"没有编号为 {web.path_params['entry_id']} 的记录")
        return web.json(web.shown(entry_view(session, entry)))


def api_update(web: Any) -> Any:
    """``POST /api/entry/{id}/update {outcome, reason, note, remind, check}``: ``cstool log update``."""
    from .actions import describe_changes, parse_checks, update
    from .models import Update

    data = web.data

    def text(name: str) -> str | None:
        value = data.get(name)
        return str(value).strip() or None if value is not None else None

    checks = data.get("check") or []
    change = Update(
        outcome=text("outcome"),
        reason=text("reason"),
        followup=text("followup"),
        note=text("note"),
        remind=text("remind"),
        check=parse_checks([checks] if isinstance(checks, str) else list(checks)),
        severity=text("severity"),
    )
    with open_session(web) as session:
        entry, changes = update(
            session, int(web.path_params["entry_id"]), change, at=None, agent=text("agent")
        )
    return {
        "id": entry.id,
        "changes": web.shown(describe_changes(changes)),
        "entry": web.shown(entry.to_dict()),
    }


# ---------------------------------------------------------------- 主管


def build(web: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report (as ``cstool log report --format json``) and, for a week, the figures of each day."""
    from datetime import timedelta

    from cstool.timeutil import parse_date

    from .actions import report
    from .report import inquiry_figures, kb_used, no_entries_note, period_for, unpaid_figures

    kind = web.query.get("kind", "day")
    if kind not in ("day", "week"):
        raise BadInput("kind 应为 day（日报）或 week（周报）")
    day = web.query.get("date") or None
    agent = web.query.get("agent") or None
    with open_session(web) as session:
        data = web.shown(report(session, kind=kind, day=day, agent=agent, top=10))
        if agent and not any(data["counts"].values()):
            known = bool(session.store.query(agent=agent, limit=1))
            data["note"] = no_entries_note(agent, data["period"]["label"], known=known)
        data["kb"] = kb_used(session.state.kb)
        days: list[dict[str, Any]] = []
        if kind == "week":
            target = parse_date(day, field="日期") if day else session.now.date()
            period = period_for("week", target, session.tz)
            entries = session.store.query(start=period.start, end=period.end, agent=agent, newest_first=False)
            first = period.start.date()
            for offset in range(7):
                this = first + timedelta(days=offset)
                mine = [e for e in entries if e.at.astimezone(session.tz).date() == this]
                days.append(
                    {
                        "date": this.isoformat(),
                        "inquiries": inquiry_figures([e for e in mine if e.kind == "inquiry"]),
                        "unpaid": unpaid_figures([e for e in mine if e.kind == "unpaid"]),
                    }
                )
    return data, web.shown(days)


def report_page(web: Any) -> Any:
    from .export import report_sections

    data, days = build(web)
    return web.render(
        "logbook/report.html",
        report=data,
        days=days,
        sections=report_sections(data),
        kind=data["period"]["kind"],
        date=web.query.get("date", ""),
        agent=web.query.get("agent", ""),
        query=_query(web),
    )


def api_report(web: Any) -> Any:
    data, days = build(web)
    note = data.pop("note", None)
    return {"report": data, "days": days, "note": note}


def _query(web: Any) -> str:
    from urllib.parse import urlencode

    keep = {k: v for k, v in web.query.items() if k in ("kind", "date", "agent") and v}
    return urlencode(keep)


def report_download(web: Any) -> Any:
    """The report as xlsx or csv: the same sections as ``cstool log report --format xlsx|csv``."""
    from .export import report_sections, to_csv, to_xlsx

    fmt = web.query.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise BadInput("format 应为 xlsx 或 csv")
    data, _ = build(web)
    data.pop("note", None)
    name = f"客服{'日' if data['period']['kind'] == 'day' else '周'}报-{data['period']['label']}.{fmt}"
    sections = report_sections(data)
    if fmt == "csv":
        return web.download(to_csv(sections), name, "text/csv; charset=utf-8")
    return web.download(
        to_xlsx(sections), name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
