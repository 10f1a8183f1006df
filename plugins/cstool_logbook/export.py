"""Writers: entries and reports as a terminal table, Markdown, CSV, xlsx or JSON.

A report is first turned into neutral sections (title, headers, rows); every
format renders the same sections, so the figures cannot differ between them.
CSV is written UTF-8 with a BOM so Excel and WPS open the Chinese headers.
CSV and xlsx go through :mod:`cstool.spreadsheet`: text a person typed can
never become a formula, amounts are numbers (¥ format in xlsx).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cstool.errors import BadInput
from cstool.spreadsheet import Percent, csv_text

from .models import KINDS

FORMATS = ("table", "markdown", "csv", "xlsx", "json")

# Entry field -> Chinese column header (also what CSV import accepts).
ENTRY_COLUMNS = [
    ("id", "编号"),
    ("kind", "类型"),
    ("at", "时间"),
    ("agent", "接待客服"),
    ("buyer", "旺旺名"),
    ("order", "订单号"),
    ("sku", "商品"),
    ("questions", "咨询问题"),
    ("outcome", "结果"),
    ("reason", "原因"),
    ("amount", "金额"),
    ("followup", "跟进日期"),
    ("note", "备注"),
    ("reminders", "催付记录"),
    ("promise", "承诺内容"),
    ("flag", "旗帜"),
    ("remark", "订单备注"),
    ("what", "投诉内容"),
    ("severity", "严重程度"),
    ("checklist", "五清楚"),
]
LIST_SEPARATOR = "；"


@dataclass(frozen=True)
class Pct:
    """A percentage (already ×100, one decimal) so xlsx can store it as a number."""

    text: str | None

    @property
    def value(self) -> Decimal | None:
        return None if self.text is None else Decimal(self.text)


@dataclass(frozen=True)
class Section:
    title: str
    headers: list[str]
    rows: list[list[Any]]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Pct):
        return "-" if value.value is None else f"{value.value}%"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


# --- entries ----------------------------------------------------------------------------------
def entry_cells(data: dict[str, Any]) -> list[Any]:
    """One entry (as its JSON dict) as spreadsheet cells, in ENTRY_COLUMNS order.

    The id is an integer and the amount a Decimal, so spreadsheets get numbers;
    everything else is text.
    """
    cells: list[Any] = []
    for key, _ in ENTRY_COLUMNS:
        value = data.get(key)
        if key == "kind":
            value = KINDS.get(str(value), value)
        elif key == "at" and value:
            value = value.replace("T", " ")
        elif key == "questions":
            value = LIST_SEPARATOR.join(value or [])
        elif key == "reminders":
            value = LIST_SEPARATOR.join(f"{r['at'].replace('T', ' ')} {r['via']}" for r in value or [])
        elif key == "checklist":
            value = "、".join(value or {})
        elif key == "amount" and value not in (None, ""):
            value = _decimal(value)
        if (key == "id" and isinstance(value, int)) or isinstance(value, Decimal):
            cells.append(value)
        else:
            cells.append(cell_text(value))
    return cells


def _decimal(value: Any) -> Decimal | str:
    from decimal import InvalidOperation

    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)


def entries_section(rows: list[dict[str, Any]]) -> Section:
    return Section("记录", [header for _, header in ENTRY_COLUMNS], [entry_cells(row) for row in rows])


# --- reports ----------------------------------------------------------------------------------
def report_sections(report: dict[str, Any]) -> list[Section]:
    inq, unpaid, complaints = report["inquiries"], report["unpaid"], report["complaints"]
    overview = [
        ["时间范围", report["period"]["label"]],
        ["客服", report["agent"] or "全部"],
        ["询盘", inq["total"]],
        ["成交", inq["converted"]],
        ["未成交", inq["lost"]],
        ["跟进中", inq["pending"]],
        ["询盘转化率", Pct(inq["conversion"])],
        ["未付款订单", unpaid["total"]],
        ["未付款金额", unpaid["amount"]],
        ["催付成功（单）", unpaid["recovered"]["count"]],
        ["催付成功金额", unpaid["recovered"]["amount"]],
        ["已关闭（单）", unpaid["lost"]["count"]],
        ["流失金额", unpaid["lost"]["amount"]],
        ["仍在催付（单）", unpaid["pending"]["count"]],
        ["仍在催付金额", unpaid["pending"]["amount"]],
        ["催付挽回率", Pct(unpaid["recovery_rate"])],
        ["承诺备注", report["counts"]["promise"]],
        ["新投诉", complaints["new"]],
        ["未结投诉", complaints["open"]],
        ["未结重大投诉", len(complaints["major_open"])],
    ]
    kb = report.get("kb")
    if kb:
        overview.append(["知识库（缺口分析）", kb["path"] + ("（示例知识库）" if kb.get("bundled") else "")])
    sections = [Section("概览", ["项目", "数值"], overview)]
    for key, title in (("inquiry", "未成交原因（询盘）"), ("unpaid", "未付款原因（已关闭订单）")):
        rows = [[r["reason"], r["count"], Pct(r["share"])] for r in report["reasons"][key]]
        sections.append(Section(title, ["原因", "次数", "占比"], rows))
    sections.append(
        Section(
            "咨询最多的问题", ["问题", "次数"], [[q["question"], q["count"]] for q in report["questions"]]
        )
    )
    gaps = report["gaps"]
    if gaps is None:
        sections.append(
            Section("知识库缺口", ["问题", "次数"], [["（未加载搜索插件，无法分析知识库缺口）", None]])
        )
    else:
        sections.append(
            Section(
                "知识库缺口（建议补充到知识库）",
                ["问题", "次数"],
                [[g["question"], g["count"]] for g in gaps],
            )
        )
    sections.append(
        Section(
            "未结重大投诉（一报告）",
            ["编号", "时间", "旺旺名", "订单号", "内容"],
            [
                [c["id"], c["at"].replace("T", " ")[:16], c["buyer"], c["order"], c["what"]]
                for c in complaints["major_open"]
            ],
        )
    )
    sections.append(
        Section(
            "按客服",
            ["客服", "询盘", "成交", "转化率", "未付款", "挽回金额", "流失金额", "投诉"],
            [
                [
                    a["agent"],
                    a["inquiries"],
                    a["converted"],
                    Pct(a["conversion"]),
                    a["unpaid"],
                    a["recovered_amount"],
                    a["lost_amount"],
                    a["complaints"],
                ]
                for a in report["agents"]
            ],
        )
    )
    return sections


# --- renderers --------------------------------------------------------------------------------
def to_markdown(sections: list[Section], title: str = "") -> str:
    def esc(value: Any) -> str:
        return cell_text(value).replace("|", "\\|").replace("\n", " ")

    lines = [f"# {title}", ""] if title else []
    for section in sections:
        lines += [f"## {section.title}", ""]
        if not section.rows:
            lines += ["（无）", ""]
            continue
        lines.append("| " + " | ".join(section.headers) + " |")
        lines.append("|" + "|".join("---" for _ in section.headers) + "|")
        lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in section.rows]
        lines.append("")
    return "\n".join(lines)


def to_csv(sections: list[Section], *, with_section: bool = True) -> str:
    rows: list[list[Any]] = []
    for section in sections:
        prefix = ["部分"] if with_section else []
        rows.append(prefix + section.headers)
        for row in section.rows:
            rows.append(([section.title] if with_section else []) + [_sheet_value(v) for v in row])
        if with_section:
            rows.append([])
    return csv_text(rows)


def to_xlsx(sections: list[Section]) -> bytes:
    """One sheet per section, Chinese headers, money as ¥ numbers, rates as percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from cstool.spreadsheet import append_row, sheet_title

    book = Workbook()
    book.remove(book.active)
    for section in sections:
        sheet = book.create_sheet(sheet_title(section.title))
        append_row(sheet, section.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in section.rows:
            append_row(sheet, [_sheet_value(v) for v in row])
        for index, header in enumerate(section.headers, start=1):
            width = max(
                [len(header) * 2]
                + [len(cell_text(r[index - 1])) * 2 for r in section.rows if len(r) >= index]
            )
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, max(8, width))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_value(value: Any) -> Any:
    """A cell for CSV/xlsx: a rate becomes a Percent (fraction + text); the rest as is."""
    if isinstance(value, Pct):
        fraction = None if value.value is None else value.value / 100
        return Percent(fraction, cell_text(value))
    return value


def render_table(sections: list[Section], title: str = "") -> None:
    """A readable table in the terminal (rich), to stdout."""
    from rich.table import Table

    from .render import wide_console

    out = wide_console()
    if title:
        out.print(f"[bold]{title}[/bold]")
    for section in sections:
        table = Table(title=section.title, title_justify="left", show_edge=False)
        for header in section.headers:
            table.add_column(header, overflow="fold")
        for row in section.rows:
            table.add_row(*(cell_text(v) for v in row))
        if not section.rows:
            table.add_row(*(["（无）"] + [""] * (len(section.headers) - 1)))
        out.print(table)
        out.print()


def emit(data: str | bytes, out: str | None, *, force: bool = False, private: bool = False) -> None:
    """Write to ``--out`` (atomically, never over a device, folder, link or, without --force, a file)."""
    from cstool.files import write_output

    write_output(out, data, force=force, private=private)


ENTRY_FORMATS = ("csv", "markdown", "xlsx", "json")


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise BadInput(f"不支持的格式：{fmt}（可用：{'|'.join(allowed)}）")
    return fmt


def write_report(
    report: dict[str, Any], fmt: str, out: str | None, *, force: bool = False, private: bool = False
) -> None:
    from cstool.output import to_json

    check_format(fmt, FORMATS)
    title = f"客服{'日' if report['period']['kind'] == 'day' else '周'}报 {report['period']['label']}"
    sections = report_sections(report)
    if fmt == "table" and out in (None, "-"):
        render_table(sections, title)
        return
    if fmt == "json":
        data: str | bytes = to_json(report)
    elif fmt == "csv":
        data = to_csv(sections)
    elif fmt == "xlsx":
        data = to_xlsx(sections)
    else:  # markdown, and a "table" saved to a file
        data = to_markdown(sections, title)
    emit(data, out, force=force, private=private)


def write_entries(
    rows: list[dict[str, Any]], fmt: str, out: str | None, *, force: bool = False, private: bool = False
) -> None:
    from cstool.output import to_json

    check_format(fmt, ENTRY_FORMATS)
    if fmt == "json":
        data: str | bytes = to_json(rows)
    else:
        section = entries_section(rows)
        if fmt == "csv":
            data = to_csv([section], with_section=False)
        elif fmt == "xlsx":
            data = to_xlsx([section])
        else:
            data = to_markdown([section])
    emit(data, out, force=force, private=private)
