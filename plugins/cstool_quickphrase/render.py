"""Rendering a reply's steps (say/wait) with its placeholders filled by :mod:`cstool.template`.

An entry's variant whose placeholder has nothing to say now (``{promo}`` with
no campaign running) is never shown empty: :func:`render_entry` takes the
next variant that renders, then the chosen one with the team's
``placeholder_fallbacks`` (kb.yaml), and only then gives up
(:class:`cstool.template.NothingToSay`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from cstool.template import PLACEHOLDER, NothingToSay, placeholders_in, render_text

from .replies import Reply

__all__ = [
    "PLACEHOLDER",
    "NothingToSay",
    "Rendered",
    "placeholder_fallbacks",
    "placeholders_in",
    "render_entry",
    "render_reply",
    "render_text",
    "reply_as_text",
]

Values = Mapping[str, Callable[[], object]]
FALLBACKS_KEY = "placeholder_fallbacks"


def _filled(reply: Reply, values: Values, fallbacks: Mapping[str, str] | None) -> list[tuple[str, str]]:
    return [(step.kind, render_text(step.text, values, fallbacks)) for step in reply.steps]


def _as_text(steps: list[tuple[str, str]]) -> str:
    return "\n".join(f"（等待 {text}）" if kind == "wait" else text for kind, text in steps)


def render_reply(
    reply: Reply, values: Values, fallbacks: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """The reply's steps with placeholders filled: ``[{"say": ...}, {"wait": ...}, …]``."""
    return [{kind: text} for kind, text in _filled(reply, values, fallbacks)]


def reply_as_text(reply: Reply, values: Values, fallbacks: Mapping[str, str] | None = None) -> str:
    """One text to paste; a script shows its waits between the steps."""
    return _as_text(_filled(reply, values, fallbacks))


class Rendered(NamedTuple):  # not a dataclass: cheaper to create on start (see model.py)
    variant: int  # index into the entry's replies
    text: str
    steps: list[dict[str, str]]


def render_entry(
    replies: Sequence[Reply], start: int, values: Values, fallbacks: Mapping[str, str] | None = None
) -> Rendered:
    """The first variant from ``start`` (in rotation order) that renders completely.

    Variants are first tried without fallbacks (a variant that does not need
    the silent placeholder beats a generic fallback sentence), then with the
    team's fallbacks. Raises :class:`NothingToSay` (its ``name``: the
    placeholders that had nothing to say, joined by ``、``) when none renders.
    """
    count = len(replies)
    order = [(start + k) % count for k in range(count)]
    silent: list[str] = []
    for using in (None, fallbacks) if fallbacks else (None,):
        for variant in order:
            try:  # each step filled once, for both the text and the steps
                steps = _filled(replies[variant], values, using)
                return Rendered(variant, _as_text(steps), [{kind: text} for kind, text in steps])
            except NothingToSay as exc:
                if exc.name not in silent:
                    silent.append(exc.name)
    raise NothingToSay("、".join(silent))


def placeholder_fallbacks(settings: Mapping[str, Any]) -> dict[str, str]:
    """kb.yaml ``placeholder_fallbacks`` (name -> text) as plain text; anything malformed is left out
    (``kb lint`` reports it)."""
    raw = settings.get(FALLBACKS_KEY)
    if not isinstance(raw, dict):
        return {}
    return {
        str(name): str(text).strip()
        for name, text in raw.items()
        if isinstance(text, str | int) and not isinstance(text, bool) and str(text).strip()
    }
