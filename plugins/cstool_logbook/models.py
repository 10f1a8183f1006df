"""Logbook entries: the four kinds, their fields, and validation of what a person typed.

``build_entry`` is the one place raw values (from options, prompts or a CSV
row) become an :class:`Entry`; anything wrong is ``BadInput`` and nothing is
written. ``apply_update`` changes an entry and returns what changed, so the
store can keep the history.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from cstool.errors import BadInput

from .settings import Settings

KINDS = {"inquiry": "询盘", "unpaid": "未付款", "promise": "承诺", "complaint": "投诉"}
KIND_BY_LABEL = {label: kind for kind, label in KINDS.items()}
OUTCOMES = {
    "inquiry": ("成交", "未成交", "跟进中"),
    "unpaid": ("已付款", "已关闭", "跟进中"),
    "promise": ("待履行", "已履行"),
    "complaint": ("处理中", "已解决"),
}
DEFAULT_OUTCOME = {"unpaid": "跟进中", "promise": "待履行", "complaint": "处理中"}
OPEN_OUTCOMES = ("跟进中", "处理中")
CHECKLIST = ("听清楚", "问清楚", "跟清楚", "复清楚", "记清楚")  # 五清楚
_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{4,64}$")


@dataclass
class Entry:
    kind: str
    at: datetime
    buyer: str
    agent: str = ""
    order: str = ""
    sku: str = ""
    questions: list[str] = field(default_factory=list)
    outcome: str = ""
    reason: str = ""
    amount: Decimal | None = None
    followup: date | None = None
    note: str = ""
    # Kind-specific: reminders, notes, promise/remark/flag, what/severity/major/checklist.
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.outcome in OPEN_OUTCOMES

    def identity(self) -> tuple[str, int, str, str, str]:
        """What makes two entries the same event, whatever happened to them since.

        ``log import`` skips a row whose identity is already in the logbook: the
        kind, the time (to the second), the buyer, the order id and what was
        asked / promised / complained about. Outcome, reason, notes and the
        agent are left out, so a row updated in the logbook since its first
        import is still recognised.
        """
        if self.kind == "inquiry":
            content: Any = [self.sku, [q.strip() for q in self.questions]]
        elif self.kind == "promise":
            content = self.details.get("promise", "")
        elif self.kind == "complaint":
            content = self.details.get("what", "")
        else:
            content = ""
        text = json.dumps(content, ensure_ascii=False, sort_keys=True)
        return (self.kind, int(self.at.timestamp()), self.buyer, self.order, text)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of an entry (``cstool log list --json``)."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "agent": self.agent,
            "buyer": self.buyer,
            "order": self.order,
            "sku": self.sku,
            "questions": list(self.questions),
            "outcome": self.outcome,
            "reason": self.reason,
            "amount": None if self.amount is None else f"{self.amount:.2f}",
            "followup": self.followup.isoformat() if self.followup else None,
            "note": self.note,
        }
        data.update(self.details)
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        return data


def clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse_kind(value: str) -> str:
    text = clean(value)
    kind = KIND_BY_LABEL.get(text, text)
    if kind not in KINDS:
        raise BadInput(f"未知的类型：{text!r}（可用：{'、'.join(f'{k}/{v}' for k, v in KINDS.items())}）")
    return kind


def check_choice(value: str, choices: tuple[str, ...], label: str) -> str:
    if value not in choices:
        raise BadInput(f"未知的{label}：{value!r}（可用：{'、'.join(choices)}）")
    return value


def check_order(value: str) -> str:
    if not _ORDER_ID.match(value):
        raise BadInput(f"订单号格式不对：{value!r}（应为 4–64 位数字或字母）")
    return value


def check_money(value: Any) -> Decimal:
    from cstool.money import parse_money

    amount = parse_money(value, field="金额")
    if amount >= Decimal("100000000"):
        raise BadInput(f"金额过大：{value!r}")
    return amount


def build_entry(kind: str, raw: dict[str, Any], *, settings: Settings, tz: tzinfo, now: datetime) -> Entry:
    """Validate raw values for one entry; ``raw`` keys are the option names (buyer, order, …)."""
    from cstool.timeutil import parse_date, parse_time

    unknown = set(raw) - FIELDS[kind]
    if unknown:
        raise BadInput(f"{KINDS[kind]}没有这些字段：{'、'.join(sorted(unknown))}")
    missing = [name for name in REQUIRED[kind] if not _given(raw.get(name))]
    if missing:
        raise BadInput(
            "缺少必填项：" + "、".join(f"{FLAGS.get(n, '--' + n)}（{LABELS[n]}）" for n in missing)
        )
    at = parse_time(raw["at"], tz, field="时间") if _given(raw.get("at")) else now
    entry = Entry(
        kind=kind,
        at=at,
        buyer=clean(raw.get("buyer")),
        agent=clean(raw.get("agent")),
        note=clean(raw.get("note")),
    )
    if len(entry.buyer) > 100:
        raise BadInput("旺旺名过长（最多 100 个字符）")
    if _given(raw.get("order")):
        entry.order = check_order(clean(raw["order"]))
    entry.sku = clean(raw.get("sku"))
    entry.questions = [q for q in (clean(x) for x in raw.get("questions") or []) if q]
    outcome = clean(raw.get("outcome")) or DEFAULT_OUTCOME.get(kind, "")
    entry.outcome = check_choice(outcome, OUTCOMES[kind], "结果")
    if _given(raw.get("reason")):
        entry.reason = check_choice(clean(raw["reason"]), settings.reasons(kind), "原因")
    if _given(raw.get("amount")):
        entry.amount = check_money(clean(raw["amount"]))
    if _given(raw.get("followup")):
        entry.followup = parse_date(clean(raw["followup"]), field="跟进日期")
    if kind == "unpaid":
        entry.details["reminders"] = list(raw.get("reminders") or [])
    elif kind == "promise":
        promise = clean(raw.get("promise"))
        flag = clean(raw.get("flag")) or settings.flag_for(promise)
        check_choice(flag, tuple(f.colour for f in settings.flags), "旗帜颜色")
        if not entry.agent:
            raise BadInput("订单备注需要接待客服：用 --agent 指定，或在 config.toml 里设置 agent")
        entry.details.update(
            promise=promise,
            flag=flag,
            remark=order_remark(settings, entry.agent, promise, at, entry.order, entry.buyer, flag),
        )
    elif kind == "complaint":
        severity = clean(raw.get("severity")) or settings.severities[0]
        check_choice(severity, settings.severities, "严重程度")
        checklist = {}
        for step in raw.get("checklist") or []:
            checklist[check_choice(clean(step), CHECKLIST, "五清楚步骤")] = at.isoformat()
        entry.details.update(
            what=clean(raw.get("what")),
            severity=severity,
            major=severity in settings.major_severities,
            checklist=checklist,
        )
    entry.details.setdefault("notes", [])
    return entry


def order_remark(
    settings: Settings, agent: str, promise: str, at: datetime, order: str, buyer: str, flag: str
) -> str:
    """The order remark in the team's format: 接待客服 + 客户要求或承诺 + 日期.

    Rendered by the core's safe renderer (names only: no attribute, index,
    conversion or format spec), the same one KB replies use.
    """
    from functools import partial

    from cstool.template import render_text

    values = {
        "agent": agent,
        "promise": promise,
        "date": at.strftime(settings.remark_date_format),
        "order": order,
        "buyer": buyer,
        "flag": flag,
    }
    producers: dict[str, Callable[[], str]] = {k: partial(str, v) for k, v in values.items()}
    return render_text(settings.remark_format, producers).strip()


def _given(value: Any) -> bool:
    if isinstance(value, list):
        return any(clean(v) for v in value)
    return bool(clean(value))


LABELS = {
    "buyer": "旺旺名",
    "at": "时间",
    "agent": "接待客服",
    "questions": "咨询问题",
    "sku": "商品/SKU",
    "outcome": "结果",
    "reason": "原因",
    "followup": "跟进日期",
    "note": "备注",
    "order": "订单号",
    "amount": "金额",
    "promise": "承诺内容",
    "flag": "旗帜颜色",
    "what": "投诉内容",
    "severity": "严重程度",
    "checklist": "五清楚",
    "reminders": "催付记录",
}
FLAGS = {"questions": "--question", "checklist": "--check", "reminders": "--remind"}
_COMMON = {"buyer", "at", "agent", "note"}
FIELDS = {
    "inquiry": _COMMON | {"questions", "sku", "outcome", "reason", "followup"},
    "unpaid": _COMMON | {"order", "amount", "reason", "outcome", "followup", "reminders"},
    "promise": _COMMON | {"order", "promise", "flag", "outcome"},
    "complaint": _COMMON | {"order", "what", "severity", "checklist", "outcome", "followup"},
}
REQUIRED = {
    "inquiry": ("buyer", "questions", "outcome"),
    "unpaid": ("order", "buyer", "amount"),
    "promise": ("order", "buyer", "promise"),
    "complaint": ("buyer", "what"),
}


@dataclass(frozen=True)
class Update:
    """What ``cstool log update`` asks to change; None/empty means leave as is."""

    outcome: str | None = None
    reason: str | None = None
    followup: str | None = None
    note: str | None = None
    remind: str | None = None  # 催付 channel, e.g. 旺旺/短信/电话
    check: tuple[str, ...] = ()  # 五清楚 steps done
    severity: str | None = None

    @property
    def empty(self) -> bool:
        return not any(
            (self.outcome, self.reason, self.followup, self.note, self.remind, self.check, self.severity)
        )


def check_update(update: Update, *, settings: Settings) -> None:
    """Refuse what an update cannot be, without reading the entry (so before the database is opened).

    The entry's kind decides the rest (which outcomes, whether a reminder fits): :func:`apply_update`.
    """
    from cstool.timeutil import parse_date

    if update.empty:
        raise BadInput("没有要修改的内容（用 --outcome、--remind、--note 等）")
    if update.outcome:
        check_choice(clean(update.outcome), tuple(dict.fromkeys(sum(OUTCOMES.values(), ()))), "结果")
    if update.reason:
        reasons = (*settings.reasons("inquiry"), *settings.reasons("unpaid"))
        check_choice(clean(update.reason), tuple(dict.fromkeys(reasons)), "原因")
    if update.followup:
        parse_date(clean(update.followup), field="跟进日期")
    for step in update.check:
        check_choice(clean(step), CHECKLIST, "五清楚步骤")
    if update.severity:
        check_choice(clean(update.severity), settings.severities, "严重程度")


def apply_update(
    entry: Entry, update: Update, *, settings: Settings, at: datetime, agent: str
) -> tuple[Entry, dict[str, Any]]:
    """Return the changed entry and the changes as ``{field: [old, new]}`` (history keeps both)."""
    from cstool.timeutil import parse_date

    if update.empty:
        raise BadInput("没有要修改的内容（用 --outcome、--remind、--note 等）")
    new = replace(
        entry,
        details={
            k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
            for k, v in entry.details.items()
        },
    )
    changes: dict[str, Any] = {}

    def change(name: str, old: Any, value: Any) -> None:
        if old != value:
            changes[name] = [old, value]

    if update.outcome:
        outcome = check_choice(clean(update.outcome), OUTCOMES[entry.kind], "结果")
        change("outcome", entry.outcome, outcome)
        new.outcome = outcome
    if update.reason:
        if entry.kind not in ("inquiry", "unpaid"):
            raise BadInput(f"{KINDS[entry.kind]}没有“原因”字段")
        reason = check_choice(clean(update.reason), settings.reasons(entry.kind), "原因")
        change("reason", entry.reason, reason)
        new.reason = reason
    if update.followup:
        followup = parse_date(clean(update.followup), field="跟进日期")
        change("followup", entry.followup.isoformat() if entry.followup else None, followup.isoformat())
        new.followup = followup
    if update.remind:
        if entry.kind != "unpaid":
            raise BadInput("只有未付款订单可以记录催付")
        reminder = {"at": at.isoformat(), "via": clean(update.remind)}
        new.details["reminders"] = [*entry.details.get("reminders", []), reminder]
        changes["reminder"] = [None, reminder]
    if update.check:
        if entry.kind != "complaint":
            raise BadInput("只有投诉有五清楚进度")
        checklist = dict(entry.details.get("checklist", {}))
        for step in update.check:
            step = check_choice(clean(step), CHECKLIST, "五清楚步骤")
            if step not in checklist:
                checklist[step] = at.isoformat()
                changes[f"checklist.{step}"] = [None, at.isoformat()]
        new.details["checklist"] = checklist
    if update.severity:
        if entry.kind != "complaint":
            raise BadInput("只有投诉有严重程度")
        severity = check_choice(clean(update.severity), settings.severities, "严重程度")
        change("severity", entry.details.get("severity"), severity)
        new.details["severity"] = severity
        new.details["major"] = severity in settings.major_severities
    if update.note:
        note = {"at": at.isoformat(), "agent": agent, "text": clean(update.note)}
        new.details["notes"] = [*entry.details.get("notes", []), note]
        changes["note"] = [None, note["text"]]
    return new, changes
