"""Per-user settings and the folders cstool keeps its own files in.

``CSTOOL_HOME`` moves every per-user file (config, data, cache) under one
folder: tests and shared kiosks use it. Otherwise platformdirs decides.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from .errors import BadInput

APP = "cstool"


def _home() -> Path | None:
    value = os.environ.get("CSTOOL_HOME")
    return Path(value) if value else None


def user_config_path() -> Path:
    if explicit := os.environ.get("CSTOOL_CONFIG"):
        return Path(explicit)
    if home := _home():
        return home / "config.toml"
    return platform_dir("config") / "config.toml"


def user_data_dir() -> Path:
    if home := _home():
        return home / "data"
    return platform_dir("data")


def user_cache_dir() -> Path:
    if home := _home():
        return home / "cache"
    return platform_dir("cache")


# XDG Base Directory variables and their defaults under $HOME
_XDG = {
    "config": ("XDG_CONFIG_HOME", ".config"),
    "data": ("XDG_DATA_HOME", ".local/share"),
    "cache": ("XDG_CACHE_HOME", ".cache"),
}


def platform_dir(kind: str) -> Path:
    """The user's ``kind`` folder ("config", "data" or "cache") for cstool, as platformdirs names it.

    On Linux that is the XDG rule, worked out here: importing platformdirs costs
    ~4 ms of every start. Any other OS, or an unusual HOME, is platformdirs'
    to decide (tests/test_first_day_config.py checks that both agree).
    """
    home = os.environ.get("HOME", "")
    if sys.platform == "linux" and os.path.isabs(home):
        variable, default = _XDG[kind]
        base = os.environ.get(variable, "")
        return Path(base if os.path.isabs(base) else os.path.join(home, default), APP)
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP))


class UserConfig(NamedTuple):
    """What ``config.toml`` holds; every field is optional.

    A NamedTuple, not a dataclass: every command creates this class on start,
    and a dataclass costs ~0.6 ms to create (its methods are generated code).
    """

    agent: str = ""
    timezone: str = "Asia/Shanghai"
    db: str = ""
    kb: str = ""
    search_backend: str = ""
    placeholders: Mapping[str, str] = MappingProxyType({})
    raw: Mapping[str, Any] = MappingProxyType({})


# Known top-level keys and what each means (``cstool config show``, error messages).
KNOWN_KEYS = {
    "agent": "客服昵称（回复里的 {agent}）",
    "timezone": "时区（默认 Asia/Shanghai）",
    "db": "日志库：SQLite 文件路径或 postgresql:// 连接串",
    "kb": "团队知识库文件夹（cstool kb use 设置）",
    "search_backend": "搜索后端",
}


@cache
def load_user_config(path: Path | None = None) -> UserConfig:
    """Read the user's ``config.toml``; a missing file means defaults."""
    path = path or user_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except IsADirectoryError:
        raise BadInput("配置文件的位置是一个文件夹，不是文件", path=path) from None
    except NotADirectoryError:
        raise BadInput(
            "配置文件所在的位置不是文件夹（请检查 CSTOOL_HOME / CSTOOL_CONFIG 是否指向了一个文件）", path=path
        ) from None
    except OSError as exc:
        raise BadInput(f"读不了配置文件：{exc.strerror or exc}", path=path) from None
    except UnicodeDecodeError as exc:
        raise BadInput("配置文件不是 UTF-8 编码（请用 UTF-8 保存）", path=path) from exc
    data = parse_config_text(text, path)
    return config_from_data(data, path)


def parse_config_text(text: str, path: Path) -> dict[str, Any]:
    """``config.toml``'s text as data; a syntax error names the file, the line and the fix."""
    if not text.strip():
        return {}  # no config file (the usual case): no TOML parser to import
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _error_line(str(exc))
        raise BadInput(_syntax_hint(text, line), path=path, line=line) from None


def _error_line(message: str) -> int | None:
    import re

    match = re.search(r"line (\d+)", message)
    return int(match[1]) if match else None


def _syntax_hint(text: str, line: int | None) -> str:
    """A Chinese explanation of a TOML mistake, with the corrected line when we can guess it."""
    import re

    source = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*=\s*(.*?)\s*$", source)
    if match and match[2] and not match[2].startswith(('"', "'", "[", "{")):
        key, value = match[1], match[2].strip("“”‘’")
        fixed = f'{key} = "{value}"'
        return f"配置文件格式错误：文字要加英文双引号，把 {source.strip()} 改成 {fixed}"
    if "\t" in source:
        return '配置文件格式错误：这一行有制表符或格式不对，写成 键 = "值"，如 agent = "小暖"'
    return '配置文件格式错误：每行写成 键 = "值"，如 agent = "小暖"'


def config_from_data(data: dict[str, Any], path: Path) -> UserConfig:
    for key in ("agent", "timezone", "db", "kb", "search_backend"):
        if key in data and not isinstance(data[key], str):
            raise BadInput(f'配置项 {key} 应该是加引号的文字，如 {key} = "…"', path=path)
    placeholders = data.get("placeholders") or {}
    if not isinstance(placeholders, dict):
        raise BadInput('配置项 placeholders 应该是一节 [placeholders]，下面每行 名字 = "值"', path=path)
    agent = data.get("agent") or os.environ.get("CSTOOL_AGENT", "")
    return UserConfig(
        agent=str(agent),
        timezone=str(data.get("timezone") or "Asia/Shanghai"),
        db=str(data.get("db") or ""),
        kb=str(data.get("kb") or ""),
        search_backend=str(data.get("search_backend") or ""),
        placeholders={str(k): str(v) for k, v in placeholders.items()},
        raw=data,
    )


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def validate_config_value(key: str, value: str) -> str:
    """Check ``value`` for ``key`` (``config set``, ``kb use``); returns the value to store."""
    value = value.strip()
    if key.startswith("placeholders."):
        name = key.split(".", 1)[1]
        if not name or not name.replace("_", "").isalnum():
            raise BadInput(f"占位符名只能用字母、数字和下划线：{name or '（空）'}")
        return value
    if key not in KNOWN_KEYS:
        known = "、".join([*KNOWN_KEYS, "placeholders.名字"])
        raise BadInput(f"没有这个配置项：{key}（可以设置：{known}）")
    if key == "timezone":
        from .timeutil import get_zone

        get_zone(value)
    elif key == "kb":
        from .kb import SETTINGS_FILE, is_kb_folder

        folder = Path(value).expanduser()
        if not folder.is_dir():
            raise BadInput("知识库文件夹不存在", path=folder)
        if not is_kb_folder(folder):
            raise BadInput(
                f"这个文件夹不是知识库（没有 {SETTINGS_FILE}）；新建用 cstool kb init 文件夹", path=folder
            )
        return str(folder.resolve())
    elif key in ("agent",) and not value:
        raise BadInput("客服昵称不能为空")
    return value


def set_config_value(key: str, value: str, path: Path | None = None) -> Path:
    """Set ``key`` in ``config.toml`` (created if missing), keeping every other line and comment.

    Top-level keys replace their line or are added before the first ``[table]``;
    ``placeholders.NAME`` goes into the ``[placeholders]`` table. The result is
    parsed again before it replaces the file (atomically).
    """
    import re

    from .files import atomic_write

    path = path or user_config_path()
    value = validate_config_value(key, value)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("配置文件不是 UTF-8 编码（请用 UTF-8 保存）", path=path) from None
    parse_config_text(text, path)  # refuse to edit a file that does not parse
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    table, name = ("placeholders", key.split(".", 1)[1]) if key.startswith("placeholders.") else (None, key)
    new_line = f"{name} = {_toml_string(value)}"
    key_re = re.compile(rf"^\s*{re.escape(name)}\s*=")
    header_re = re.compile(r"^\s*\[")
    # The block of lines belonging to the table we edit.
    if table is None:
        start = 0
        end = next((i for i, line in enumerate(lines) if header_re.match(line)), len(lines))
    else:
        table_re = re.compile(rf"^\s*\[\s*{table}\s*\]")
        head = next((i for i, line in enumerate(lines) if table_re.match(line)), None)
        if head is None:
            if lines and lines[-1].strip():
                lines.append("")
            lines += [f"[{table}]", new_line]
            return _write_config(path, lines, newline, atomic_write)
        start = head + 1
        end = next((i for i in range(start, len(lines)) if header_re.match(lines[i])), len(lines))
    for i in range(start, end):
        if key_re.match(lines[i]):
            lines[i] = new_line
            return _write_config(path, lines, newline, atomic_write)
    insert = end
    while insert > start and not lines[insert - 1].strip():
        insert -= 1
    lines.insert(insert, new_line)
    return _write_config(path, lines, newline, atomic_write)


def _write_config(path: Path, lines: list[str], newline: str, atomic_write: Any) -> Path:
    text = newline.join(lines) + newline
    parse_config_text(text, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text)
    load_user_config.cache_clear()
    return path
