"""Spreadsheets that cannot attack the person who opens them (CSV and xlsx, for every plugin).

A cell typed by a person (a buyer's name, a question, a note, a reason, a title)
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or the
full-width ``＝＋－＠``) would be taken as a formula by Excel or WPS. Such text is
written as text:

- CSV: with a leading ``'`` (the OWASP guidance); :func:`unneutralize` takes it
  off again when cstool reads its own export back.
- xlsx: as a string cell (never a formula), marked "quote prefix" so editing it
  in Excel keeps it text.

Numbers stay numbers: amounts (``Decimal``) are numeric cells with the ¥ number
format, counts are integers. openpyxl is imported only when an xlsx is written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
MONEY_FORMAT = '"¥"#,##0.00'
PERCENT_FORMAT = "0.0%"
# Characters an xlsx (XML 1.0) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralize(text: str) -> str:
    """CSV: text that a spreadsheet would run as a formula gets a leading ``'``."""
    return "'" + text if is_formula_like(text) else text


def unneutralize(text: str) -> str:
    """Undo :func:`neutralize` (reading a cstool CSV back)."""
    if text.startswith("'") and is_formula_like(text[1:]):
        return text[1:]
    return text


@dataclass(frozen=True)
class Percent:
    """A rate for a spreadsheet: ``fraction`` (0.667) or None for "nothing to divide" (shown ``-``)."""

    fraction: Decimal | None
    text: str


def csv_cell(value: Any) -> str:
    """One CSV cell: numbers as written, a Percent as its text (empty when there was nothing
    to divide: a bare ``-`` would itself look like the start of a formula), other text neutralized."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return value.text if value.fraction is not None else ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    return neutralize(str(value))


def csv_text(rows: Iterable[Sequence[Any]], *, bom: bool = True) -> str:
    """Rows as CSV text (``\\r\\n`` line ends; UTF-8 BOM so Excel/WPS read Chinese)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" if bom else "") + buf.getvalue()


def put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write one xlsx cell: text as a string cell (never a formula), money with the ¥ format."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, Percent):
        if value.fraction is None:
            cell.value = value.text
            cell.data_type = "s"
        else:
            cell.value = value.fraction
            cell.number_format = PERCENT_FORMAT
    elif isinstance(value, Decimal):
        cell.value = value
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, int) and not isinstance(value, bool):
        cell.value = value
    else:
        text = _ILLEGAL_XML.sub("", str(value))
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        if is_formula_like(text):
            cell.quotePrefix = True
    return cell


def append_row(sheet: Any, values: Sequence[Any]) -> int:
    """Append ``values`` as the next row (see :func:`put`); returns the row number."""
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        put(sheet, row, column, value)
    return row


def sheet_title(title: str) -> str:
    """A valid sheet name: no ``[]:*?/\\``, at most 31 characters."""
    for char in "[]:*?/\\":
        title = title.replace(char, "")
    return title[:31] or "Sheet"
