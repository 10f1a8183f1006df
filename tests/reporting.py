"""Figures a test wants shown at the end of every run (search quality, …), even without ``-s``.

A test calls ``report(section, line)``; ``conftest.pytest_terminal_summary``
prints the sections. Kept in a plain module so test order never matters.
"""

from __future__ import annotations

SECTIONS: dict[str, list[str]] = {}


def report(section: str, *lines: str) -> None:
    SECTIONS.setdefault(section, []).extend(lines)
