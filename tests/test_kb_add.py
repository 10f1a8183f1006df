"""``cstool kb add``: golden round trips, validation before writing, prompts in a real terminal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from cstool_quickphrase.model import load_phrasebook
from kb_tools_helpers import CLEAN_TOPIC, make_kb, snapshot

from cstool.kb import KnowledgeBase

GOLDEN = Path(__file__).resolve().parent / "golden" / "kb_add"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
FULL = ["--id", "ship.eta", "--title", "几天到", "--question", "几天到", "--reply", "一般 2-3 天到哦"]


@pytest.mark.parametrize("case", CASES)
def test_golden_before_edit_after(cli, tmp_path, case):
    """The topic file after ``kb add`` is exactly the reviewed golden file, byte for byte."""
    folder = GOLDEN / case
    before = folder / "before.yaml"
    files = {"phrases/topic.yaml": before.read_bytes()} if before.exists() else {}
    root = make_kb(tmp_path / "kb", files)
    (root / "phrases").mkdir(exist_ok=True)
    args = json.loads((folder / "edit.json").read_text(encoding="utf-8"))
    result = cli("--kb", str(root), "kb", "add", *args)
    assert result.exit_code == 0, result.output
    assert (root / "phrases/topic.yaml").read_bytes() == (folder / "after.yaml").read_bytes()
    assert f"topic.yaml:{_last_entry_line(folder / 'after.yaml')}" in result.stderr
    assert cli("--kb", str(root), "kb", "lint").exit_code == 0
    assert [p.name for p in (root / "phrases").iterdir()] == ["topic.yaml"]  # no temp file left


def _last_entry_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return max(i for i, line in enumerate(lines, 1) if line.lstrip().startswith("- id:"))


def test_comments_survive_and_only_new_lines_are_added(cli, tmp_path):
    before = (GOLDEN / "commented" / "before.yaml").read_text(encoding="utf-8")
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": before})
    result = cli("--kb", str(root), "kb", "add", "--file", "ship.yaml", *FULL)
    assert result.exit_code == 0, result.output
    after = (root / "phrases/ship.yaml").read_text(encoding="utf-8")
    remaining = iter(after.splitlines())
    assert all(line in remaining for line in before.splitlines())
    assert "# 别改 id，搜索记录靠它" in after and "# 待补充：ship.urgent（加急）" in after
    entry = load_phrasebook(KnowledgeBase(root)).by_id()["ship.eta"]
    assert entry.title == "几天到" and entry.stage == "ship" and entry.questions == ("几天到",)
    assert "注意" not in result.stderr  # nothing was reformatted


def test_reformatting_is_reported(cli, tmp_path):
    before = (GOLDEN / "other_indent" / "before.yaml").read_text(encoding="utf-8")
    root = make_kb(tmp_path / "kb", {"phrases/product.yaml": before})
    result = cli("--kb", str(root), "kb", "add", "--file", "product", *FULL, "--stage", "ship")
    assert result.exit_code == 0, result.output
    assert "排版" in result.stderr and "注释和顺序都保留了" in result.stderr
    assert "# 尺码" in (root / "phrases/product.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--file", "ship.yaml", "--id", "ship.when", "--title", "x", "--reply", "y"],
            "id 已存在：ship.when",
        ),
        (["--file", "ship.yaml", "--id", "Ship Eta", "--title", "x", "--reply", "y"], "id 格式不对"),
        (["--file", "ship.yaml", "--id", "ship.eta", "--title", "x"], "缺少 --reply"),
        (["--id", "ship.eta"], "缺少 --title、--reply"),
        (["--file", "ship.yaml", *FULL, "--stage", "moon"], "未知阶段 moon"),
        (["--file", "refund.yaml", "--id", "refund.fast", "--title", "x", "--reply", "y"], "未知阶段 refund"),
        (["--file", "../kb.yaml", *FULL], "phrases/ 文件夹里"),
        (["--file", "ship.yaml", *FULL, "--title", " "], "标题不能为空"),
    ],
)
def test_bad_values_write_nothing(cli, tmp_path, args, message):
    root = make_kb(tmp_path / "kb")
    before = snapshot(root)
    result = cli("--kb", str(root), "kb", "add", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.startswith("错误：") and "Traceback" not in result.output
    assert snapshot(root) == before


def test_duplicate_id_in_another_file_is_refused(cli, tmp_path):
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": CLEAN_TOPIC, "phrases/new.yaml": "entries: []\n"})
    before = snapshot(root)
    result = cli(
        "--kb",
        str(root),
        "kb",
        "add",
        "--file",
        "new",
        "--id",
        "ship.courier",
        "--title",
        "x",
        "--reply",
        "y",
    )
    assert result.exit_code == 2
    assert "id 已存在：ship.courier" in result.stderr and "ship.yaml:15" in result.stderr
    assert snapshot(root) == before


def test_refuses_a_file_that_does_not_parse_and_says_where(cli, tmp_path):
    broken = "entries:\n  - id: ship.when\n    title: [未闭合\n"
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": broken})
    before = snapshot(root)
    result = cli("--kb", str(root), "kb", "add", "--file", "ship", *FULL)
    assert result.exit_code == 2
    assert f"{root / 'phrases/ship.yaml'}:" in result.stderr and "先改好再添加" in result.stderr
    assert snapshot(root) == before


def test_new_topic_file_and_empty_flow_list(cli, tmp_path):
    root = make_kb(
        tmp_path / "kb", {"phrases/ship.yaml": CLEAN_TOPIC, "phrases/empty.yaml": "topic: 空\nentries: []\n"}
    )
    assert cli("--kb", str(root), "kb", "add", "--file", "empty", *FULL).exit_code == 0
    assert (
        (root / "phrases/empty.yaml")
        .read_text(encoding="utf-8")
        .startswith("topic: 空\nentries:\n  - id: ship.eta\n")
    )
    assert load_phrasebook(KnowledgeBase(root)).by_id()["ship.eta"].path == root / "phrases/empty.yaml"


def test_wording_findings_are_hints_not_blockers(cli, tmp_path):
    root = make_kb(tmp_path / "kb")
    args = ["--file", "ship", "--id", "ship.eta", "--title", "几天到", "--question", "几天到"]
    result = cli("--kb", str(root), "kb", "add", *args, "--reply", "不能指定。{nick}")
    assert result.exit_code == 0
    assert "bare-negative" in result.stderr and "unknown-placeholder" in result.stderr
    assert cli("--kb", str(root), "kb", "lint").exit_code == 1


def test_prompts_in_a_real_terminal(tmp_path, isolated_home):
    """The prompted path, driven through a pty: the id first (a duplicate is fixed), then the file,
    suggested from the id's prefix (ship.eta -> ship.yaml, though aftersale.yaml is listed first)."""
    pexpect = pytest.importorskip("pexpect")
    aftersale = "topic: 售后\nentries:\n  - id: aftersale.return\n    title: 退货\n    replies: [亲，七天无理由退货~]\n"
    root = make_kb(tmp_path / "kb", {"phrases/aftersale.yaml": aftersale, "phrases/ship.yaml": CLEAN_TOPIC})
    # PROMPT_TOOLKIT_NO_CPR: a pty never answers the cursor-position query; without it each prompt waits ~1 s.
    env = {**os.environ, "CSTOOL_HOME": str(isolated_home), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cstool", "--kb", str(root), "kb", "add"],
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(30, 120),
    )
    try:
        child.expect("条目 id")
        assert "主题文件" not in child.before  # the id is asked first
        child.send("ship.when\r")
        child.expect("id 已存在")
        child.send("\x15ship.eta\r")  # Ctrl-U clears the line
        child.expect("写进哪个主题文件")
        child.send("\r")  # the suggested default: ship.yaml (from the prefix), not the first in the list
        child.expect("标题")
        child.send("几天到\r")
        child.expect("聊天阶段")
        child.send("\r")  # default: the id's prefix (ship)
        child.expect("买家问法")
        child.send("几天到\r")
        child.expect("买家问法")
        child.send("多久能收到\r")
        child.expect("买家问法")
        child.send("\r")
        child.expect("回复")
        child.send("亲，一般 2-3 天就到啦~\r")
        child.expect("回复")
        child.send("\r")
        child.expect("标签")
        child.send("物流，时效\r")
        child.expect("快捷码")
        child.send("jt\r")
        child.expect("已添加 ship.eta")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    entry = load_phrasebook(KnowledgeBase(root)).by_id()["ship.eta"]
    assert entry.title == "几天到" and entry.stage == "ship" and entry.shortcut == "jt"
    assert entry.questions == ("几天到", "多久能收到") and entry.tags == ("物流", "时效")
    assert [r.texts for r in entry.replies] == [("亲，一般 2-3 天就到啦~",)]
    assert (root / "phrases/ship.yaml").read_text(encoding="utf-8").startswith(CLEAN_TOPIC)


def test_new_prefix_suggests_a_new_file_named_after_it(tmp_path, isolated_home):
    pexpect = pytest.importorskip("pexpect")
    root = make_kb(tmp_path / "kb")
    env = {**os.environ, "CSTOOL_HOME": str(isolated_home), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    args = ["--title", "发票", "--stage", "pay", "--question", "能开发票吗", "--reply", "亲，可以开电子发票~"]
    args += ["--tag", "发票", "--shortcut", "fp"]
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cstool", "--kb", str(root), "kb", "add", *args],
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(30, 120),
    )
    try:
        child.expect("条目 id")
        child.send("pay.invoice\r")
        child.expect("写进哪个主题文件")
        child.send("\r")  # default: a new file (no pay.yaml yet)
        child.expect("新主题文件名")
        child.send("\r")  # prefilled: pay.yaml
        child.expect("主题名称")
        child.send("\r")
        child.expect("已添加 pay.invoice")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    assert (
        load_phrasebook(KnowledgeBase(root)).by_id()["pay.invoice"].path
        == (root / "phrases/pay.yaml").resolve()
    )


def test_without_file_the_id_prefix_picks_the_topic_file(cli, tmp_path):
    root = make_kb(
        tmp_path / "kb", {"phrases/aftersale.yaml": "entries: []\n", "phrases/ship.yaml": CLEAN_TOPIC}
    )
    result = cli("--kb", str(root), "kb", "add", *FULL)
    assert result.exit_code == 0, result.output
    assert "ship.yaml" in result.stderr
    assert load_phrasebook(KnowledgeBase(root)).by_id()["ship.eta"].path.name == "ship.yaml"
    assert (root / "phrases/aftersale.yaml").read_text(encoding="utf-8") == "entries: []\n"


def test_crlf_and_bom_are_kept(cli, tmp_path):
    before = "\ufeff" + CLEAN_TOPIC.replace("\n", "\r\n")
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": before.encode("utf-8")})
    result = cli("--kb", str(root), "kb", "add", "--file", "ship", *FULL)
    assert result.exit_code == 0, result.output
    after = (root / "phrases/ship.yaml").read_bytes()
    assert after.startswith(before.encode("utf-8"))  # every old byte kept: git shows only added lines
    added = after[len(before.encode("utf-8")) :]
    assert b"ship.eta" in added and added.count(b"\n") == added.count(b"\r\n")
    assert "注意" not in result.stderr


def test_all_required_flags_in_a_terminal_asks_nothing(tmp_path, isolated_home):
    pexpect = pytest.importorskip("pexpect")
    root = make_kb(tmp_path / "kb")
    env = {**os.environ, "CSTOOL_HOME": str(isolated_home), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cstool", "--kb", str(root), "kb", "add", "--file", "ship", *FULL],
        env=env,
        encoding="utf-8",
        timeout=20,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "已添加 ship.eta" in child.before and "标签" not in child.before
