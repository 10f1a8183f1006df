"""Search survives a slip: one broken KB file among good ones, search still answers from the rest."""

from __future__ import annotations

import json

import pytest
from search_helpers import make_search_kb

GOOD_TOPIC = """\
topic: 售后
entries:
  - id: aftersale.return
    title: 退货
    questions: [能退货吗, 七天无理由]
    replies: [亲，支持七天无理由退货哦~]
"""

# name -> (text of phrases/zz_broken.yaml, line the warning names, words of the message)
SLIPS = {
    "tab": ("topic: x\nentries:\n  - id: ship.slip\n\ttitle: 发货\n", 4, "Tab"),
    "bad-indent": (
        "topic: x\nentries:\n  - id: ship.slip\n    title: 发货\n   replies: [亲]\n",
        5,
        "YAML 格式错误",
    ),
    "replies-number": (
        "topic: x\nentries:\n  - id: ship.slip\n    title: 加急发货\n    replies: 5\n",
        5,
        "replies",
    ),
    "duplicate-key": (
        "topic: x\nentries:\n  - id: ship.slip\n    title: 加急\n    title: 加急发货\n    replies: [亲]\n",
        5,
        "键重复",
    ),
}


@pytest.fixture
def kb(tmp_path):
    root = make_search_kb(tmp_path / "team-kb")
    (root / "phrases" / "aftersale.yaml").write_text(GOOD_TOPIC, encoding="utf-8")
    return root


def break_kb(kb, name):
    text, _, _ = SLIPS[name]
    (kb / "phrases" / "zz_broken.yaml").write_text(text, encoding="utf-8")


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("警告：")]


@pytest.mark.parametrize("name", SLIPS)
def test_search_answers_from_the_good_files_with_one_warning(cli, kb, name):
    _, line, words = SLIPS[name]
    break_kb(kb, name)
    result = cli("--kb", kb, "search", "什么时候发货")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("[1] 什么时候发货（ship.when")
    [warning] = warnings_in(result.stderr)
    assert f"phrases/zz_broken.yaml:{line}" in warning and words in warning
    assert "cstool kb lint" in warning
    assert "Traceback" not in result.output
    # JSON stays clean on stdout; the warning is on stderr
    as_json = cli("--kb", kb, "search", "退货", "--json")
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)[0]["id"] == "aftersale.return"
    assert len(warnings_in(as_json.stderr)) == 1
    # lint stays strict
    lint = cli("--kb", kb, "kb", "lint")
    assert lint.exit_code == 1 and f"phrases/zz_broken.yaml:{line}" in lint.stdout


def test_broken_entries_are_absent_and_the_fresh_index_is_reused(cli, kb):
    break_kb(kb, "replies-number")
    first = cli("--kb", kb, "search", "加急发货", "--json")
    assert "正在重建搜索索引" in first.stderr
    ids = [r["id"] for r in json.loads(first.stdout)]
    assert "ship.slip" not in ids
    again = cli("--kb", kb, "search", "加急发货", "--json")
    assert "正在重建搜索索引" not in again.stderr  # the index built without the broken entry is fresh
    assert len(warnings_in(again.stderr)) == 1 and "phrases/zz_broken.yaml:5" in again.stderr
    # fixed: the warning goes, the entry comes
    (kb / "phrases" / "zz_broken.yaml").write_text(
        "entries:\n  - id: ship.slip\n    title: 加急发货\n    replies: [亲，马上加急~]\n", encoding="utf-8"
    )
    fixed = cli("--kb", kb, "search", "加急发货", "--json")
    assert warnings_in(fixed.stderr) == []
    assert json.loads(fixed.stdout)[0]["id"] == "ship.slip"


def test_several_problems_are_still_one_warning(cli, kb):
    break_kb(kb, "tab")
    (kb / "phrases" / "zz_more.yaml").write_text("entries:\n  - id: Bad Id\n    title: x\n", encoding="utf-8")
    result = cli("--kb", kb, "search", "发货")
    assert result.exit_code == 0
    [warning] = warnings_in(result.stderr)
    assert "另有 1 处" in warning


def test_nothing_left_to_answer_from_is_bad_input(cli, tmp_path):
    root = make_search_kb(tmp_path / "kb", phrases=SLIPS["tab"][0])
    result = cli("--kb", root, "search", "发货")
    assert result.exit_code == 2 and result.stdout == ""
    assert "phrases/main.yaml:4" in result.stderr and "Traceback" not in result.output


@pytest.mark.slow
def test_interactive_mode_also_answers_with_the_warning(kb, isolated_home):
    pexpect = pytest.importorskip("pexpect")
    import os
    import sys

    break_kb(kb, "tab")
    env = {**os.environ, "CSTOOL_HOME": str(isolated_home), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cstool", "--kb", str(kb), "search", "-i"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(30, 100),
    )
    try:
        child.expect("phrases/zz_broken.yaml:4")
        child.expect("搜索>")
        child.sendline("退货")
        child.expect(r"\[1\] 退货")
        child.expect("搜索>")
        child.sendline("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
