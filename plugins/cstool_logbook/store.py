"""Where entries live: SQLite (default) or PostgreSQL, behind one small interface.

The SQL is written once with ``?`` placeholders; each backend supplies the
connection, the id column and the write lock. The schema is versioned in the
``logbook_meta`` table and upgraded in place on open (``MIGRATIONS``).

SQLite: WAL journal, a busy timeout and ``BEGIN IMMEDIATE`` for every write,
so many agents writing at once wait their turn instead of failing with
"database is locked"; the file is created readable by its owner only.
Amounts are stored as integer fen, times as ISO text plus epoch seconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cstool.errors import BadInput, CstoolError

from .models import Entry
from .report import Group, QuestionGroup

SCHEMA_VERSION = 3
# Both backends keep ids in a signed 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT).
MAX_ID = 2**63 - 1
SQLITE_HEADER = b"SQLite format 3\x00"

# MIGRATIONS[n] upgrades a database from version n to n + 1. Never edit an old step; append a new one.
MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE IF NOT EXISTS logbook_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS entries (
            id {id_column},
            kind TEXT NOT NULL,
            at_epoch BIGINT NOT NULL,
            at TEXT NOT NULL,
            agent TEXT NOT NULL DEFAULT '',
            buyer TEXT NOT NULL,
            order_id TEXT NOT NULL DEFAULT '',
            sku TEXT NOT NULL DEFAULT '',
            questions TEXT NOT NULL DEFAULT '[]',
            outcome TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            amount_fen BIGINT,
            followup TEXT,
            note TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{{}}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS entries_at ON entries (at_epoch)",
        "CREATE INDEX IF NOT EXISTS entries_buyer ON entries (buyer)",
        """CREATE TABLE IF NOT EXISTS history (
            id {id_column},
            entry_id BIGINT NOT NULL REFERENCES entries (id),
            at TEXT NOT NULL,
            agent TEXT NOT NULL DEFAULT '',
            action TEXT NOT NULL,
            changes TEXT NOT NULL DEFAULT '{{}}')""",
        "CREATE INDEX IF NOT EXISTS history_entry ON history (entry_id)",
    ],
    [
        # v2: customer groups (客户组) per buyer, and a fast path to the open items for `due`.
        """CREATE TABLE IF NOT EXISTS buyer_groups (
            buyer TEXT NOT NULL,
            group_name TEXT NOT NULL,
            agent TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL,
            PRIMARY KEY (buyer, group_name))""",
        "CREATE INDEX IF NOT EXISTS entries_kind_outcome ON entries (kind, outcome)",
    ],
    [
        # v3: covering indexes for the report's aggregates (``Store.report_groups``,
        # ``Store.question_groups``): a week of a million-entry logbook without touching the table.
        # Backend-specific (see ``_Backend.report_indexes``); a step that formats to "" is skipped.
        "{report_index}",
        "{questions_index}",
    ],
]

_COLUMNS = (
    "kind",
    "at_epoch",
    "at",
    "agent",
    "buyer",
    "order_id",
    "sku",
    "questions",
    "outcome",
    "reason",
    "amount_fen",
    "followup",
    "note",
    "details",
    "created_at",
    "updated_at",
)
_SELECT = "SELECT id, " + ", ".join(_COLUMNS) + " FROM entries"


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def default_target() -> str:
    from cstool.config import user_data_dir

    return str(user_data_dir() / "logbook.sqlite3")


def resolve_target(option: str | None) -> str:
    """``--db``, else ``CSTOOL_DB``, else config ``db``, else the user data dir."""
    from cstool.config import load_user_config

    for value in (option, os.environ.get("CSTOOL_DB"), load_user_config().db):
        if value and value.strip():
            return value.strip()
    return default_target()


def check_id(entry_id: int) -> int:
    """An entry id as typed: refused (exit 2) before any query unless it fits the database's integer."""
    if not 1 <= entry_id <= MAX_ID:
        raise BadInput(f"记录编号应为 1 到 {MAX_ID} 之间的整数：{entry_id}")
    return entry_id


def check_limit(limit: int | None) -> int | None:
    """A ``--limit`` as typed: refused (exit 2) before any query unless it fits the database's integer."""
    if limit and limit > MAX_ID:
        raise BadInput(f"数量太大：{limit}（最多 {MAX_ID}）")
    return limit


def check_pg_url(url: str) -> None:
    """Refuse a malformed PostgreSQL URL (bad port, host or options) before connecting."""
    from urllib.parse import urlsplit

    from psycopg import conninfo

    where = _redact(url)
    example = "写法如 postgresql://用户:密码@主机:5432/库名"
    try:
        urlsplit(url).port  # noqa: B018 - raises ValueError on a bad host or port
        params = conninfo.conninfo_to_dict(url)
    except ValueError:
        raise BadInput(
            f"PostgreSQL 连接串的主机或端口写得不对（{where}）；端口应为 1–65535，{example}"
        ) from None
    except Exception as exc:  # psycopg.ProgrammingError: libpq could not parse it
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BadInput(f"PostgreSQL 连接串格式不对（{where}）：{first}；{example}") from None
    for port in str(params.get("port") or "").split(","):
        if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise BadInput(f"PostgreSQL 连接串的端口不对：{port}（应为 1–65535；{where}）")


def open_store(target: str, *, migrate: bool = True) -> Store:
    backend: _Backend = _Postgres(target) if is_postgres_url(target) else _Sqlite(Path(target).expanduser())
    store = Store(backend)
    if migrate:
        store.migrate()
    return store


class _Backend:
    id_column = ""
    placeholder = "?"
    # The report's covering indexes (migration v3), by name: none unless the backend says so.
    report_indexes: dict[str, str] = {"report_index": "", "questions_index": ""}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    @contextmanager
    def write(self, lock_key: str = "") -> Iterator[None]:
        raise NotImplementedError
        yield

    def table_exists(self, name: str) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _Sqlite(_Backend):
    id_column = "INTEGER PRIMARY KEY AUTOINCREMENT"
    # SQLite index keys have no size limit, so free text (agent, questions) can be in them.
    # PostgreSQL's B-tree refuses a key over 2,704 bytes: an index holding the agent's name or
    # the questions would make such an entry fail to save, so there the queries read the period's
    # rows through ``entries_at``.
    report_indexes = {
        "report_index": "CREATE INDEX IF NOT EXISTS entries_report"
        " ON entries (at_epoch, kind, agent, outcome, reason, amount_fen)",
        "questions_index": "CREATE INDEX IF NOT EXISTS entries_questions"
        " ON entries (kind, at_epoch, agent, questions)",
    }

    def __init__(self, path: Path):
        import sqlite3

        self.path = path
        self._errors = sqlite3
        if _create_private(path):
            from cstool.output import info

            info(f"已新建日志库：{path}")
        try:
            self.conn = sqlite3.connect(str(path), timeout=60, isolation_level=None)
            self.conn.execute("PRAGMA busy_timeout = 60000")
            self._use_wal(sqlite3)
            self.conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"不是可用的 SQLite 日志库：{exc}", path=path) from None

    def _use_wal(self, sqlite3: Any) -> None:
        """WAL journal, switched once per file. Several agents opening a new logbook at the same
        moment all try the switch: SQLite refuses the losers at once ("database is locked",
        without waiting for the busy timeout), and by the time they look again it is done."""
        import time

        deadline = time.monotonic() + 60
        while True:
            try:
                if self.conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self.conn.execute(sql, tuple(params))
        except self._errors.DatabaseError as exc:
            raise CstoolError(f"日志库出错：{exc}", path=self.path) from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    @contextmanager
    def write(self, lock_key: str = "") -> Iterator[None]:
        # IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so two writers
        # never deadlock upgrading a read lock.
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def table_exists(self, name: str) -> bool:
        row = self.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def close(self) -> None:
        self.conn.close()


def _create_private(path: Path) -> bool:
    """Create the database file 0600 (and its folder 0700) before SQLite touches it.

    An existing file must be a SQLite database (or empty: one being created this
    very moment); anything else is refused untouched. True when the file is new.
    """
    if path.exists():
        if path.is_dir():
            raise BadInput("这是一个文件夹，不是日志库文件", path=path)
        _check_sqlite_file(path)
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return False  # another agent created it a moment ago
    except OSError as exc:
        raise CstoolError(f"无法创建日志库：{exc.strerror}", path=path) from None
    return True


def _check_sqlite_file(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise BadInput(f"无法读取日志库：{exc.strerror}", path=path) from None
    if head and head != SQLITE_HEADER:
        raise BadInput(
            "这个文件不是 SQLite 日志库，不会使用或改动它；请检查 --db（新建日志库请给一个不存在的文件名）",
            path=path,
        )


class _Postgres(_Backend):
    id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    placeholder = "%s"

    def __init__(self, url: str):
        import psycopg

        self._errors = psycopg
        self.where = _redact(url)
        check_pg_url(url)
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise CstoolError(
                f"无法连接 PostgreSQL（{self.where}）：{str(exc).strip().splitlines()[0]}"
            ) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self.conn.execute(sql.replace("?", "%s"), tuple(params))
        except self._errors.Error as exc:
            raise CstoolError(f"PostgreSQL 出错：{str(exc).strip().splitlines()[0]}") from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)

    @contextmanager
    def write(self, lock_key: str = "") -> Iterator[None]:
        with self.conn.transaction():
            if lock_key:
                self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (lock_key,))
            yield

    def table_exists(self, name: str) -> bool:
        return self.execute("SELECT to_regclass(?)", (name,)).fetchone()[0] is not None

    def close(self) -> None:
        self.conn.close()


def _redact(url: str) -> str:
    """The URL without its password, for messages (never fails, even on a malformed URL)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        user = parts.username
    except ValueError:
        return url.split("://", 1)[0] + "://…"
    hostport = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{user + '@' if user else ''}{hostport}{parts.path}"


class Store:
    """Entries, their history and buyers' customer groups, on either backend."""

    def __init__(self, backend: _Backend):
        self.db = backend

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # --- schema ---------------------------------------------------------------------------------
    def schema_version(self) -> int:
        if not self.db.table_exists("logbook_meta"):
            return 0
        row = self.db.execute("SELECT value FROM logbook_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        """Bring the schema up to ``target``; safe when several processes open a new database at once."""
        if self.schema_version() == target:
            return
        with self.db.write(lock_key="cstool_logbook_schema"):
            current = self.schema_version()  # again, under the lock
            if current > SCHEMA_VERSION:
                raise CstoolError(f"日志库的版本（{current}）比本程序新（{SCHEMA_VERSION}），请升级 cstool")
            for step in MIGRATIONS[current:target]:
                for sql in step:
                    statement = sql.format(id_column=self.db.id_column, **self.db.report_indexes)
                    if statement:
                        self.db.execute(statement)
            self.db.execute("DELETE FROM logbook_meta WHERE key = 'schema_version'")
            self.db.execute(
                "INSERT INTO logbook_meta (key, value) VALUES ('schema_version', ?)", (str(target),)
            )

    # --- entries --------------------------------------------------------------------------------
    def add(self, entry: Entry, *, now: datetime) -> Entry:
        return self.add_many([entry], now=now)[0]

    def add_many(self, entries: Sequence[Entry], *, now: datetime) -> list[Entry]:
        """Insert entries in one transaction: all are written, or none."""
        with self.db.write():
            return self._insert(entries, now)

    def add_new(self, entries: Sequence[Entry], *, now: datetime) -> tuple[list[Entry], int]:
        """Insert the entries not already in the logbook (by :meth:`Entry.identity`), in one transaction.

        Returns the saved entries and how many were skipped (already there, or
        repeated within ``entries``). Checked under the write lock, so two
        imports of the same file at once still write each row once.
        """
        with self.db.write(lock_key="cstool_logbook_import"):
            seen: set[tuple[str, int, str, str, str]] = set()
            fresh = []
            for entry in entries:
                key = entry.identity()
                if key in seen or self._has(key):
                    continue
                seen.add(key)
                fresh.append(entry)
            return self._insert(fresh, now), len(entries) - len(fresh)

    def _has(self, key: tuple[str, int, str, str, str]) -> bool:
        kind, epoch, buyer, order, _ = key
        rows = self.db.execute(
            f"{_SELECT} WHERE kind = ? AND at_epoch = ? AND buyer = ? AND order_id = ?",
            (kind, epoch, buyer, order),
        ).fetchall()
        return any(_entry(row).identity() == key for row in rows)

    def _insert(self, entries: Sequence[Entry], now: datetime) -> list[Entry]:
        saved = []
        placeholders = ", ".join("?" for _ in _COLUMNS)
        insert = f"INSERT INTO entries ({', '.join(_COLUMNS)}) VALUES ({placeholders}) RETURNING id"
        for entry in entries:
            entry.created_at = entry.updated_at = now
            entry_id = int(self.db.execute(insert, _row(entry)).fetchone()[0])
            entry.id = entry_id
            self._log(entry_id, now, entry.agent, "created", {})
            saved.append(entry)
        return saved

    def get(self, entry_id: int) -> Entry | None:
        check_id(entry_id)
        row = self.db.execute(f"{_SELECT} WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def update(
        self, entry_id: int, change: Any, *, now: datetime, agent: str
    ) -> tuple[Entry, dict[str, Any]]:
        """Re-read the entry under the write lock, apply ``change(entry) -> (entry, changes)``, save both."""
        check_id(entry_id)
        with self.db.write():
            entry = self.get(entry_id)
            if entry is None:
                raise BadInput(f"没有编号为 {entry_id} 的记录")
            new, changes = change(entry)
            if changes:
                new.updated_at = now
                sets = ", ".join(f"{column} = ?" for column in _COLUMNS)
                self.db.execute(f"UPDATE entries SET {sets} WHERE id = ?", (*_row(new), entry_id))
                self._log(entry_id, now, agent, "updated", changes)
        return new, changes

    def _log(self, entry_id: int, at: datetime, agent: str, action: str, changes: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO history (entry_id, at, agent, action, changes) VALUES (?, ?, ?, ?, ?)",
            (entry_id, at.isoformat(), agent, action, json.dumps(changes, ensure_ascii=False)),
        )

    def history(self, entry_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT at, agent, action, changes FROM history WHERE entry_id = ? ORDER BY id", (entry_id,)
        ).fetchall()
        return [
            {"at": at, "agent": agent, "action": action, "changes": json.loads(changes)}
            for at, agent, action, changes in rows
        ]

    def query(
        self,
        *,
        kind: str | None = None,
        kinds: Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        agent: str | None = None,
        outcome: str | None = None,
        outcomes: Sequence[str] | None = None,
        buyer: str | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[Entry]:
        """Entries matching every given filter; ``start`` inclusive, ``end`` exclusive."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("kind", kind), ("agent", agent), ("outcome", outcome), ("buyer", buyer)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        for column, values in (("kind", kinds), ("outcome", outcomes)):
            if values:
                where.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if start is not None:
            where.append("at_epoch >= ?")
            params.append(int(start.timestamp()))
        if end is not None:
            where.append("at_epoch < ?")
            params.append(int(end.timestamp()))
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY at_epoch {order}, id {order}"
        check_limit(limit)
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [_entry(row) for row in self.db.execute(sql, params).fetchall()]

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    # --- report aggregates (see report.py; the SQL runs unchanged on SQLite and PostgreSQL) -------
    def report_groups(self, start: datetime, end: datetime, agent: str | None = None) -> list[Group]:
        """The period's entries counted (and their amounts summed) per agent, kind, outcome and reason."""
        where, params = _period(start, end, agent)
        rows = self.db.execute(
            "SELECT agent, kind, outcome, reason, COUNT(*), SUM(amount_fen) FROM entries"
            f" WHERE {where} GROUP BY agent, kind, outcome, reason",
            params,
        ).fetchall()
        return [Group(a, k, o, r, int(n), int(fen or 0)) for a, k, o, r, n, fen in rows]

    def question_groups(
        self, start: datetime, end: datetime, agent: str | None = None
    ) -> list[QuestionGroup]:
        """The period's inquiries per distinct question list, with when the first one was asked.

        ``first`` orders the groups as the inquiries were entered, (time, id):
        ``(first second, smallest id among the group's inquiries of that second)``.
        The id is looked up only where two groups share their first second
        (elsewhere it is 0: the second alone decides).
        """
        where, params = _period(start, end, agent)
        # An inquiry without a question ('[]') counts nothing.
        rows = self.db.execute(
            "SELECT questions, COUNT(*), MIN(at_epoch) FROM entries"
            f" WHERE kind = 'inquiry' AND {where} AND questions <> '[]' GROUP BY questions",
            params,
        ).fetchall()
        groups = [(text, int(n), int(epoch)) for text, n, epoch in rows]
        seconds: dict[int, int] = {}
        for _, _, epoch in groups:
            seconds[epoch] = seconds.get(epoch, 0) + 1
        shared = sorted(epoch for epoch, n in seconds.items() if n > 1)
        first_ids: dict[tuple[int, str], int] = {}
        for chunk in range(0, len(shared), 500):
            epochs = shared[chunk : chunk + 500]
            sql = (
                "SELECT at_epoch, questions, MIN(id) FROM entries"
                f" WHERE kind = 'inquiry' AND at_epoch IN ({', '.join('?' for _ in epochs)})"
                + (" AND agent = ?" if agent else "")
                + " GROUP BY at_epoch, questions"
            )
            for epoch, text, first_id in self.db.execute(
                sql, [*epochs, *([agent] if agent else [])]
            ).fetchall():
                first_ids[(int(epoch), text)] = int(first_id)
        return [QuestionGroup(text, n, (epoch, first_ids.get((epoch, text), 0))) for text, n, epoch in groups]

    def open_complaints(self, end: datetime, agent: str | None = None) -> tuple[int, list[dict[str, Any]]]:
        """How many complaints made before ``end`` are still 处理中, and the major ones, newest first."""
        # Open complaints are few: read through the (kind, outcome) index. "+ 0" keeps the planner
        # from walking every complaint before ``end`` in entries_questions (kind, at_epoch, …) instead.
        where = "kind = 'complaint' AND outcome = '处理中' AND at_epoch + 0 < ?"
        params: list[Any] = [int(end.timestamp())]
        if agent:
            where += " AND agent = ?"
            params.append(agent)
        total = int(self.db.execute(f"SELECT COUNT(*) FROM entries WHERE {where}", params).fetchone()[0])
        # A major complaint's details always hold the key "major"; the LIKE only narrows the rows
        # read, the flag itself is checked on the parsed JSON.
        # Sorted here, not by ORDER BY (which would steer the planner to an index in time order).
        rows = self.db.execute(
            f"SELECT at_epoch, id, at, buyer, order_id, details FROM entries WHERE {where} AND details LIKE ?",
            [*params, '%"major"%'],
        ).fetchall()
        rows.sort(key=lambda row: (int(row[0]), int(row[1])), reverse=True)
        major = []
        for _, entry_id, at, buyer, order, details in rows:
            info = json.loads(details)
            if info.get("major"):
                major.append(
                    {
                        "id": int(entry_id),
                        "at": datetime.fromisoformat(at).isoformat(),
                        "buyer": buyer,
                        "order": order,
                        "what": info.get("what", ""),
                        "severity": info.get("severity", ""),
                    }
                )
        return total, major

    # --- customer groups ------------------------------------------------------------------------
    def tag(self, buyer: str, group: str, *, agent: str, now: datetime) -> None:
        with self.db.write():
            self.db.execute("DELETE FROM buyer_groups WHERE buyer = ? AND group_name = ?", (buyer, group))
            self.db.execute(
                "INSERT INTO buyer_groups (buyer, group_name, agent, added_at) VALUES (?, ?, ?, ?)",
                (buyer, group, agent, now.isoformat()),
            )

    def untag(self, buyer: str, group: str) -> bool:
        with self.db.write():
            cur = self.db.execute(
                "DELETE FROM buyer_groups WHERE buyer = ? AND group_name = ?", (buyer, group)
            )
            return bool(cur.rowcount)

    def groups(self, buyers: Sequence[str] | None = None) -> dict[str, list[str]]:
        """Buyer -> customer groups, for the given buyers (or everyone)."""
        sql, params = "SELECT buyer, group_name FROM buyer_groups", list(buyers or [])
        if buyers is not None:
            if not buyers:
                return {}
            sql += f" WHERE buyer IN ({', '.join('?' for _ in buyers)})"
        result: dict[str, list[str]] = {}
        for buyer, group in self.db.execute(sql + " ORDER BY added_at, group_name", params).fetchall():
            result.setdefault(buyer, []).append(group)
        return result


def _period(start: datetime, end: datetime, agent: str | None) -> tuple[str, list[Any]]:
    where = "at_epoch >= ? AND at_epoch < ?"
    params: list[Any] = [int(start.timestamp()), int(end.timestamp())]
    if agent:
        where += " AND agent = ?"
        params.append(agent)
    return where, params


def _row(entry: Entry) -> tuple[Any, ...]:
    fen = None if entry.amount is None else int((entry.amount * 100).to_integral_exact())
    return (
        entry.kind,
        int(entry.at.timestamp()),
        entry.at.isoformat(),
        entry.agent,
        entry.buyer,
        entry.order,
        entry.sku,
        json.dumps(entry.questions, ensure_ascii=False),
        entry.outcome,
        entry.reason,
        fen,
        entry.followup.isoformat() if entry.followup else None,
        entry.note,
        json.dumps(entry.details, ensure_ascii=False),
        entry.created_at.isoformat() if entry.created_at else "",
        entry.updated_at.isoformat() if entry.updated_at else "",
    )


def _entry(row: Sequence[Any]) -> Entry:
    (
        entry_id,
        kind,
        _epoch,
        at,
        agent,
        buyer,
        order,
        sku,
        questions,
        outcome,
        reason,
        fen,
        followup,
        note,
        details,
        created_at,
        updated_at,
    ) = row
    return Entry(
        id=int(entry_id),
        kind=kind,
        at=datetime.fromisoformat(at),
        agent=agent,
        buyer=buyer,
        order=order,
        sku=sku,
        questions=json.loads(questions),
        outcome=outcome,
        reason=reason,
        amount=None if fen is None else Decimal(int(fen)).scaleb(-2),
        followup=date.fromisoformat(followup) if followup else None,
        note=note,
        details=json.loads(details),
        created_at=datetime.fromisoformat(created_at) if created_at else None,
        updated_at=datetime.fromisoformat(updated_at) if updated_at else None,
    )
