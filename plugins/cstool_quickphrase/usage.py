"""Per-user memory of what the agent used: pick counts (learning) and variant rotation.

One small SQLite file in ``user_data_dir()`` (``quickphrase.sqlite3``):
SQLite's own locking makes concurrent ``cstool`` processes safe, and a read
is one indexed query. Rows are keyed by the resolved KB path, so two KBs
never mix.

A *chat* is what ``--chat NAME`` (or ``CSTOOL_CHAT``) names, e.g. the buyer's
nickname. Without a name all searches share one default chat that ends after
``DEFAULT_CHAT_MINUTES`` quiet minutes; a named chat is forgotten after
``NAMED_CHAT_HOURS`` hours. Within a chat, each time the agent picks (copies) an
entry's reply, the next time that entry shows its next variant.

Each pick is stored with the query it answered (``pick_queries``), counted:
``kb learn`` proposes those queries as new phrasings.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import sqlite3

DB_FILE = "quickphrase.sqlite3"
DEFAULT_CHAT = ""
DEFAULT_CHAT_MINUTES = 30
NAMED_CHAT_HOURS = 24

SCHEMA = """
CREATE TABLE IF NOT EXISTS picks (
    kb TEXT NOT NULL, entry TEXT NOT NULL, count INTEGER NOT NULL, last_used TEXT NOT NULL,
    PRIMARY KEY (kb, entry));
CREATE TABLE IF NOT EXISTS pick_queries (
    kb TEXT NOT NULL, entry TEXT NOT NULL, query TEXT NOT NULL, count INTEGER NOT NULL, last_used TEXT NOT NULL,
    PRIMARY KEY (kb, entry, query));
CREATE TABLE IF NOT EXISTS rotation (
    kb TEXT NOT NULL, chat TEXT NOT NULL, entry TEXT NOT NULL, next INTEGER NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (kb, chat, entry));
"""


class PickStat(NamedTuple):  # not a dataclass: cheaper to create on start (see model.py)
    picks: int
    last_used: str


class PickedQuery(NamedTuple):
    entry: str
    query: str
    picks: int
    last_used: str


def db_path() -> Path:
    from cstool.config import user_data_dir

    return user_data_dir() / DB_FILE


def _now():
    from cstool.timeutil import now

    return now()


class Usage:
    """Open lazily; reading from a user who never picked anything creates no file."""

    def __init__(self, kb_key: str, path: Path | None = None):
        self.kb_key = kb_key
        self.path = path or db_path()
        self._conn: sqlite3.Connection | None = None

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._conn is None:
            new = not self.path.exists()
            if new and not create:
                return None
            import sqlite3  # here: an agent who never picked anything has no file to read

            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            if new:  # WAL is kept in the file: set once, when it is made (~0.4 ms on every open)
                conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- learning

    def pick_counts(self) -> dict[str, int]:
        conn = self._connect(create=False)
        if conn is None:
            return {}
        rows = conn.execute("SELECT entry, count FROM picks WHERE kb = ?", (self.kb_key,))
        return {entry: count for entry, count in rows}

    def pick_stats(self) -> dict[str, PickStat]:
        conn = self._connect(create=False)
        if conn is None:
            return {}
        rows = conn.execute("SELECT entry, count, last_used FROM picks WHERE kb = ?", (self.kb_key,))
        return {entry: PickStat(count, last) for entry, count, last in rows}

    def record_pick(self, entry: str, query: str = "") -> None:
        """One more pick of ``entry``; with the query it answered (``kb learn`` proposes those as phrasings)."""
        conn = self._connect(create=True)
        assert conn is not None
        stamp = _now().isoformat(timespec="seconds")
        query = " ".join(query.split())
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO picks (kb, entry, count, last_used) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (kb, entry) DO UPDATE SET count = count + 1, last_used = excluded.last_used",
                (self.kb_key, entry, stamp),
            )
            if query:
                conn.execute(
                    "INSERT INTO pick_queries (kb, entry, query, count, last_used) VALUES (?, ?, ?, 1, ?) "
                    "ON CONFLICT (kb, entry, query) DO UPDATE SET count = count + 1, "
                    "last_used = excluded.last_used",
                    (self.kb_key, entry, query, stamp),
                )

    def picked_queries(self) -> list[PickedQuery]:
        """Every ``(entry, query)`` the agent picked, with how often: most picked first."""
        conn = self._connect(create=False)
        if conn is None:
            return []
        rows = conn.execute(
            "SELECT entry, query, count, last_used FROM pick_queries WHERE kb = ? "
            "ORDER BY count DESC, last_used DESC, entry, query",
            (self.kb_key,),
        )
        return [PickedQuery(entry, query, count, last) for entry, query, count, last in rows]

    # -- rotation

    def next_variants(self, chat: str, entries: Iterable[str]) -> dict[str, int]:
        """Which variant (a counter; the caller takes it modulo the count) each entry shows next."""
        conn = self._connect(create=False)
        ids = list(entries)
        if conn is None or not ids:
            return {}
        cutoff = _cutoff(chat)
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            f"SELECT entry, next FROM rotation WHERE kb = ? AND chat = ? AND at >= ? AND entry IN ({marks})",
            (self.kb_key, chat, cutoff, *ids),
        )
        return {entry: nxt for entry, nxt in rows}

    def advance(self, chat: str, handed_out: dict[str, int]) -> None:
        """Record that ``{entry: variant counter}`` was handed out: next time shows the one after."""
        if not handed_out:
            return
        conn = self._connect(create=True)
        assert conn is not None
        stamp = _now().timestamp()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "DELETE FROM rotation WHERE kb = ? AND at < ? AND chat = ?",
                (self.kb_key, _cutoff(DEFAULT_CHAT), DEFAULT_CHAT),
            )
            conn.execute("DELETE FROM rotation WHERE at < ?", (stamp - NAMED_CHAT_HOURS * 3600,))
            conn.executemany(
                "INSERT INTO rotation (kb, chat, entry, next, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (kb, chat, entry) DO UPDATE SET next = excluded.next, at = excluded.at",
                [(self.kb_key, chat, entry, shown + 1, stamp) for entry, shown in handed_out.items()],
            )
        if chat == DEFAULT_CHAT:  # the default chat lives on while the agent keeps working
            conn.execute("UPDATE rotation SET at = ? WHERE kb = ? AND chat = ?", (stamp, self.kb_key, chat))


def _cutoff(chat: str) -> float:
    window = DEFAULT_CHAT_MINUTES * 60 if chat == DEFAULT_CHAT else NAMED_CHAT_HOURS * 3600
    return _now().timestamp() - window
