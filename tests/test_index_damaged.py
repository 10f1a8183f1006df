"""An index whose files were damaged after it was built (a disk error, a crash mid-copy of the cache).

The freshness check only compares the KB's signature, so a damaged index
is found out while searching: the engine raises (tantivy's Rust code even
panics). Search rebuilds the index once and answers, with a note, never a
traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _search(kb: Path, home: Path, backend: str, query: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSTOOL_HOME": str(home), "CSTOOL_SEARCH_BACKEND": backend}
    return subprocess.run(
        [sys.executable, "-m", "cstool", "--kb", str(kb), "search", query, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _scramble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    start, stop = (100, len(data) - 100) if len(data) > 300 else (len(data) // 4, len(data) - 8)
    for i in range(start, stop, 37):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("backend", "suffixes"),
    [
        ("tantivy", (".store",)),  # tantivy's document store (it keeps none of ours)
        ("tantivy", ("entries.marshal",)),  # opens fine; reading an entry fails
        ("tantivy", (".term", ".idx")),
        ("tantivy", ("",)),  # every file
        ("whoosh", (".pst", ".trm")),
        ("whoosh", ("",)),
    ],
)
def test_search_rebuilds_an_index_damaged_after_it_was_built(tmp_path, backend, suffixes):
    if backend == "tantivy":
        pytest.importorskip("tantivy")
    kb = tmp_path / "kb"
    shutil.copytree(REPO / "kb", kb)
    home = tmp_path / "home"
    queries = ["包邮吗", "什么时候发货", "能便宜点吗", "baoyou"]
    before = {}
    for query in queries:
        proc = _search(kb, home, backend, query)
        assert proc.returncode == 0, proc.stderr
        before[query] = [hit["id"] for hit in json.loads(proc.stdout)]
    damaged = [
        p
        for p in (home / "cache" / "index").rglob("*")
        if p.is_file()
        and p.name != "meta.json"
        and not p.name.endswith(("WRITELOCK", ".lock"))
        and p.name.endswith(suffixes)
    ]
    assert damaged, "nothing to damage"
    for path in damaged:
        _scramble(path)
    for query in queries:
        proc = _search(kb, home, backend, query)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr and "内部错误" not in proc.stderr
        assert [hit["id"] for hit in json.loads(proc.stdout)] == before[query]
