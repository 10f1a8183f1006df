"""CSV import for teams moving off spreadsheets: Chinese column names map to fields.

Every row is validated before anything is written; the first bad row stops
the import with ``file:line`` and the database is left untouched.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from cstool.errors import BadInput
from cstool.spreadsheet import unneutralize

from .export import ENTRY_COLUMNS, LIST_SEPARATOR
from .models import FIELDS, Entry, build_entry, parse_kind
from .settings import Settings

# Spreadsheet column names (《询盘明细表》《未付款明细表》 and our own export) -> field.
ALIASES: dict[str, str] = {header: key for key, header in ENTRY_COLUMNS}
ALIASES.update(
    {
        "旺旺": "buyer",
        "买家": "buyer",
        "买家旺旺": "buyer",
        "买家旺旺名": "buyer",
        "客户": "buyer",
        "买家昵称": "buyer",
        "询盘时间": "at",
        "下单时间": "at",
        "日期": "at",
        "投诉时间": "at",
        "咨询到的问题": "questions",
        "问题": "questions",
        "咨询内容": "questions",
        "订单编号": "order",
        "订单": "order",
        "订单金额": "amount",
        "实付金额": "amount",
        "应付金额": "amount",
        "未付款原因": "reason",
        "未成交原因": "reason",
        "状态": "outcome",
        "是否成交": "outcome",
        "客服": "agent",
        "宝贝": "sku",
        "SKU": "sku",
        "商品/SKU": "sku",
        "商品编码": "sku",
        "回访日期": "followup",
        "跟进时间": "followup",
        "承诺": "promise",
        "客户要求或承诺": "promise",
        "旗帜颜色": "flag",
        "投诉": "what",
        "事件": "what",
    }
)
IGNORED = {"id", "remark"}  # new ids are given; the remark is regenerated from the promise


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 as Excel saves it on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput("无法识别文件编码，请另存为 UTF-8 CSV", path=path)


def read_csv(
    path: Path, *, kind: str | None, settings: Settings, tz: tzinfo, now: datetime, agent: str
) -> list[Entry]:
    try:
        raw = path.expanduser().read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取：{exc.strerror}", path=path) from None
    reader = csv.reader(io.StringIO(decode(raw, path), newline=""))
    header = next(reader, None)
    if not header:
        raise BadInput("CSV 是空的", path=path, line=1)
    columns = []
    for name in header:
        name = name.strip()
        field = ALIASES.get(name, name if name in {k for k, _ in ENTRY_COLUMNS} else None)
        if field is None:
            raise BadInput(
                f"未知的列：{name!r}（可用：{'、'.join(h for _, h in ENTRY_COLUMNS)} 等）", path=path, line=1
            )
        columns.append(field)
    if "kind" not in columns and kind is None:
        raise BadInput(
            "CSV 没有“类型”列，请用 --kind 指定（inquiry/unpaid/promise/complaint）", path=path, line=1
        )
    entries = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise BadInput(f"这一行有 {len(row)} 列，表头只有 {len(columns)} 列", path=path, line=line)
        # cells of a cstool export carry a leading ' where a spreadsheet would see a formula
        values = dict(zip(columns, (unneutralize(c.strip()) for c in row), strict=False))
        try:
            entries.append(_entry(values, kind, settings=settings, tz=tz, now=now, agent=agent))
        except BadInput as exc:
            raise BadInput(exc.message, path=path, line=line) from None
    return entries


def _entry(
    values: dict[str, str], kind: str | None, *, settings: Settings, tz: tzinfo, now: datetime, agent: str
) -> Entry:
    row_kind = parse_kind(values["kind"]) if values.get("kind") else kind
    if row_kind is None:
        raise BadInput("“类型”为空，请填写 询盘/未付款/承诺/投诉")
    raw: dict[str, Any] = {}
    for key, value in values.items():
        if key in IGNORED or key == "kind" or not value:
            continue
        if key not in FIELDS[row_kind]:
            raise BadInput(f"{key} 不是这种记录的字段（类型：{row_kind}）")
        if key == "questions":
            raw[key] = [
                q
                for q in value.replace(";", LIST_SEPARATOR)
                .replace("\n", LIST_SEPARATOR)
                .split(LIST_SEPARATOR)
            ]
        elif key == "checklist":
            raw[key] = [s for s in value.replace("，", "、").replace(",", "、").split("、") if s.strip()]
        elif key == "reminders":
            raw[key] = _reminders(value, tz)
        else:
            raw[key] = value
    raw.setdefault("agent", agent)
    if row_kind == "inquiry" and "outcome" not in raw:
        raw["outcome"] = "未成交"  # a 询盘明细表 lists the buyers who asked but did not buy
    return build_entry(row_kind, raw, settings=settings, tz=tz, now=now)


def _reminders(value: str, tz: tzinfo) -> list[dict[str, str]]:
    from cstool.timeutil import parse_time

    reminders = []
    for item in value.replace(";", LIST_SEPARATOR).split(LIST_SEPARATOR):
        item = item.strip()
        if not item:
            continue
        when, _, via = item.rpartition(" ")
        if not when:
            raise BadInput(f"催付记录应写成“2026-11-11 10:30 旺旺”：{item!r}")
        reminders.append({"at": parse_time(when, tz, field="催付时间").isoformat(), "via": via})
    return reminders
