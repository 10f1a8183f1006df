"""Safe templates: reply texts, order remarks and any other text a team file fills in.

Only bare names are replaced (``{shop}``); there is no attribute or index
access, no conversion, no format spec, nothing evaluated: a template cannot
reach into Python objects. ``{{`` and ``}}`` write literal braces. An unknown
name stays visible as ``{name}`` so a person notices before sending.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders_in(text: str) -> set[str]:
    return {m[1] for m in PLACEHOLDER.finditer(text) if m[1]}


def leftover_braces(text: str) -> bool:
    """True when ``text`` has a brace that is neither a placeholder nor ``{{``/``}}``."""
    rest = PLACEHOLDER.sub("", text)
    return "{" in rest or "}" in rest


def render_text(text: str, values: Mapping[str, Callable[[], str]]) -> str:
    cache: dict[str, str] = {}

    def substitute(match: re.Match[str]) -> str:
        token = match[0]
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match[1]
        if name not in values:
            return token
        if name not in cache:
            cache[name] = str(values[name]())
        return cache[name]

    return PLACEHOLDER.sub(substitute, text)
