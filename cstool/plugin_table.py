"""The installed plugins' entry points, kept between starts.

Scanning means importing ``importlib.metadata`` and reading every installed
distribution's metadata: about a quarter of a cold ``cstool search``. The rows
found are kept as JSON in the user cache dir with a key that changes whenever
the installed distributions may have: the interpreter, ``sys.path`` after its
first entry (the script's or the current folder) and the modification time of
each folder (or zip) on it. pip adds, rewrites or removes
a ``*.dist-info`` folder on install, upgrade and uninstall, which changes the
time of the folder holding it. A table that cannot be read or written only
costs the scan.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NamedTuple

FORMAT = 1


class Row(NamedTuple):
    name: str
    value: str  # "module:attr"
    dist: tuple[str, str] | None  # (distribution, version)


def scan() -> list[Row]:
    """Read the entry points from the installed distributions and keep them for the next start."""
    from importlib import metadata

    from .plugins import ENTRY_POINT_GROUP

    rows = [
        Row(ep.name, ep.value, (ep.dist.name, ep.dist.version) if ep.dist is not None else None)
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
    ]
    _store(rows)
    return rows


def load() -> list[Row]:
    """The kept table when nothing installed may have changed since, else a new scan."""
    try:
        stored = json.loads(_table_file().read_text(encoding="utf-8"))
        if stored.get("format") == FORMAT and stored.get("key") == _environment_key():
            return [_row(r) for r in stored["rows"]]
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        pass
    return scan()


def _row(stored: list[object]) -> Row:
    name, value, dist = stored
    if not isinstance(name, str) or not isinstance(value, str):
        raise TypeError("not a kept row")
    if isinstance(dist, list) and len(dist) == 2 and all(isinstance(x, str) for x in dist):
        return Row(name, value, (dist[0], dist[1]))
    return Row(name, value, None)


def is_stale(exc: ModuleNotFoundError, row: Row) -> bool:
    """The plugin's own module is gone (not a dependency it lacks): the table is out of date."""
    module = row.value.partition(":")[0].strip()
    return exc.name is not None and (module == exc.name or module.startswith(exc.name + "."))


def _environment_key() -> list[object]:
    # sys.path[0] is the script's folder, or with ``python -c``/``-m`` the current one: a folder of
    # the user's own files that says nothing about installed packages, and that differs between
    # the console script and ``python -m cstool``, which then share one table.
    installed = sys.path[1:]
    times: list[object] = []
    for entry in installed:
        try:
            times.append(os.stat(entry or ".").st_mtime_ns)
        except OSError:
            times.append(None)
    return [_interpreter(), installed, times]


def _table_file() -> Path:
    from .cache import path_tag
    from .config import user_cache_dir

    # one table per interpreter: venvs sharing a user's cache dir do not evict each other
    return user_cache_dir() / f"plugin-table-{path_tag(_interpreter() + chr(0) + sys.prefix)}.json"


def _interpreter() -> str:
    """The interpreter, however it was named (a venv's ``python`` and ``python3`` are one)."""
    return os.path.realpath(sys.executable)


def _store(rows: list[Row]) -> None:
    from .files import atomic_write

    text = json.dumps(
        {"format": FORMAT, "key": _environment_key(), "rows": [list(r) for r in rows]},
        ensure_ascii=False,
    )
    try:
        path = _table_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text, mode=0o600)
    except (OSError, ValueError):
        pass
