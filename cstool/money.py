"""Money is ``Decimal`` in yuan, exact to the cent; the one parser every plugin uses.

Rule (stated in the README): values are read exactly as written, never via a
binary float; more than two decimals is an error; every computed amount is
rounded ROUND_HALF_UP to 0.01.

Limits are checked on the text, before any arithmetic (issue 9): plain decimal
notation only (no exponent such as ``1E400`` or ``1e3``, no ``_``), ASCII or
full-width digits (full-width ones are normalized; other scripts' digits such
as ``٣`` are refused), at most :data:`MAX_MONEY` yuan, and ``-0`` is 0.
Quantities (:func:`parse_quantity`) follow the same notation, up to
:data:`MAX_QTY`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from .errors import BadInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_MONEY = Decimal("10000000.00")  # 1,000 万元: no order or price a shop handles is larger
MAX_QTY = 9999  # units per line
_MAX_TEXT = 40  # characters; anything longer cannot be a valid amount

# Full-width forms an IME types: digits, point, signs, comma, yen sign.
_WIDE = str.maketrans("０１２３４５６７８９．－＋，￥", "0123456789.-+,¥")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_INTEGER = re.compile(r"\+?[0-9]+")


def normalize_number_text(text: str) -> str:
    """Full-width digits, point, signs, comma and ¥ as their ASCII forms; spaces trimmed."""
    return text.translate(_WIDE).strip()


def show(value: object) -> str:
    """A value as a person wrote it, for messages: never ``Decimal('…')`` or a Python type name."""
    if isinstance(value, str):
        text = value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + "…"
        return f"“{text}”"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "（空）"
    if isinstance(value, int) and abs(value) > 10**_MAX_TEXT:
        return "（一个极大的数）"
    if isinstance(value, Decimal | int | float):
        return str(value)
    return "（不是数字）"


def parse_money(
    value: object,
    *,
    field: str = "金额",
    allow_negative: bool = False,
    maximum: Decimal = MAX_MONEY,
) -> Decimal:
    """Read a money value written by a person (YAML, CSV, an option), checked before any arithmetic."""
    if isinstance(value, bool) or value is None:
        raise BadInput(f"{field} 应为金额，得到 {show(value)}")
    if isinstance(value, float):
        # A float has already lost the digits the user wrote; refuse rather than guess.
        raise BadInput(f"{field} 不能是二进制浮点数 {value}，请按文本读取")
    if isinstance(value, int) and abs(value) > maximum:
        raise BadInput(f"{field} 太大：最多 {maximum:,.2f} 元")
    if isinstance(value, Decimal) and not value.is_finite():
        raise BadInput(f"{field} 不是有效金额：{show(value)}")
    raw = str(value) if isinstance(value, int | Decimal) else value
    if not isinstance(raw, str):
        raise BadInput(f"{field} 应为金额，得到 {show(value)}")
    if len(raw) > _MAX_TEXT:
        raise BadInput(f"{field} 不是有效金额：{show(raw)}（太长）")
    text = normalize_number_text(raw)
    text = text.removeprefix("¥").removesuffix("元").strip()
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN.fullmatch(text):
        hint = "（只写普通数字，如 99 或 79.90；不能用科学计数法或下划线）"
        raise BadInput(f"{field} 不是有效金额：{show(value)}{hint}")
    amount = Decimal(text)  # plain notation of at most _MAX_TEXT characters: always exact and cheap
    if -amount.as_tuple().exponent > 2:  # type: ignore[operator]
        raise BadInput(f"{field} 最多两位小数（到分）：{show(value)}")
    if amount.is_zero():
        return ZERO  # -0 and -0.00 are 0
    if amount < 0 and not allow_negative:
        raise BadInput(f"{field} 不能为负数：{show(value)}")
    if abs(amount) > maximum:
        raise BadInput(f"{field} 太大：最多 {maximum:,.2f} 元，得到 {show(value)}")
    return amount.quantize(CENT)


def parse_quantity(value: object, *, field: str = "件数", maximum: int = MAX_QTY) -> int:
    """A positive whole number of units (ASCII or full-width digits), at most ``maximum``."""
    if isinstance(value, bool):
        raise BadInput(f"{field}应为正整数，得到 {show(value)}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        if abs(value) > maximum:
            raise BadInput(f"{field}太多：每行最多 {maximum:,} 件")
        number = int(value)
    elif isinstance(value, str):
        text = normalize_number_text(value)
        if len(text) > _MAX_TEXT or not _INTEGER.fullmatch(text):
            raise BadInput(f"{field}应为正整数，得到 {show(value)}")
        text = text.lstrip("+").lstrip("0") or "0"
        if len(text) > len(str(maximum)):
            raise BadInput(f"{field}太多：每行最多 {maximum:,} 件，得到 {show(value)}")
        number = int(text)
    else:
        raise BadInput(f"{field}应为正整数，得到 {show(value)}")
    if number < 1:
        raise BadInput(f"{field}应为正整数，得到 {show(value)}")
    if number > maximum:
        raise BadInput(f"{field}太多：每行最多 {maximum:,} 件，得到 {show(value)}")
    return number


def round_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal) -> str:
    """Two decimals, as the JSON contracts require."""
    return str(round_cent(amount))
