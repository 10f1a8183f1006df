"""State shared by every command of one ``cstool`` run (stored in ``ctx.obj``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import pluggy

from .kb import KnowledgeBase, resolve_kb


class AppState:  # a plain class, not a dataclass: created on every start (see config.UserConfig)
    def __init__(self, pm: pluggy.PluginManager, kb_option: str | None = None):
        self.pm = pm
        self.kb_option = kb_option
        self.extra: dict[str, Any] = {}

    @cached_property
    def kb_resolution(self) -> tuple[KnowledgeBase, str]:
        """The KB in use and where the choice came from (``option``, ``env``, ``nearest``, ``config``, ``bundled``)."""
        root, source = resolve_kb(self.kb_option)
        return KnowledgeBase(root), source

    @property
    def kb(self) -> KnowledgeBase:
        return self.kb_resolution[0]

    @property
    def kb_source(self) -> str:
        return self.kb_resolution[1]

    def placeholders(self) -> dict[str, Callable[[], str]]:
        """Every placeholder a reply may use, as lazy producers.

        Later sources win: plugins (e.g. ``{promo}``), then the team's
        ``kb.yaml`` ``placeholders:``, then the user's own ``config.toml``.
        """
        from .config import load_user_config
        from .plugins import call_each

        producers: dict[str, Callable[[], str]] = {}

        def register(name: str, producer: Callable[[], str]) -> None:
            producers[str(name)] = producer

        call_each(self.pm, "cstool_placeholders", kb=self.kb, register=register)
        team = self.kb.settings.get("placeholders") or {}
        user = load_user_config()
        values = {str(k): str(v) for k, v in dict(team).items()}
        if user.agent:
            values["agent"] = user.agent
        values.update(user.placeholders)
        from .template import StaticText

        for name, value in values.items():
            producers[name] = StaticText(value)
        return producers


def get_state(ctx: Any) -> AppState:
    """The run's :class:`AppState` from any (sub)command's Typer context."""
    root = ctx.find_root()
    state = root.obj
    if not isinstance(state, AppState):
        raise RuntimeError("cstool command run outside build_app()")
    return state
