"""The plugin manager: built-in and third-party plugins load the same way.

Environment switches (for debugging a team's set-up):
- ``CSTOOL_DISABLE_PLUGINS=a,b``: block these entry-point names.
- ``CSTOOL_LOAD_PLUGINS=a,b``: load only these (empty string: none).
- ``CSTOOL_DEBUG=1``: show full tracebacks of broken plugins.

Which plugins are installed comes from the kept plugin table
(:mod:`cstool.plugin_table`, scanned again when installed packages change);
``cstool plugins`` always scans.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from typing import Any

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "cstool"


def warn(message: str) -> None:
    print(f"警告：{message}", file=sys.stderr)


def _names(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def make_plugin_manager(
    plugins: Iterable[Any] = (),
    *,
    load_entrypoints: bool = True,
    rescan: bool = False,
) -> pluggy.PluginManager:
    """Build a plugin manager with every installed plugin loaded.

    ``plugins`` are extra plugin objects registered first (tests use this);
    ``rescan`` ignores the cached plugin table.
    A plugin that fails to import or has a misspelt hook is reported on
    stderr and skipped; the CLI keeps working without it.
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    pm.hook.cstool_add_hookspecs.call_historic(kwargs={"pm": pm})  # plugins' own hookspecs, as they register
    for plugin in plugins:
        pm.register(plugin)
    if load_entrypoints:
        _load_entrypoints(pm, rescan=rescan)
        _check_pending(pm)
    return pm


def _check_pending(pm: pluggy.PluginManager) -> None:
    """A misspelt hook name fails loudly: its plugin is reported and unregistered, the others stay.

    Checked once every plugin is registered, since a hook may be specified by
    a plugin registered after one implementing it (``cstool_add_hookspecs``).
    """
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            pm.unregister(exc.plugin)
            _DISTS.pop(name, None)
            report_broken(name, exc)


def _load_entrypoints(pm: pluggy.PluginManager, *, rescan: bool = False) -> None:
    only = _names(os.environ.get("CSTOOL_LOAD_PLUGINS"))
    disabled = _names(os.environ.get("CSTOOL_DISABLE_PLUGINS")) or set()
    for name in disabled:
        pm.set_blocked(name)
    from . import plugin_table

    table = plugin_table.scan() if rescan else plugin_table.load()
    for row in table:
        if row.name in disabled or (only is not None and row.name not in only):
            continue
        if pm.get_plugin(row.name) is not None:
            continue
        try:
            plugin = _load_object(row.value)
        except ModuleNotFoundError as exc:
            if not rescan and plugin_table.is_stale(exc, row):
                # removed without a trace in sys.path's folder times: look again, once
                return _load_entrypoints(pm, rescan=True)
            report_broken(row.name, exc)
            continue
        except Exception as exc:  # a broken plugin must not take the CLI down
            report_broken(row.name, exc)
            continue
        try:
            pm.register(plugin, name=row.name)  # (misspelt hook names: _check_pending, once all are in)
        except Exception as exc:
            if pm.get_plugin(row.name) is not None:
                pm.unregister(name=row.name)
            report_broken(row.name, exc)
            continue
        if row.dist is not None:
            _DISTS[row.name] = row.dist


def _load_object(value: str) -> Any:
    """What an entry point's ``module:attr.path`` names (what ``EntryPoint.load`` does)."""
    module_name, _, attrs = value.partition(":")
    obj: Any = importlib.import_module(module_name.strip())
    for attr in attrs.split("[", 1)[0].strip().split(".") if attrs.strip() else ():
        obj = getattr(obj, attr)
    return obj


# entry-point name -> (distribution, version), for ``cstool plugins``
_DISTS: dict[str, tuple[str, str]] = {}


def report_broken(name: str, exc: BaseException) -> None:
    warn(f"插件 {name} 加载失败，已跳过：{type(exc).__name__}: {exc}")
    if os.environ.get("CSTOOL_DEBUG"):
        import traceback

        traceback.print_exception(exc)


def call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> None:
    """Call every implementation of a hook, isolating the broken ones.

    A plugin whose hook raises is reported, unregistered, and the others
    still run.
    """
    hook = getattr(pm.hook, hook_name)
    for impl in reversed(hook.get_hookimpls()):
        try:
            impl.function(**{k: kwargs[k] for k in impl.argnames})
        except Exception as exc:
            name = pm.get_name(impl.plugin) or repr(impl.plugin)
            report_broken(name, exc)
            pm.unregister(impl.plugin)


def describe_plugins(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """What is loaded: name, version and hooks of each plugin, for ``cstool plugins``."""
    rows = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        if name.startswith("cstool.hookspecs"):
            continue
        dist = _DISTS.get(name)
        version = dist[1] if dist else getattr(plugin, "__version__", None)
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        rows.append({"name": name, "package": dist[0] if dist else None, "version": version, "hooks": hooks})
    return sorted(rows, key=lambda r: r["name"])
