"""Storage: schema versioning and in-place upgrade, file safety, and many writers at once."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from cstool_logbook.models import Entry
from cstool_logbook.store import MIGRATIONS, SCHEMA_VERSION, open_store

from cstool.errors import CstoolError

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 11, 10, 0, tzinfo=TZ)

pytest_plugins = ["logbook_helpers"]


def v1_database(target: str) -> None:
    """A database as the first release wrote it: schema version 1, one entry."""
    store = open_store(target, migrate=False)
    store.migrate(target=1)
    store.db.execute(
        "INSERT INTO entries (kind, at_epoch, at, agent, buyer, order_id, sku, questions, outcome, reason, amount_fen,"
        " followup, note, details, created_at, updated_at) VALUES ('unpaid', ?, ?, '小暖', 'old_buyer', '9876543210',"
        " '', '[]', '跟进中', '运费', 19990, NULL, '', '{\"reminders\": []}', ?, ?)",
        (int(NOW.timestamp()), NOW.isoformat(), NOW.isoformat(), NOW.isoformat()),
    )
    store.close()


def test_old_database_upgrades_in_place_and_keeps_entries(log_db):
    v1_database(log_db)
    with open_store(log_db, migrate=False) as store:
        assert store.schema_version() == 1
        assert not store.db.table_exists("buyer_groups")
    with open_store(log_db) as store:
        assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
        [entry] = store.query()
        assert (entry.buyer, entry.order, entry.amount) == ("old_buyer", "9876543210", Decimal("199.90"))
        store.tag("old_buyer", "优质客户", agent="小暖", now=NOW)  # the v2 table works
        assert store.groups(["old_buyer"]) == {"old_buyer": ["优质客户"]}


def test_old_database_upgrades_through_the_cli(cli, log_db):
    v1_database(log_db)
    result = cli("log", "buyer", "old_buyer", "--tag", "优质客户", "--json")
    assert result.exit_code == 0, result.stderr
    assert '"优质客户"' in result.stdout and "9876543210" in result.stdout


def test_database_from_a_newer_cstool_is_refused(log_db):
    with open_store(log_db) as store:
        store.db.execute("UPDATE logbook_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(CstoolError, match="比本程序新"):
        open_store(log_db)


def test_amounts_round_trip_exactly(log_db):
    amounts = [Decimal("0.01"), Decimal("0.10"), Decimal("199.99"), Decimal("12345678.90"), Decimal("0.00")]
    with open_store(log_db) as store:
        store.add_many(
            [
                Entry(kind="unpaid", at=NOW, buyer="b", order=f"10000{i}", amount=a, outcome="跟进中")
                for i, a in enumerate(amounts)
            ],
            now=NOW,
        )
        stored = [e.amount for e in store.query(newest_first=False)]
    assert stored == amounts
    assert all(str(a) == str(b) for a, b in zip(stored, amounts, strict=True))


def test_failed_batch_writes_nothing(log_db):
    good = Entry(kind="inquiry", at=NOW, buyer="a", questions=["x"], outcome="成交")
    with open_store(log_db) as store:
        with pytest.raises(RuntimeError), store.db.write():
            store.db.execute(
                "INSERT INTO entries (kind, at_epoch, at, buyer, created_at, updated_at)"
                " VALUES ('inquiry', 0, '', 'x', '', '')"
            )
            raise RuntimeError("crash mid-entry")
        assert store.count() == 0
        store.add(good, now=NOW)
        assert store.count() == 1


def test_sqlite_file_is_private_and_uses_wal(tmp_path):
    path = tmp_path / "sub" / "log.sqlite3"
    with open_store(str(path)) as store:
        store.add(Entry(kind="inquiry", at=NOW, buyer="a", questions=["x"], outcome="成交"), now=NOW)
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for sidecar in (path, path.with_name(path.name + "-wal")):
            assert stat.S_IMODE(os.stat(sidecar).st_mode) == 0o600, sidecar
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


WRITER = textwrap.dedent("""
    import os, sys, time
    from cstool.cli import run
    go, worker = sys.argv[1], sys.argv[2]
    while not os.path.exists(go):
        time.sleep(0.005)
    failures = 0
    for i in range(250):
        code = run(["log", "inquiry", "--buyer", f"w{worker}-{i}", "-q", "有货吗", "--outcome", "未成交",
                    "--reason", "价格", "--agent", f"agent{worker}"])
        failures += code != 0
    sys.exit(1 if failures else 0)
""")


@pytest.mark.slow
def test_eight_processes_writing_at_once_lose_nothing(log_db, tmp_path, count_entries):
    go = tmp_path / "go"
    env = {**os.environ, "CSTOOL_DB": log_db}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(go), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    time.sleep(1.0)  # let every interpreter start, then release them together
    go.touch()
    outputs = [p.communicate(timeout=600) for p in procs]  # read while they run: a full pipe blocks a writer
    results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
    for code, _out, err in results:
        assert code == 0, err[-2000:]
        assert "locked" not in err and "错误" not in err
    assert count_entries(log_db) == 2000
    with open_store(log_db) as store:
        buyers = {e.buyer for e in store.query()}
    assert len(buyers) == 2000


def test_sqlite_waits_for_a_long_writer_instead_of_failing(tmp_path, count_entries):
    path = tmp_path / "log.sqlite3"
    open_store(str(path)).close()
    blocker = sqlite3.connect(str(path), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    script = textwrap.dedent(f"""
        from datetime import datetime
        from zoneinfo import ZoneInfo
        from cstool_logbook.models import Entry
        from cstool_logbook.store import open_store
        now = datetime(2026, 11, 11, tzinfo=ZoneInfo("Asia/Shanghai"))
        with open_store({str(path)!r}) as store:
            store.add(Entry(kind="inquiry", at=now, buyer="late", questions=["x"], outcome="成交"), now=now)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    assert proc.poll() is None  # still waiting for the lock, not failed
    blocker.execute("COMMIT")
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    blocker.close()
    assert count_entries(str(path)) == 1


def test_agents_opening_a_new_sqlite_logbook_at_the_same_moment_all_get_in(tmp_path):
    """The first day: several agents' pages write to a logbook that does not exist yet, at once.
    Each connection switches the new file to WAL; SQLite refuses the losers of that race at once
    ("database is locked"), which must not reach an agent as a broken logbook."""
    import threading

    from cstool_logbook.store import _Sqlite

    for round_ in range(40):
        path = tmp_path / f"new-{round_}.sqlite3"
        start, failures = threading.Barrier(8), []

        def open_it(path=path, start=start, failures=failures):
            start.wait()
            try:
                _Sqlite(path).conn.close()
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                failures.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
