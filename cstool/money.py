"""Money is ``Decimal`` in yuan, exact to the cent.

Rule (stated in the README): values are read exactly as written, never via a
binary float; more than two decimals is an error; every computed amount is
rounded ROUND_HALF_UP to 0.01.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import BadInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def parse_money(value: object, *, field: str = "金额", allow_negative: bool = False) -> Decimal:
    """Read a money value written by a person (YAML, CSV, an option)."""
    if isinstance(value, bool) or value is None:
        raise BadInput(f"{field} 应为金额，得到 {value!r}")
    if isinstance(value, float):
        # A float has already lost the digits the user wrote; refuse rather than guess.
        raise BadInput(f"{field} 不能是二进制浮点数 {value!r}，请按文本读取")
    text = str(value).strip().replace(",", "").removeprefix("¥").removeprefix("￥").removesuffix("元")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadInput(f"{field} 不是有效金额：{value!r}") from None
    if not amount.is_finite():
        raise BadInput(f"{field} 不是有效金额：{value!r}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise BadInput(f"{field} 最多两位小数（到分）：{value!r}")
    if amount < 0 and not allow_negative:
        raise BadInput(f"{field} 不能为负数：{value!r}")
    return amount.quantize(CENT)


def round_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal) -> str:
    """Two decimals, as the JSON contracts require."""
    return str(round_cent(amount))
