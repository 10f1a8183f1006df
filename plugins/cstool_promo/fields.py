"""Reading one rule's fields with errors that name the file, line, rule id and field.

A rule class reads what it needs through a :class:`Fields`; whatever it did
not read is an unknown field and the loader rejects it, so a typo such as
``limt_per_order`` never silently does nothing.
"""

from __future__ import annotations

from datetime import tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cstool import yamlio
from cstool.errors import BadInput
from cstool.money import parse_money
from cstool.timeutil import parse_time

_MISSING: Any = object()


class Fields:
    """The fields of one rule (or one tier of a rule), read by name."""

    def __init__(
        self,
        data: Any,
        *,
        path: Path | str,
        what: str,
        tz: tzinfo,
        prefix: str = "",
        line: int | None = None,
    ):
        self.data = data
        self.path = path
        self.what = what  # "规则 ltd-a", "活动", "购物车": who the errors are about
        self.tz = tz
        self.prefix = prefix
        self.line = line if line is not None else yamlio.line_of(data)
        self.read: set[str] = set()

    # --- errors -----------------------------------------------------------
    def error(self, name: str | None, message: str) -> BadInput:
        line = yamlio.line_of(self.data, name) if name is not None and name in self.data else self.line
        field = f"{self.prefix}{name}" if name is not None else self.prefix.rstrip(".")
        where = self.what + (f" 的字段 {field}" if field else "")
        return BadInput(f"{where}：{message}", path=self.path, line=line)

    def unknown(self) -> list[str]:
        return [str(k) for k in self.data if str(k) not in self.read]

    def finish(self) -> None:
        """Reject the fields nobody read (typos, fields of another rule type)."""
        extra = self.unknown()
        if extra:
            raise self.error(extra[0], f"未知字段 {extra[0]}（检查拼写，或这个规则类型不支持它）")

    # --- raw access -------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        self.read.add(name)
        if name in self.data and self.data[name] is not None:
            return self.data[name]
        if default is _MISSING:
            raise self.error(name, "缺少这个字段")
        return default

    # --- typed access -----------------------------------------------------
    def text(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        if isinstance(value, dict | list):
            raise self.error(name, f"应为文字，得到 {type(value).__name__}")
        return str(value)

    def money(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        try:
            return parse_money(value, field=name)
        except BadInput as exc:
            raise self.error(name, exc.message) from None

    def number(self, name: str, default: Any = _MISSING) -> Any:
        """An exact decimal number (a 折 rate, a percentage): never a binary float."""
        value = self.raw(name, default)
        if value is default:
            return value
        return exact_decimal(value, lambda msg: self.error(name, msg))

    def integer(self, name: str, default: Any = _MISSING, *, minimum: int = 0) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.error(name, f"应为整数，得到 {value!r}")
        if isinstance(value, Decimal) and value != value.to_integral_value():
            raise self.error(name, f"应为整数，得到 {value}")
        if int(value) < minimum:
            raise self.error(name, f"不能小于 {minimum}，得到 {value}")
        return int(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.error(name, f"应为 true 或 false，得到 {value!r}")
        return value

    def time(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        try:
            return parse_time(str(value), self.tz, field="")
        except BadInput as exc:
            raise self.error(name, exc.message) from None

    def text_list(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        if isinstance(value, str | int):
            value = [value]
        if not isinstance(value, list) or any(isinstance(v, dict | list) or v is None for v in value):
            raise self.error(name, "应为列表，如 [A, B]")
        return [str(v) for v in value]

    def mapping(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is default:
            return value
        if not isinstance(value, dict):
            raise self.error(name, "应为键值对，如 {A: 1, C: 1}")
        return value

    def sub_list(self, name: str) -> list[Fields]:
        """A list of mappings (e.g. ``tiers``), each read with its own line numbers."""
        value = self.raw(name)
        if not isinstance(value, list) or not value:
            raise self.error(name, "应为非空列表")
        subs = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise BadInput(
                    f"{self.what} 的字段 {self.prefix}{name}[{index + 1}]：应为键值对，如 {{at: 199, off: 20}}",
                    path=self.path,
                    line=yamlio.line_of(value, index),
                )
            subs.append(
                Fields(
                    item,
                    path=self.path,
                    what=self.what,
                    tz=self.tz,
                    prefix=f"{self.prefix}{name}[{index + 1}].",
                )
            )
        return subs


def exact_decimal(value: Any, error: Any) -> Decimal:
    """``value`` as an exact Decimal; ``error(msg)`` builds the exception to raise."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise error(f"应为数字（按文本精确读取），得到 {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise error(f"应为数字，得到 {value!r}") from None
    if not number.is_finite():
        raise error(f"应为数字，得到 {value!r}")
    return number
