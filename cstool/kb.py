"""Finding the team knowledge base (KB) and reading its settings.

Which KB: ``--kb PATH``, else ``CSTOOL_KB``, else the nearest folder above
the working directory that holds ``kb.yaml`` (or ``kb/kb.yaml``), else the
starter KB bundled with cstool.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import BadInput

SETTINGS_FILE = "kb.yaml"


def bundled_kb_path() -> Path:
    """The starter KB shipped with cstool (the repository's ``kb/``)."""
    here = Path(__file__).resolve().parent
    source = here.parent / "kb"
    if (source / SETTINGS_FILE).exists():
        return source
    from importlib.resources import files

    return Path(str(files("cstool_kb")))


def find_kb_root(explicit: str | Path | None = None, cwd: Path | None = None) -> Path:
    if explicit is None:
        explicit = os.environ.get("CSTOOL_KB") or None
    if explicit is not None:
        root = Path(explicit).expanduser()
        if root.is_file() and root.name == SETTINGS_FILE:
            root = root.parent
        if (root / "kb" / SETTINGS_FILE).exists() and not (root / SETTINGS_FILE).exists():
            root = root / "kb"
        if not root.is_dir():
            raise BadInput("知识库文件夹不存在", path=root)
        return root.resolve()
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
        if (folder / "kb" / SETTINGS_FILE).is_file():
            return folder / "kb"
    return bundled_kb_path()


class KnowledgeBase:
    """A team KB folder: phrases, synonyms, campaigns, and the team settings in ``kb.yaml``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"KnowledgeBase({str(self.root)!r})"

    @cached_property
    def settings(self) -> dict[str, Any]:
        """``kb.yaml`` as plain data (empty if the file is missing); cached, see :mod:`cstool.cache`."""
        from .cache import cached_parse

        path = self.root / SETTINGS_FILE
        if not path.exists():
            return {}
        return dict(cached_parse(path, _read_settings))

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @property
    def phrases_dir(self) -> Path:
        return self.root / "phrases"

    @property
    def promos_dir(self) -> Path:
        return self.root / "promos"

    @property
    def is_bundled(self) -> bool:
        return self.root.resolve() == bundled_kb_path().resolve()


def _plain(value: Any) -> Any:
    """ruamel's commented containers and scalar strings as plain dict/list/str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _read_settings(path: Path) -> dict[str, Any]:
    from . import yamlio

    data = yamlio.load(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadInput("kb.yaml 顶层应为键值对（mapping）", path=path, line=1)
    return _plain(data)  # plain types, so the result can be cached as JSON
