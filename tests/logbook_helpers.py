"""Fixtures and helpers shared by the logbook tests (tests/test_logbook_*.py).

``log_db`` runs a test once against a fresh SQLite file and once against a
fresh schema on a real PostgreSQL server (``CSTOOL_TEST_PG_URL``). Without a
reachable server the PostgreSQL half is skipped, unless ``CSTOOL_REQUIRE_PG=1``
(CI), where it fails.
"""

from __future__ import annotations

import io
import os
import sys
import uuid
from urllib.parse import quote

import pytest

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pg_url_or_skip() -> str:
    url = os.environ.get("CSTOOL_TEST_PG_URL", "")
    required = os.environ.get("CSTOOL_REQUIRE_PG") == "1"
    reason = ""
    if not url:
        reason = "CSTOOL_TEST_PG_URL is not set"
    else:
        try:
            import psycopg

            psycopg.connect(url, connect_timeout=5).close()
        except Exception as exc:  # any failure to connect means "no server here"
            reason = f"PostgreSQL not reachable: {exc}"
    if reason:
        if required:
            pytest.fail(f"CSTOOL_REQUIRE_PG=1 but {reason}")
        pytest.skip(reason)
    return url


def with_search_path(url: str, schema: str) -> str:
    option = quote(f"-csearch_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={option}"


@pytest.fixture
def pg_schema_url():
    """A URL whose tables live in a new, empty schema, dropped after the test."""
    import psycopg

    url = pg_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield with_search_path(url, schema)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=BACKENDS)
def log_db(request, tmp_path, monkeypatch):
    """The logbook target for this test (also set as CSTOOL_DB)."""
    if request.param == "sqlite":
        target = str(tmp_path / "logbook.sqlite3")
    else:
        target = request.getfixturevalue("pg_schema_url")
    monkeypatch.setenv("CSTOOL_DB", target)
    return target


@pytest.fixture
def run_with_plugins(capsys, monkeypatch):
    """Run the CLI in-process with extra plugin objects registered (e.g. a test search plugin)."""
    return lambda plugins, *args: _run_with_plugins(plugins, *args, capsys=capsys, monkeypatch=monkeypatch)


def _run_with_plugins(plugins, *args: str, capsys, monkeypatch) -> tuple[int, str, str]:
    from cstool.cli import build_app
    from cstool.config import load_user_config
    from cstool.errors import CstoolError
    from cstool.plugins import make_plugin_manager

    load_user_config.cache_clear()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # restored after the test
    capsys.readouterr()
    app = build_app(make_plugin_manager(plugins=plugins))
    try:
        app(args=list(args), prog_name="cstool", standalone_mode=False)
        code = 0
    except CstoolError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        code = exc.exit_code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def count_entries():
    """How many entries a logbook holds (read straight from the store)."""
    return _count_entries


def _count_entries(target: str) -> int:
    from cstool_logbook.store import open_store

    with open_store(target) as store:
        return store.count()
