"""Writers: entries and reports as a terminal table, Markdown, CSV, xlsx or JSON.

A report is first turned into neutral sections (title, headers, rows); every
format renders the same sections, so the figures cannot differ between them.
CSV is written UTF-8 with a BOM so Excel and WPS open the Chinese headers.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cstool.errors import BadInput
from cstool.files import atomic_write

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
def entry_cells(data: dict[str, Any]) -> list[str]:
    """One entry (as its JSON dict) as spreadsheet cells, in ENTRY_COLUMNS order."""
    cells = []
    for key, _ in ENTRY_COLUMNS:
        value = data.get(key)
        if key == "kind":
            value = KINDS.get(value, value)
        elif key == "at" and value:
            value = value.replace("T", " ")
        elif key == "questions":
            value = LIST_SEPARATOR.join(value or [])
        elif key == "reminders":
            value = LIST_SEPARATOR.join(f"{r['at'].replace('T', ' ')} {r['via']}" for r in value or [])
        elif key == "checklist":
            value = "、".join(value or {})
        cells.append(cell_text(value))
    return cells


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
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for section in sections:
        prefix = ["部分"] if with_section else []
        writer.writerow(prefix + section.headers)
        for row in section.rows:
            writer.writerow(([section.title] if with_section else []) + [cell_text(v) for v in row])
        if with_section:
            writer.writerow([])
    return "\ufeff" + buf.getvalue()


def to_xlsx(sections: list[Section]) -> bytes:
    """One sheet per section, Chinese headers, money as numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for section in sections:
        sheet = book.create_sheet(_sheet_name(section.title))
        sheet.append(section.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append([_xlsx_value(v) for v in row])
            for cell, value in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(value, Decimal):
                    cell.number_format = "0.00"
                elif isinstance(value, Pct) and value.value is not None:
                    cell.number_format = "0.0%"
        for index, header in enumerate(section.headers, start=1):
            width = max(
                [len(header) * 2]
                + [len(cell_text(r[index - 1])) * 2 for r in section.rows if len(r) >= index]
            )
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, max(8, width))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_name(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, "")
    return title[:31]


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Pct):
        return None if value.value is None else value.value / 100
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


def emit(data: str | bytes, out: Path | None) -> None:
    """Write to ``--out`` atomically (never half a file), else to stdout."""
    if out is None:
        if isinstance(data, bytes):
            raise BadInput("xlsx 是二进制文件，请用 --out 指定要保存的文件")
        sys.stdout.write(data if data.endswith("\n") else data + "\n")
        return
    write_atomic(out, data.encode("utf-8") if isinstance(data, str) else data)


def write_atomic(path: Path, data: bytes) -> None:
    path = path.expanduser()
    if path.is_dir():
        raise BadInput("这是一个文件夹，请给出文件名", path=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    except OSError as exc:
        raise BadInput(f"无法写入：{exc.strerror}", path=path) from None


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise BadInput(f"不支持的格式：{fmt}（可用：{'|'.join(allowed)}）")
    return fmt


def write_report(report: dict[str, Any], fmt: str, out: Path | None) -> None:
    from cstool.output import to_json

    _check_format(fmt, FORMATS)
    title = f"客服{'日' if report['period']['kind'] == 'day' else '周'}报 {report['period']['label']}"
    sections = report_sections(report)
    if fmt == "table" and out is None:
        render_table(sections, title)
    elif fmt == "json":
        emit(to_json(report), out)
    elif fmt == "csv":
        emit(to_csv(sections), out)
    elif fmt == "xlsx":
        emit(to_xlsx(sections), out)
    else:  # markdown, and a "table" saved to a file
        emit(to_markdown(sections, title), out)


def write_entries(rows: list[dict[str, Any]], fmt: str, out: Path | None) -> None:
    from cstool.output import to_json

    _check_format(fmt, ("csv", "markdown", "xlsx", "json"))
    if fmt == "json":
        emit(to_json(rows), out)
        return
    section = entries_section(rows)
    if fmt == "csv":
        emit(to_csv([section], with_section=False), out)
    elif fmt == "xlsx":
        emit(to_xlsx([section]), out)
    else:
        emit(to_markdown([section]), out)
