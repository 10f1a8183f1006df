"""Which search backend stores the index: whoosh (built in) or one a plugin provides.

Chosen by ``CSTOOL_SEARCH_BACKEND`` (wins) or ``search_backend`` in the
user's ``config.toml``; whoosh when neither says. Plugins offer backends
through the ``cstool_search_backends(register)`` hook (the tantivy plugin
does); the interface a backend implements is documented on that hook.
"""

from __future__ import annotations

import os
from typing import Any

DEFAULT = "whoosh"
ENV = "CSTOOL_SEARCH_BACKEND"
# Backends shipped as an extra: what to install when one is asked for but missing.
EXTRAS = {"tantivy": "pip install 'cstool[tantivy]'"}


def chosen_name() -> str:
    value = os.environ.get(ENV)
    if not value:
        from cstool.config import load_user_config

        value = load_user_config().search_backend
    return value.strip().lower() or DEFAULT


def resolve(name: str | None = None, pm: Any = None) -> Any:
    """The backend module/object named ``name`` (default: :func:`chosen_name`).

    whoosh needs no plugin manager; any other name asks the plugins (``pm``, or
    the installed ones). Unknown or not installed: ``BadInput`` (exit 2) naming
    what to install."""
    name = name or chosen_name()
    if name == DEFAULT:
        from . import whoosh_backend

        return whoosh_backend
    from cstool.errors import BadInput

    found: dict[str, Any] = {}

    def register(backend_name: str, factory: Any) -> None:
        found.setdefault(str(backend_name).lower(), factory)

    if pm is None:
        from cstool.plugins import make_plugin_manager

        pm = make_plugin_manager()
    from cstool.plugins import call_each

    call_each(pm, "cstool_search_backends", register=register)
    factory = found.get(name)
    if factory is None:
        known = "、".join([DEFAULT, *sorted(found)])
        install = f"；安装：{EXTRAS[name]}" if name in EXTRAS else ""
        raise BadInput(f"没有这个搜索后端：{name}（可用：{known}）{install}")
    backend = factory() if callable(factory) else factory
    if getattr(backend, "NAME", None) is None:
        raise BadInput(f"搜索后端 {name} 不完整（缺少 NAME）")
    return backend
