"""cstool plugin: tantivy as the store of the quick-phrase search index.

Installed with the extra ``cstool[tantivy]``; chosen with
``CSTOOL_SEARCH_BACKEND=tantivy`` or ``search_backend = "tantivy"`` in
``config.toml``. Nothing is imported at start-up: the backend module (and
tantivy) only when a search opens the index.
"""

from __future__ import annotations

from typing import Any

from cstool import hookimpl

__version__ = "0.1.0"

INSTALL = "pip install 'cstool[tantivy]'"


def load_backend() -> Any:
    """The backend module, or a clear Chinese error when the extra is not installed."""
    try:
        from . import backend
    except ImportError as exc:
        from cstool.errors import BadInput

        raise BadInput(
            f"搜索后端 tantivy 需要额外安装：{INSTALL}（或者去掉 CSTOOL_SEARCH_BACKEND / "
            f"config.toml 的 search_backend，用自带的 whoosh）"
        ) from exc
    return backend


@hookimpl
def cstool_search_backends(register: Any) -> None:
    register("tantivy", load_backend)
