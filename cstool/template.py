"""Safe templates: reply texts, order remarks and any other text a team file fills in.

Only bare names are replaced (``{shop}``); there is no attribute or index
access, no conversion, no format spec, nothing evaluated: a template cannot
reach into Python objects. ``{{`` and ``}}`` write literal braces. An unknown
name stays visible as ``{name}`` so a person notices before sending.

A placeholder's *producer* is a function called only when a text uses the
name. A producer filled by a plugin (``{promo}``) may have nothing true to say
right now (no campaign running): it returns ``None`` or raises
:class:`NothingToSay`. The text then takes the team's fallback for that name
(``fallbacks``, from kb.yaml ``placeholder_fallbacks``), else rendering raises
:class:`NothingToSay` so the caller can choose another text: an empty or
stale value never ends up in a message for a buyer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")

Producer = Callable[[], "str | None"]


class NothingToSay(Exception):
    """A placeholder has nothing true to say now; ``name`` is the placeholder."""

    def __init__(self, name: str = "", reason: str = ""):
        super().__init__(name)
        self.name = name
        self.reason = reason


class StaticText:
    """A producer with a fixed text (kb.yaml ``placeholders``, the user's config): it always has a value."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = str(text)

    def __call__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"StaticText({self.text!r})"


def may_say_nothing(producer: Callable[[], object]) -> bool:
    """Whether a producer can have nothing to say (everything but a fixed text)."""
    return not isinstance(producer, StaticText)


def placeholders_in(text: str) -> set[str]:
    return {m[1] for m in PLACEHOLDER.finditer(text) if m[1]}


def leftover_braces(text: str) -> bool:
    """True when ``text`` has a brace that is neither a placeholder nor ``{{``/``}}``."""
    rest = PLACEHOLDER.sub("", text)
    return "{" in rest or "}" in rest


def produce(name: str, producer: Callable[[], object]) -> str:
    """The producer's text; raises :class:`NothingToSay` for ``None``, blank text or its own refusal."""
    value = producer()
    if value is None or not str(value).strip():
        raise NothingToSay(name)
    return str(value)


def render_text(
    text: str,
    values: Mapping[str, Callable[[], object]],
    fallbacks: Mapping[str, str] | None = None,
) -> str:
    """``text`` with its placeholders filled.

    A producer with nothing to say uses ``fallbacks[name]`` (itself rendered
    with ``values``, without further fallbacks); with no fallback,
    :class:`NothingToSay` is raised.
    """
    if "{" not in text and "}" not in text:  # most reply texts: nothing to fill
        return text
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
            try:
                cache[name] = produce(name, values[name])
            except NothingToSay as exc:
                fallback = (fallbacks or {}).get(name)
                if fallback is None or not str(fallback).strip():
                    raise NothingToSay(name, exc.reason) from None
                cache[name] = render_text(str(fallback), values)
        return cache[name]

    return PLACEHOLDER.sub(substitute, text)
