"""Short texts are cut by a scan in Python, long ones by compiled patterns: the same cuts.

A cold ``cstool search`` analyses only a short query, so it never compiles the
CJK character classes (~3 ms); the index build analyses long replies with the
patterns. Both must cut every text exactly alike, or a query would miss terms
the index holds. The patterns here are written out independently of the module.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from cstool_quickphrase import analysis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
CLAUSE_SPLIT = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z0-9.]+")

# every block edge on both sides, ASCII edges, full-width forms, punctuation, emoji, other scripts
EDGES = (
    "\u33ff\u3400\u4dbf\u4dc0\u4dff\u4e00\u9fff\ua000\uf8ff\uf900\ufaff\ufb00"
    "azAZ09`{/:@[._-,， 。？！\n\t～Ａｚ０９é ω ж あア한😀\u200b\u3000"
)
TEXT = st.text(alphabet=st.sampled_from(EDGES) | st.sampled_from("便宜点吗亲包邮发货能不能"), max_size=150)


@pytest.fixture(params=["scan", "patterns"])
def way(request, monkeypatch):
    """Every test runs once with the scan forced, once with the patterns forced."""
    analysis._patterns()  # compiled before: a long text must not switch the scan way off mid-test
    monkeypatch.setattr(analysis, "_scans_left", 10**9 if request.param == "scan" else 0)
    return request.param


def expected_clauses(text: str) -> list[str]:
    return [
        part
        for part in CLAUSE_SPLIT.split(text)
        if any(c not in analysis.STOP_CHARS for run in RUNS.findall(part) for c in run)
    ]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_runs_are_the_pattern_runs_at_every_length(way, text):
    assert analysis.runs(text) == RUNS.findall(analysis.normalize(text))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_clauses_are_the_pattern_clauses_at_every_length(way, text):
    normalized = analysis.normalize(text)
    assert analysis.clauses(normalized) == expected_clauses(normalized)


def test_short_and_long_texts_cut_alike(way):
    short = "亲，能便宜点吗？baoyou 2件"
    long = "。".join([short] * 6)
    assert len(analysis.normalize(short)) <= analysis.SCAN_LIMIT < len(analysis.normalize(long))
    assert analysis.runs(short) == ["亲", "能便宜点吗", "baoyou", "2", "件"]
    assert analysis.runs(long) == analysis.runs(short) * 6
    assert analysis.clauses(analysis.normalize(short)) == ["能便宜点吗", "baoyou", "2件"]


def test_a_cold_search_never_compiles_the_patterns(tmp_path):
    """The point of the scan: one search in a new process compiles no CJK class."""
    code = (
        "import sys\n"
        "from cstool.cli import run\n"
        "code = run(['search', '能便宜点吗，包邮吗？发什么快递'])\n"
        "from cstool_quickphrase import analysis\n"
        "sys.stderr.write(f'compiled={analysis._patterns.cache_info().currsize}')\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "CSTOOL_HOME": str(tmp_path), "CSTOOL_AGENT": "小暖"}
    for _ in range(2):  # the first run builds the index (and compiles): the second is a user's cold search
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    assert "compiled=0" in done.stderr
    assert "便宜" in done.stdout


def test_a_long_text_compiles_the_patterns_and_ends_the_scanning(monkeypatch):
    analysis._patterns.cache_clear()
    monkeypatch.setattr(analysis, "_scans_left", analysis.SCANS_BEFORE_COMPILING)
    analysis.runs("能便宜点吗")
    assert analysis._scans_left == analysis.SCANS_BEFORE_COMPILING - 1
    analysis.runs("包邮吗" * 30)  # longer than SCAN_LIMIT
    assert analysis._scans_left == 0
    assert analysis.runs("能便宜点吗") == ["能便宜点吗"]
