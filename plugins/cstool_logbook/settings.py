"""The team's logbook lists (kb/logbook.yaml): reasons, customer groups, the 催付 schedule, remark format.

A KB without ``logbook.yaml`` gets the defaults below; a file that is there
but wrong is bad input with ``file:line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from cstool.errors import BadInput

FILE_NAME = "logbook.yaml"


@dataclass(frozen=True)
class ReminderStep:
    after: timedelta  # counted from the order time
    via: str


@dataclass(frozen=True)
class Flag:
    colour: str
    meaning: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    inquiry_reasons: tuple[str, ...] = ("价格", "运费", "库存/尺码", "质量顾虑", "物流时效", "比价", "其他")
    unpaid_reasons: tuple[str, ...] = (
        "价格",
        "运费",
        "比价",
        "忘记付款",
        "支付问题",
        "地址/信息填错",
        "凑单",
        "其他",
    )
    customer_groups: tuple[tuple[str, str], ...] = (
        ("优质客户", "信誉好、好评率高，活动前优先联系"),
        ("价格敏感", "多次因价格或比价未成交，活动优惠时联系"),
        ("回头客", "买过两次及以上"),
        ("待回访", "有未了结的问题，需要回访"),
    )
    reminders: tuple[ReminderStep, ...] = (
        ReminderStep(timedelta(minutes=30), "旺旺"),
        ReminderStep(timedelta(hours=6), "旺旺"),
        ReminderStep(timedelta(hours=20), "短信"),
    )
    remark_format: str = "{agent} {promise} {date}"
    remark_date_format: str = "%m.%d"
    flags: tuple[Flag, ...] = (
        Flag("红", "赠品、优惠等承诺", ("送", "赠", "优惠", "返现", "礼物")),
        Flag("黄", "指定快递", ("快递", "顺丰", "申通", "中通", "圆通", "韵达", "邮政", "京东物流")),
        Flag("绿", "备注已处理"),
        Flag("蓝", "改地址、改规格等信息"),
        Flag("紫", "其他特殊要求"),
    )
    default_flag: str = "红"
    severities: tuple[str, ...] = ("一般", "严重", "重大")
    major_severities: frozenset[str] = field(default_factory=lambda: frozenset({"重大"}))

    def reasons(self, kind: str) -> tuple[str, ...]:
        return self.unpaid_reasons if kind == "unpaid" else self.inquiry_reasons

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.customer_groups)

    def flag_for(self, promise: str) -> str:
        """The flag colour a promise gets: the first flag whose keyword it mentions, else the default."""
        for flag in self.flags:
            if any(word in promise for word in flag.keywords):
                return flag.colour
        return self.default_flag


DEFAULTS = Settings()

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta | None:
    """``30m``, ``6h``, ``1d``, ``1h30m``; None if malformed."""
    match = _DURATION.match(str(text))
    if not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def load_settings(path: Path) -> Settings:
    """Read ``logbook.yaml`` (missing keys keep their defaults), through a small cache.

    Parsing YAML costs a one-line entry more than everything else it does, so the
    parsed lists are kept as JSON in the user cache dir, keyed by the file's path,
    size and modification time; any change to the file re-reads it.
    """
    from cstool.cache import cached_parse

    if not path.exists():
        return DEFAULTS
    return from_plain(cached_parse(path, lambda p: to_plain(_load_yaml(p))))


def to_plain(settings: Settings) -> dict[str, Any]:
    return {
        "inquiry_reasons": list(settings.inquiry_reasons),
        "unpaid_reasons": list(settings.unpaid_reasons),
        "customer_groups": [list(g) for g in settings.customer_groups],
        "reminders": [[int(r.after.total_seconds()), r.via] for r in settings.reminders],
        "remark_format": settings.remark_format,
        "remark_date_format": settings.remark_date_format,
        "flags": [[f.colour, f.meaning, list(f.keywords)] for f in settings.flags],
        "default_flag": settings.default_flag,
        "severities": list(settings.severities),
        "major_severities": sorted(settings.major_severities),
    }


def from_plain(data: dict[str, Any]) -> Settings:
    return Settings(
        inquiry_reasons=tuple(data["inquiry_reasons"]),
        unpaid_reasons=tuple(data["unpaid_reasons"]),
        customer_groups=tuple((name, note) for name, note in data["customer_groups"]),
        reminders=tuple(ReminderStep(timedelta(seconds=s), via) for s, via in data["reminders"]),
        remark_format=data["remark_format"],
        remark_date_format=data["remark_date_format"],
        flags=tuple(Flag(c, m, tuple(k)) for c, m, k in data["flags"]),
        default_flag=data["default_flag"],
        severities=tuple(data["severities"]),
        major_severities=frozenset(data["major_severities"]),
    )


def _load_yaml(path: Path) -> Settings:
    from cstool import yamlio

    data = yamlio.load(path)
    if data is None:
        return DEFAULTS
    if not isinstance(data, dict):
        raise BadInput("logbook.yaml 顶层应为键值对（mapping）", path=path, line=1)
    return _parse(data, path)


def _strings(data: Any, key: str, path: Path) -> tuple[str, ...]:
    items = data[key]
    if not isinstance(items, list) or not items:
        raise BadInput(f"{key} 应为非空列表", path=path, line=_line(data, key))
    names = tuple(str(item).strip() for item in items)
    if any(not name for name in names) or len(set(names)) != len(names):
        raise BadInput(f"{key} 中有空项或重复项", path=path, line=_line(data, key))
    return names


def _line(node: Any, key: Any = None) -> int | None:
    from cstool import yamlio

    return yamlio.line_of(node, key)


def _parse(data: dict[str, Any], path: Path) -> Settings:
    known = {"inquiry_reasons", "unpaid_reasons", "customer_groups", "reminders", "remark", "complaint"}
    for key in data:
        if key not in known:
            raise BadInput(
                f"未知的设置项：{key}（可用：{'、'.join(sorted(known))}）", path=path, line=_line(data, key)
            )
    values: dict[str, Any] = {}
    for key in ("inquiry_reasons", "unpaid_reasons"):
        if key in data:
            values[key] = _strings(data, key, path)
    if "customer_groups" in data:
        groups = []
        for index, item in enumerate(data["customer_groups"] or []):
            if isinstance(item, dict) and item.get("name"):
                groups.append((str(item["name"]).strip(), str(item.get("note") or "")))
            elif isinstance(item, str) and item.strip():
                groups.append((item.strip(), ""))
            else:
                raise BadInput(
                    "客户组应写成 名称 或 {name: 名称, note: 说明}",
                    path=path,
                    line=_line(data["customer_groups"], index),
                )
        values["customer_groups"] = tuple(groups)
    if "reminders" in data:
        steps = []
        for index, item in enumerate(data["reminders"] or []):
            after = parse_duration(item.get("after", "")) if isinstance(item, dict) else None
            if after is None:
                raise BadInput(
                    "催付节奏每项应为 {after: 30m, via: 旺旺}（after 用 m/h/d）",
                    path=path,
                    line=_line(data["reminders"], index),
                )
            steps.append(ReminderStep(after, str(item.get("via") or "旺旺")))
        values["reminders"] = tuple(sorted(steps, key=lambda s: s.after))
    if "remark" in data:
        values.update(_parse_remark(data["remark"], path, _line(data, "remark")))
    if "complaint" in data:
        complaint = data["complaint"] or {}
        if "severities" in complaint:
            values["severities"] = _strings(complaint, "severities", path)
        if "major" in complaint:
            values["major_severities"] = frozenset(_strings(complaint, "major", path))
    settings = Settings(**values)
    unknown_major = settings.major_severities - set(settings.severities)
    if unknown_major:
        raise BadInput(
            f"complaint.major 中有不在 severities 里的级别：{'、'.join(sorted(unknown_major))}", path=path
        )
    return settings


REMARK_NAMES = ("agent", "promise", "date", "order", "buyer", "flag")
REMARK_MAX = 200  # an order remark is one short line; Taobao's own limit is lower


def check_remark_format(value: Any, path: Path, line: int | None) -> str:
    """``remark.format``: bare names only (the core's safe template syntax), checked at load."""
    from cstool.template import leftover_braces, placeholders_in

    names = "、".join("{" + n + "}" for n in REMARK_NAMES)
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"remark.format 应为一行文字，可用 {names}", path=path, line=line)
    if len(value) > REMARK_MAX:
        raise BadInput(f"remark.format 太长（最多 {REMARK_MAX} 个字符）", path=path, line=line)
    if leftover_braces(value):
        raise BadInput(
            f"remark.format 里的花括号写法不对：只能写 {names}（不能有 . [ ] ! : 等），"
            "要写花括号本身请用 {{ 和 }}",
            path=path,
            line=line,
        )
    unknown = sorted(placeholders_in(value) - set(REMARK_NAMES))
    if unknown:
        raise BadInput(
            f"remark.format 里有未知的名字：{'、'.join('{' + n + '}' for n in unknown)}（可用：{names}）",
            path=path,
            line=line,
        )
    return value


def check_date_format(value: Any, path: Path, line: int | None) -> str:
    """``remark.date_format``: a strftime pattern such as ``%m.%d``, kept short."""
    from datetime import datetime

    text = str(value)
    if not text.strip() or len(text) > 40:
        raise BadInput("remark.date_format 应为简短的日期格式，如 %m.%d", path=path, line=line)
    try:
        datetime(2026, 11, 11).strftime(text)
    except ValueError:
        raise BadInput(f"remark.date_format 写法不对：{text!r}（例：%m.%d）", path=path, line=line) from None
    return text


def _parse_remark(remark: Any, path: Path, line: int | None) -> dict[str, Any]:
    if not isinstance(remark, dict):
        raise BadInput("remark 应为键值对", path=path, line=line)
    values: dict[str, Any] = {}
    if "format" in remark:
        values["remark_format"] = check_remark_format(remark["format"], path, _line(remark, "format"))
    if "date_format" in remark:
        values["remark_date_format"] = check_date_format(
            remark["date_format"], path, _line(remark, "date_format")
        )
    if "flags" in remark:
        flags = []
        for index, item in enumerate(remark["flags"] or []):
            if not isinstance(item, dict) or not item.get("colour"):
                raise BadInput(
                    "旗帜每项应为 {colour: 红, meaning: 说明, keywords: [...]}",
                    path=path,
                    line=_line(remark["flags"], index),
                )
            keywords = tuple(str(k) for k in (item.get("keywords") or []))
            flags.append(Flag(str(item["colour"]).strip(), str(item.get("meaning") or ""), keywords))
        values["flags"] = tuple(flags)
    if "default_flag" in remark:
        values["default_flag"] = str(remark["default_flag"]).strip()
    colours = {f.colour for f in values.get("flags", DEFAULTS.flags)}
    if values.get("default_flag", DEFAULTS.default_flag) not in colours:
        raise BadInput(
            "remark.default_flag 不在 flags 的颜色里", path=path, line=_line(remark, "default_flag")
        )
    return values
