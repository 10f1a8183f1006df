"""Where output goes: data and JSON to stdout; prompts, progress and messages to stderr."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        from .money import fmt

        return fmt(obj)
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def to_json(data: Any) -> str:
    """JSON with Chinese kept readable and money as two-decimal strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def print_json(data: Any) -> None:
    sys.stdout.write(to_json(data) + "\n")


def info(message: str) -> None:
    """A message for the person at the terminal (stderr, so pipes get only data)."""
    print(message, file=sys.stderr)


def console(stderr: bool = False) -> Any:
    """A rich Console, imported only by the commands that draw tables."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)
