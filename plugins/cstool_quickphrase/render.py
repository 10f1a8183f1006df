"""Rendering a reply's steps (say/wait) with its placeholders filled by :mod:`cstool.template`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cstool.template import PLACEHOLDER, placeholders_in, render_text

from .model import Reply

__all__ = ["PLACEHOLDER", "placeholders_in", "render_reply", "render_text", "reply_as_text"]


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
