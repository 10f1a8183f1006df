"""Where output goes: data and JSON to stdout; prompts, progress and messages to stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    from decimal import Decimal  # here: a search's --json has no money, and decimal costs ~1.5 ms to import

    if isinstance(obj, Decimal):
        from .money import fmt

        return fmt(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def to_json(data: Any) -> str:
    """JSON with Chinese kept readable and money as two-decimal strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def print_json(data: Any) -> None:
    sys.stdout.write(to_json(data) + "\n")


def info(message: str) -> None:
    """A message for the person at the terminal (stderr, so pipes get only data)."""
    print(message, file=sys.stderr)


def console(stderr: bool = False) -> Console:
    """A rich Console, imported only by the commands that draw tables."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def emit(
    data: T,
    *,
    as_json: bool,
    table: Callable[[T], object],
    empty: str | None = None,
    is_empty: bool | None = None,
) -> None:
    """The ending every listing command shares: JSON, else a message when there is nothing, else a table.

    ``--json`` prints ``data`` as JSON on stdout, even when it is empty (``[]``),
    so scripts never have to parse a message. Otherwise, when ``data`` is empty
    (``not data``, or ``is_empty`` when the emptiness is not ``data``'s own, such
    as a buyer view with no entries and no groups) and there is an ``empty``
    message, that message goes to stderr; else ``table(data)`` draws it for people.
    """
    if as_json:
        print_json(data)
    elif empty is not None and (not data if is_empty is None else is_empty):
        info(empty)
    else:
        table(data)
