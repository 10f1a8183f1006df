"""``kb init`` on a team's first day: everything a team needs, checked before anything is written."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from cstool import yamlio


def tree(root: Path) -> dict[str, bytes | None]:
    if not os.path.lexists(root):
        return {}
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
        for p in sorted(root.rglob("*"))
    }


def test_new_kb_has_logbook_catalog_and_a_campaign_that_check_clean(cli, tmp_path):
    target = tmp_path / "team"
    result = cli("kb", "init", target)
    assert result.exit_code == 0, result.output
    for name in ("logbook.yaml", "catalog.csv", "promos/example.yaml"):
        assert f"已创建 {name}" in result.stderr
    logbook = yamlio.load(target / "logbook.yaml")
    assert "价格" in logbook["inquiry_reasons"] and "忘记付款" in logbook["unpaid_reasons"]
    comments = [
        line
        for line in (target / "logbook.yaml").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    assert comments and all(any("\u4e00" <= ch <= "\u9fff" for ch in c) for c in comments)
    campaign_text = (target / "promos" / "example.yaml").read_text(encoding="utf-8")
    assert campaign_text.startswith("# 示例活动")
    lint = cli("--kb", target, "kb", "lint", "--json")
    assert lint.exit_code == 0 and json.loads(lint.stdout) == []
    check = cli("--kb", target, "promo", "check", "example", "--json")
    assert check.exit_code == 0, check.output
    quote = cli("--kb", target, "promo", "quote", "example", "A:2", "--at", "2026-01-01 10:00", "--json")
    assert quote.exit_code == 0, quote.output
    # the logbook reads the new KB's reason lists
    inquiry = cli(
        "--kb",
        target,
        "log",
        "--db",
        tmp_path / "log.sqlite3",
        "inquiry",
        "--buyer",
        "tb_1",
        "--question",
        "能便宜点吗",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
        "--agent",
        "小暖",
    )
    assert inquiry.exit_code == 0, inquiry.output


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_files_follow_the_umask(cli, tmp_path, umask):
    old = os.umask(umask)
    try:
        assert cli("kb", "init", tmp_path / "team").exit_code == 0
    finally:
        os.umask(old)
    root = tmp_path / "team"
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        expected = (0o777 if path.is_dir() else 0o666) & ~umask
        assert mode == expected, (path, oct(mode))


@pytest.mark.parametrize("name", ["phrases", "kb.yaml", "catalog.csv", "promos"])
def test_a_dangling_symlink_in_the_way_writes_nothing(cli, tmp_path, name):
    target = tmp_path / "team"
    target.mkdir()
    (target / name).symlink_to(tmp_path / "nowhere")
    before = tree(target)
    result = cli("kb", "init", target)
    assert result.exit_code == 2, result.output
    assert "内部错误" not in result.stderr and "Traceback" not in result.output
    assert tree(target) == before


def test_a_dangling_symlink_as_the_target(cli, tmp_path):
    target = tmp_path / "team"
    target.symlink_to(tmp_path / "nowhere")
    result = cli("kb", "init", target)
    assert result.exit_code == 2 and "符号链接" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_an_impossible_place_is_bad_input(cli):
    result = cli("kb", "init", "/proc/xx")
    assert result.exit_code == 2, result.output
    assert "内部错误" not in result.stderr and not Path("/proc/xx").exists()


def test_an_existing_kb_is_never_touched(cli, tmp_path):
    target = tmp_path / "team"
    assert cli("kb", "init", target).exit_code == 0
    (target / "phrases" / "greet.yaml").write_text("topic: 改过\nentries: []\n", encoding="utf-8")
    before = tree(target)
    result = cli("kb", "init", target)
    assert result.exit_code == 2 and "不会覆盖" in result.stderr
    assert tree(target) == before


def test_no_staging_folder_is_left_behind(cli, tmp_path):
    assert cli("kb", "init", tmp_path / "team").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team"]


def test_a_read_only_parent_writes_nothing(cli, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        result = cli("kb", "init", parent / "team")
        assert result.exit_code == 2 and list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)
