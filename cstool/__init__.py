"""cstool: a customer-service toolkit for Chinese online shops.

The public plugin API is ``from cstool import hookimpl``; keep this module free
of heavy imports, it runs on every start.
"""

from __future__ import annotations

TYPE_CHECKING = False  # no `typing` import: this module runs first on every start
if TYPE_CHECKING:
    import pluggy

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> pluggy.HookimplMarker:
    # Imported on first use, so that ``import cstool`` (the console script's
    # first step) is instant and a Ctrl-C there is caught by cstool.entry.
    if name == "hookimpl":
        import pluggy  # noqa: F811

        marker = pluggy.HookimplMarker("cstool")
        globals()["hookimpl"] = marker
        return marker
    raise AttributeError(name)
