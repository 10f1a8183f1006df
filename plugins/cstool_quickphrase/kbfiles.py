"""Which files make a KB's phrases, and their stat: what the index's freshness check reads.

Kept apart from model.py (which loads and checks those files): every search
checks freshness, and needs nothing else of the loader.
"""

from __future__ import annotations

import os
from pathlib import Path

from cstool.kb import KnowledgeBase

SYNONYMS_FILE = "synonyms.yaml"


def phrase_files(kb: KnowledgeBase) -> list[Path]:
    """The KB's phrase files, sorted so every run sees the same order."""
    folder = kb.phrases_dir
    return [folder.joinpath(*parts) for parts, _ in phrase_file_stats(folder)]


def phrase_file_stats(folder: Path) -> list[tuple[tuple[str, ...], os.stat_result]]:
    """Each ``*.yaml``/``*.yml`` file under ``folder`` (its path parts below it) with its stat, in path order.

    One ``os.scandir`` per folder and one stat per file: every search checks
    whether the KB changed, and ``Path.rglob`` plus a stat per file cost ~25 µs
    a file. Same files as ``rglob("*")`` (symlinked folders are not entered),
    same order as sorting the paths.
    """
    found: list[tuple[tuple[str, ...], os.stat_result]] = []

    def scan(path: str, parts: tuple[str, ...]) -> None:
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for entry in entries:
            try:
                if entry.is_dir() and not entry.is_symlink():
                    scan(entry.path, (*parts, entry.name))
                elif os.path.splitext(entry.name)[1] in (".yaml", ".yml") and entry.is_file():
                    found.append(((*parts, entry.name), entry.stat()))
            except OSError:  # vanished or unreadable while we looked: not a phrase file now
                continue

    scan(str(folder), ())
    found.sort(key=lambda item: item[0])
    return found
