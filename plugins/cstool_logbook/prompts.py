"""Asking for missing fields with questionary, only when a person is at the terminal.

With no terminal a missing field is bad input (exit 2), never a hang. Prompts
draw on stderr so stdout keeps only data. Ctrl-C raises KeyboardInterrupt
before anything is written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from cstool.errors import BadInput


def interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _output_kwargs() -> dict[str, Any]:
    if sys.stderr.isatty():
        from prompt_toolkit.output import create_output

        return {"output": create_output(stdout=sys.stderr)}
    return {}


def _validator(check: Callable[[str], object] | None, required: bool) -> Callable[[str], bool | str]:
    def validate(text: str) -> bool | str:
        if not text.strip():
            return "必填" if required else True
        if check is not None:
            try:
                check(text)
            except BadInput as exc:
                return exc.message
        return True

    return validate


def ask_text(
    label: str, *, required: bool = True, check: Callable[[str], object] | None = None, default: str = ""
) -> str:
    import questionary

    answer = questionary.text(
        f"{label}：", default=default, validate=_validator(check, required), **_output_kwargs()
    ).unsafe_ask()
    return str(answer or "").strip()


def ask_select(label: str, choices: Sequence[str], *, default: str | None = None) -> str:
    import questionary

    answer = questionary.select(
        f"{label}：", choices=list(choices), default=default, **_output_kwargs()
    ).unsafe_ask()
    return str(answer)


def ask_list(label: str) -> list[str]:
    """Several short answers, one per prompt, until an empty one (at least one)."""
    answers: list[str] = []
    while True:
        hint = "（直接回车结束）" if answers else ""
        answer = ask_text(f"{label}{len(answers) + 1}{hint}", required=not answers)
        if not answer:
            return answers
        answers.append(answer)


def missing(flags: Sequence[tuple[str, str]]) -> BadInput:
    """The error for required fields that were not given and cannot be asked."""
    return BadInput(
        "缺少必填项：" + "、".join(f"{flag}（{label}）" for flag, label in flags) + "；没有终端，无法逐项询问"
    )
