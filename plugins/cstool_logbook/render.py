"""Terminal output for people: entry tables, one entry with its history, a buyer, due items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import KINDS

if TYPE_CHECKING:
    from rich.console import Console


def wide_console() -> Console:
    """A console that does not squeeze tables to 80 columns when the output is a pipe or a file."""
    from cstool.output import console

    out = console()
    if not out.is_terminal:
        out.width = 200
    return out


def _time(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ")


def content(row: dict[str, Any]) -> str:
    """The one-line gist of an entry: its questions, promise or complaint."""
    if row["kind"] == "inquiry":
        return "；".join(row.get("questions") or [])
    if row["kind"] == "promise":
        return f"{row.get('promise', '')}［{row.get('flag', '')}旗］"
    if row["kind"] == "complaint":
        major = "【重大】" if row.get("major") else ""
        steps = "、".join(row.get("checklist") or {}) or "未开始"
        return f"{major}{row.get('what', '')}（五清楚：{steps}）"
    reminders = row.get("reminders") or []
    return f"已催付 {len(reminders)} 次" + (f"；{row['note']}" if row.get("note") else "")


def entries_table(rows: list[dict[str, Any]], title: str = "") -> None:
    from rich.table import Table

    table = Table(title=title or None, title_justify="left", show_edge=False)
    for header in ("编号", "时间", "类型", "客服", "旺旺名", "订单号", "金额", "结果", "原因", "内容"):
        table.add_column(header, overflow="fold", no_wrap=header in ("订单号", "时间"))
    for row in rows:
        table.add_row(
            str(row["id"]),
            _time(row["at"]),
            KINDS[row["kind"]],
            row["agent"],
            row["buyer"],
            row["order"],
            row["amount"] or "",
            row["outcome"],
            row["reason"],
            content(row),
        )
    wide_console().print(table)


def entry_detail(row: dict[str, Any]) -> None:
    lines = [
        f"#{row['id']} {KINDS[row['kind']]}  {_time(row['at'])}  客服：{row['agent'] or '未署名'}",
        f"旺旺名：{row['buyer']}" + (f"（客户组：{'、'.join(row['groups'])}）" if row.get("groups") else ""),
    ]
    fields = [
        ("order", "订单号"),
        ("sku", "商品"),
        ("amount", "金额"),
        ("outcome", "结果"),
        ("reason", "原因"),
        ("followup", "跟进日期"),
        ("promise", "承诺"),
        ("remark", "订单备注"),
        ("flag", "旗帜"),
        ("what", "投诉内容"),
        ("severity", "严重程度"),
        ("note", "备注"),
    ]
    for key, label in fields:
        if row.get(key):
            lines.append(f"{label}：{row[key]}")
    for question in row.get("questions") or []:
        lines.append(f"问题：{question}")
    if row["kind"] == "complaint":
        checklist = row.get("checklist") or {}
        lines.append(
            "五清楚："
            + "  ".join(
                f"{s}{'✓' if s in checklist else '·'}"
                for s in ("听清楚", "问清楚", "跟清楚", "复清楚", "记清楚")
            )
        )
        if row.get("major"):
            lines.append("【重大投诉，已标记给主管】")
    for reminder in row.get("reminders") or []:
        lines.append(f"催付：{_time(reminder['at'])} {reminder['via']}")
    for note in row.get("notes") or []:
        lines.append(f"跟进：{_time(note['at'])} {note['agent']}：{note['text']}")
    lines.append("历史：")
    for event in row.get("history") or []:
        what = (
            "创建"
            if event["action"] == "created"
            else "修改 "
            + "；".join(f"{k}: {_short(old)} → {_short(new)}" for k, (old, new) in event["changes"].items())
        )
        lines.append(f"  {_time(event['at'])} {event['agent'] or '未署名'} {what}")
    print("\n".join(lines))


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values())
    return "（空）" if value in (None, "") else str(value)


def buyer_summary(view: dict[str, Any]) -> None:
    counts = view["counts"]
    groups = "、".join(view["groups"]) or "（未分组）"
    print(f"旺旺名：{view['buyer']}  客户组：{groups}")
    print(
        "记录："
        + "，".join(f"{KINDS[k]} {n}" for k, n in counts.items())
        + f"；成交/付款 {view['converted']} 次"
    )
    if view["entries"]:
        entries_table(view["entries"])


def due_table(items: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(show_edge=False)
    for header in ("事项", "编号", "到期", "旺旺名", "订单号", "客服", "内容"):
        table.add_column(header, overflow="fold")
    for item in items:
        table.add_row(
            item["action"],
            str(item["id"]),
            _time(item["due"]),
            item["buyer"],
            item["order"],
            item["agent"],
            item["what"],
        )
    wide_console().print(table)


def campaign_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(show_edge=False)
    for header in ("旺旺名", "客户组", "最近", "询盘", "未付款", "原因", "问过"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(
            row["buyer"],
            "、".join(row["groups"]),
            _time(row["last_at"]),
            str(row["inquiries"]),
            str(row["unpaid"]),
            "、".join(row["reasons"]),
            "；".join(row["questions"]),
        )
    wide_console().print(table)
