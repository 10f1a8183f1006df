"""Asking for missing fields, only when a person is at the terminal (through :mod:`cstool.prompts`).

With no terminal a missing field is bad input (exit 2), never a hang. The core
prompt layer draws on stderr with Chinese hints; Ctrl-C raises
KeyboardInterrupt before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cstool import prompts
from cstool.errors import BadInput

interactive = prompts.interactive


def ask_text(
    label: str, *, required: bool = True, check: Callable[[str], object] | None = None, default: str = ""
) -> str:
    return prompts.text(f"{label}：", validate=prompts.checked(check, required=required), default=default)


def ask_select(label: str, choices: Sequence[str], *, default: str | None = None) -> str:
    return str(prompts.select(f"{label}：", list(choices), default=default))


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
