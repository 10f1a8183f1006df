"""Finding the team knowledge base (KB) and reading its settings.

Which KB (:func:`resolve_kb`): ``--kb PATH``, else ``CSTOOL_KB``, else the
nearest folder above the working directory that holds ``kb.yaml`` (or
``kb/kb.yaml``), else ``kb`` in the user's config.toml, else the starter KB
bundled with cstool: a read-only demo.

Every command that writes into a KB calls :meth:`KnowledgeBase.require_writable`
first (``kb add`` does; ``kb learn`` and any future writer must too): it refuses
the bundled demo and a folder that is not a KB, before anything is created.
"""

from __future__ import annotations

import os
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from .errors import BadInput, CstoolError

SETTINGS_FILE = "kb.yaml"


BUNDLED_PACKAGE = "cstool_kb"

# Where the KB in use came from (``cstool kb which``'s ``source``).
SOURCES = ("option", "env", "nearest", "config", "bundled")

DEMO_NOTICE = (
    "提示：正在用 cstool 自带的示例知识库（演示数据，只读）。"
    "建团队自己的：cstool kb init 文件夹，再 cstool kb use 文件夹；cstool kb which 查看用的是哪个。"
)


@cache
def bundled_kb_path() -> Path:
    """The starter KB shipped with cstool, as a real folder.

    Found through the import system (``cstool_kb`` is a data-only package), so
    it works the same in a wheel, an sdist install and an editable install;
    the repository's ``kb/`` is the fallback for a bare checkout.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location)
        if (folder / SETTINGS_FILE).is_file():
            return folder.resolve()
    source = Path(__file__).resolve().parent.parent / "kb"
    if (source / SETTINGS_FILE).is_file():
        return source
    raise CstoolError("找不到 cstool 自带的示例知识库（安装不完整？请重新安装 cstool）")


def _explicit_root(value: str | Path) -> Path:
    root = Path(value).expanduser()
    if root.is_file() and root.name == SETTINGS_FILE:
        root = root.parent
    if (root / "kb" / SETTINGS_FILE).exists() and not (root / SETTINGS_FILE).exists():
        root = root / "kb"
    if not root.is_dir():
        raise BadInput("知识库文件夹不存在", path=root)
    return root.resolve()


def nearest_kb(cwd: Path | None = None) -> Path | None:
    """The nearest folder at or above ``cwd`` holding ``kb.yaml`` (or ``kb/kb.yaml``)."""
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
        if (folder / "kb" / SETTINGS_FILE).is_file():
            return folder / "kb"
    return None


def resolve_kb(explicit: str | Path | None = None, cwd: Path | None = None) -> tuple[Path, str]:
    """The KB folder to use and where that choice came from (one of :data:`SOURCES`)."""
    if explicit is not None:
        return _explicit_root(explicit), "option"
    if env := os.environ.get("CSTOOL_KB"):
        return _explicit_root(env), "env"
    if found := nearest_kb(cwd):
        return found, "nearest"
    from .config import load_user_config, user_config_path

    configured = load_user_config().kb
    if configured:
        try:
            return _explicit_root(configured), "config"
        except BadInput:
            raise BadInput(
                f"配置里的知识库文件夹不存在：{configured}（用 cstool kb use 文件夹 改成正确的）",
                path=user_config_path(),
            ) from None
    return bundled_kb_path(), "bundled"


def find_kb_root(explicit: str | Path | None = None, cwd: Path | None = None) -> Path:
    return resolve_kb(explicit, cwd)[0]


def is_kb_folder(path: Path) -> bool:
    return (Path(path) / SETTINGS_FILE).is_file()


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
        try:
            return self.root.resolve() == bundled_kb_path()
        except CstoolError:
            return False

    def require_writable(self) -> None:
        """Refuse (exit 2, before anything is written) to write into the demo KB or a non-KB folder.

        Every command that writes into a KB calls this first.
        """
        if self.is_bundled:
            raise BadInput(
                "这是 cstool 自带的示例知识库（只读），不能写入。"
                "先建团队自己的：cstool kb init 文件夹，再 cstool kb use 文件夹（或用 --kb 指定）",
                path=self.root,
            )
        if not is_kb_folder(self.root):
            raise BadInput(
                f"这个文件夹不是知识库（没有 {SETTINGS_FILE}），不会往里写；"
                "新建用 cstool kb init 文件夹，或用 --kb 指定团队知识库",
                path=self.root,
            )


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
