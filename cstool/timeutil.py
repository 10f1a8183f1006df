"""Time zones and time parsing: every time cstool stores or compares is aware.

Naive input is read in the configured zone (Asia/Shanghai by default).
``CSTOOL_NOW`` (an ISO time) fixes the clock for tests and reproducible demos.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BadInput

DEFAULT_TZ = "Asia/Shanghai"


def get_zone(name: str | None = None) -> tzinfo:
    """The zone called ``name``, else the configured one."""
    if name is None:
        from .config import load_user_config

        name = load_user_config().timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadInput(f"未知时区：{name}") from exc


def now(tz: tzinfo | None = None) -> datetime:
    tz = tz or get_zone()
    fixed = os.environ.get("CSTOOL_NOW")
    if fixed:
        return parse_time(fixed, tz)
    return datetime.now(tz)


def parse_time(value: str | datetime | date, tz: tzinfo | None = None, *, field: str = "时间") -> datetime:
    """Parse ``2026-11-11 10:00``, ISO 8601 with or without offset, or a date.

    A time without an offset is taken in ``tz``; the result is always aware.
    """
    tz = tz or get_zone()
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time())
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
        except ValueError:
            raise BadInput(
                f"{field}格式不对：{text!r}（应为 2026-11-11 10:00 或 2026-11-11T10:00:00+08:00）"
            ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt


def parse_date(value: str | date, *, field: str = "日期") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise BadInput(f"{field}格式不对：{value!r}（应为 2026-11-11）") from None


def display_time(value: str | datetime, tz: tzinfo | None = None) -> str:
    """A time as a person reads it: ``2026-11-30 09:59`` in the user's zone (ISO text or datetime)."""
    dt = parse_time(value, tz) if isinstance(value, str) else value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz or get_zone())
    return dt.astimezone(tz or get_zone()).strftime("%Y-%m-%d %H:%M")
