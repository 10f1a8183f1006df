"""The one prompt layer: questionary with Chinese hints, drawn on stderr, only at a terminal.

Every command that asks a person for something uses these functions, so the
hints (``（↑↓ 选择，回车确认）`` instead of questionary's ``(Use arrow keys)``),
the output stream and Ctrl-C behave the same everywhere:

- :func:`interactive` says whether a person is at the terminal (stdin is a
  tty); without one a command must not prompt — a missing value is bad input.
- Prompts draw on stderr, so stdout keeps only data.
- Ctrl-C (and Ctrl-D) raise ``KeyboardInterrupt``; nothing is caught here, so
  the CLI's one cancel path prints ``已取消，未写入任何内容。`` and exits 130.

questionary is imported inside the functions: start-up stays light.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from .errors import BadInput

SELECT_HINT = "（↑↓ 选择，回车确认）"
CHECKBOX_HINT = "（↑↓ 移动，空格勾选，回车确认）"
CONFIRM_HINT = "（y 是 / n 否）"
REQUIRED = "必填"

Validator = Callable[[str], "bool | str"]


def interactive() -> bool:
    """A person is at the terminal: prompts are allowed."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _output() -> dict[str, Any]:
    """Draw on stderr when it is a terminal (stdout stays for data)."""
    try:
        is_tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        is_tty = False
    if is_tty:
        from prompt_toolkit.output import create_output

        return {"output": create_output(stdout=sys.stderr)}
    return {}


def _ask(question: Any) -> Any:
    """Run a questionary question; Ctrl-C / Ctrl-D become KeyboardInterrupt (the CLI's cancel path)."""
    try:
        answer = question.unsafe_ask()
    except EOFError:
        raise KeyboardInterrupt from None
    return answer


def checked(check: Callable[[str], object] | None, *, required: bool = True) -> Validator:
    """A questionary validator from a checker that raises :class:`BadInput` (its message is shown)."""

    def validate(text: str) -> bool | str:
        if not text.strip():
            return REQUIRED if required else True
        if check is not None:
            try:
                check(text)
            except BadInput as exc:
                return exc.message
        return True

    return validate


def text(message: str, *, validate: Validator | None = None, default: str = "") -> str:
    """One line of text (stripped)."""
    import questionary

    def checked_validate(value: str) -> bool | str:
        result = validate(value) if validate is not None else True
        return "输入不对，请重新输入" if result is False else result

    question = questionary.text(message, default=default, validate=checked_validate, **_output())
    return str(_ask(question) or "").strip()


def select(message: str, choices: Sequence[Any], *, default: Any = None) -> Any:
    """One of ``choices`` (strings or ``questionary.Choice``), picked with the arrow keys."""
    import questionary

    question = questionary.select(
        message, choices=list(choices), default=default, instruction=SELECT_HINT, **_output()
    )
    return _ask(question)


def choice(title: str, value: Any) -> Any:
    """A labelled choice for :func:`select` (the label is shown, ``value`` returned)."""
    import questionary

    return questionary.Choice(title, value=value)


def checkbox(message: str, choices: Sequence[Any]) -> list[Any]:
    import questionary

    question = questionary.checkbox(message, choices=list(choices), instruction=CHECKBOX_HINT, **_output())
    return list(_ask(question) or [])


def confirm(message: str, *, default: bool = False) -> bool:
    import questionary

    question = questionary.confirm(message, default=default, instruction=CONFIRM_HINT, **_output())
    return bool(_ask(question))


def text_list(message: Callable[[int], str] | str, *, at_least_one: bool = False) -> list[str]:
    """Several short answers, one per prompt, until an empty one."""
    answers: list[str] = []
    while True:
        label = message(len(answers) + 1) if callable(message) else message
        first = at_least_one and not answers
        answer = text(label, validate=(lambda v: bool(v.strip()) or "至少一条") if first else None)
        if not answer:
            return answers
        answers.append(answer)
