"""Filling reply placeholders such as ``{shop}`` safely.

Only bare names are replaced (``{shop}``); there is no attribute or index
access, no format spec, nothing evaluated: a template cannot reach into
Python objects. ``{{`` and ``}}`` write literal braces. An unknown name stays
visible as ``{name}`` so the agent notices before sending (``kb lint`` flags it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from .model import Reply

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders_in(text: str) -> set[str]:
    return {m[1] for m in PLACEHOLDER.finditer(text) if m[1]}


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


def render_reply(reply: Reply, values: Mapping[str, Callable[[], str]]) -> list[dict[str, str]]:
    """The reply's steps with placeholders filled: ``[{"say": ...}, {"wait": ...}, …]``."""
    return [{step.kind: render_text(step.text, values)} for step in reply.steps]


def reply_as_text(reply: Reply, values: Mapping[str, Callable[[], str]]) -> str:
    """One text to paste; a script shows its waits between the steps."""
    parts = []
    for step in reply.steps:
        text = render_text(step.text, values)
        parts.append(f"（等待 {text}）" if step.kind == "wait" else text)
    return "\n".join(parts)
