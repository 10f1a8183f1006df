"""The logbook's side of ``cstool kb learn``: buyer questions from logged inquiries.

Implements the core hook ``cstool_learning_examples``; the quick-phrase plugin
decides which of them the KB matches weakly and what to propose (this module
never imports it). An entry an agent answered with, when the inquiry recorded
one (``details.kb_entry``), travels along.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

# The newest inquiries read (a team's last few months at most).
MAX_ENTRIES = 20000


def learning_examples(register: Callable[..., None], target: str | None = None) -> None:
    """Register every logged inquiry question, counted (identical question + entry once)."""
    from .store import open_store, resolve_target

    store = open_store(resolve_target(target), migrate=False)
    try:
        entries = store.query(kind="inquiry", limit=MAX_ENTRIES)
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()
    seen: Counter[tuple[str, str | None]] = Counter()
    for entry in entries:
        picked = (entry.details or {}).get("kb_entry")
        for question in entry.questions:
            text = str(question).strip()
            if text:
                seen[(text, str(picked) if picked else None)] += 1
    for (question, picked), count in seen.items():
        register(question, entry_id=picked, count=count)


def has_logbook(target: str | None = None) -> bool:
    """Whether a logbook exists to read (a SQLite file that is not there yet is no logbook)."""
    from pathlib import Path

    from .store import is_postgres_url, resolve_target

    where = resolve_target(target)
    return is_postgres_url(where) or Path(where).expanduser().exists()


def hook(kb: Any, register: Callable[..., None]) -> None:
    if has_logbook():
        learning_examples(register)
