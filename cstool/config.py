"""Per-user settings and the folders cstool keeps its own files in.

``CSTOOL_HOME`` moves every per-user file (config, data, cache) under one
folder: tests and shared kiosks use it. Otherwise platformdirs decides.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

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
    import platformdirs

    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def user_data_dir() -> Path:
    if home := _home():
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def user_cache_dir() -> Path:
    if home := _home():
        return home / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP))


@dataclass(frozen=True)
class UserConfig:
    """What ``config.toml`` holds; every field is optional."""

    agent: str = ""
    timezone: str = "Asia/Shanghai"
    db: str = ""
    placeholders: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


@cache
def load_user_config(path: Path | None = None) -> UserConfig:
    """Read the user's ``config.toml``; a missing file means defaults."""
    path = path or user_config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except UnicodeDecodeError as exc:
        raise BadInput("配置文件不是 UTF-8 编码", path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"配置文件格式错误：{exc}", path=path) from exc
    agent = data.get("agent") or os.environ.get("CSTOOL_AGENT", "")
    placeholders = {str(k): str(v) for k, v in (data.get("placeholders") or {}).items()}
    return UserConfig(
        agent=str(agent),
        timezone=str(data.get("timezone") or "Asia/Shanghai"),
        db=str(data.get("db") or ""),
        placeholders=placeholders,
        raw=data,
    )
