"""Refusals decided by the arguments alone come before the logbook is opened (issue 9 items 6 and 8).

After each one the database file does not exist: a mistyped id, kind, date, format or
outcome neither creates nor migrates anything. ``log import`` refuses what is not a
regular file (a FIFO would wait forever) before opening it. A note of 100,000 digits
is masked in one pass in every listing that masks stored text.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HUGE = "99999999999999999999"

REFUSALS = [
    ("show", HUGE),
    ("show", "0"),
    ("update", HUGE, "--note", "x"),
    ("update", "1"),
    ("update", "1", "--outcome", "赢了"),
    ("update", "1", "--reason", "不存在的原因"),
    ("update", "1", "--followup", "2026-13-40"),
    ("update", "1", "--at", "yesterday", "--note", "x"),
    ("update", "1", "--severity", "超级"),
    ("update", "1", "--check", "不存在的步骤"),
    ("list", "--kind", "xx"),
    ("list", "--from", "2026-13-40"),
    ("list", "--limit", HUGE),
    ("campaign-list", "--limit", HUGE),
    ("export", "--format", "pdf"),
    ("export", "--kind", "xx"),
    ("export", "--from", "x"),
    ("report", "--format", "pdf"),
    ("report", "--date", "2026-13-40"),
    ("report", "--day", "--week"),
    ("campaign-list", "--since", "x"),
    ("campaign-list", "--group", "不存在的组"),
    ("buyer", "小王", "--tag", "不存在的组"),
    ("inquiry", "--buyer", "a", "-q", "x", "--outcome", "赢了"),
    ("inquiry", "--buyer", "a", "-q", "x", "--at", "2026-13-40"),
    ("unpaid", "--order", "123456", "--buyer", "b", "--amount", "1E400"),
    ("complaint", "--buyer", "b", "--what", "x", "--severity", "超级"),
    ("import", "nowhere.csv"),
]


@pytest.mark.parametrize("args", REFUSALS, ids=lambda args: " ".join(args)[:40])
def test_a_refusal_from_the_arguments_never_creates_the_database(cli, tmp_path, monkeypatch, args):
    db = tmp_path / "log.db"
    monkeypatch.chdir(tmp_path)
    result = cli("log", "--db", str(db), *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
    assert "已新建日志库" not in result.stderr
    assert not db.exists() and not list(tmp_path.glob("log.db*"))


def _special_files(tmp_path):
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    yield "管道", fifo
    yield "文件夹", folder
    yield "设备文件", "/dev/null"


def test_log_import_refuses_what_is_not_a_regular_file_before_opening_it(tmp_path):
    db = tmp_path / "log.db"
    env = {**os.environ, "CSTOOL_HOME": str(tmp_path / "home")}
    for word, path in _special_files(tmp_path):
        # a hang guard, not a timing: opening a FIFO with no writer would wait forever
        done = subprocess.run(
            [sys.executable, "-m", "cstool", "log", "--db", str(db), "import", str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert str(path) in done.stderr and word in done.stderr and "不是普通文件" in done.stderr
        assert "Traceback" not in done.stderr and "内部错误" not in done.stderr
        assert not db.exists()


def test_a_symlink_to_a_csv_is_still_imported(cli, tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("类型,旺旺名,询盘时间,咨询问题\n询盘,小王,2026-11-11 10:00,包邮吗\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(table)
    result = cli("log", "--db", str(tmp_path / "log.db"), "import", str(tmp_path / "link.csv"))
    assert result.exit_code == 0, result.stderr
    assert "已导入 1 条记录" in result.stderr


def test_a_note_of_100000_digits_is_masked_in_one_pass(tmp_path):
    db = tmp_path / "log.db"
    env = {**os.environ, "CSTOOL_HOME": str(tmp_path / "home"), "CSTOOL_NOW": "2026-11-11T10:00:00+08:00"}
    digits = "9" * 100_000
    phone = "联系13812345678"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        # a hang guard, not a timing: masking was quadratic (minutes for this note)
        done = subprocess.run(
            [sys.executable, "-m", "cstool", "log", "--db", str(db), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=20,
        )
        assert done.returncode == 0, done.stderr[-500:]
        return done

    run("inquiry", "--buyer", "小王", "-q", digits, "--outcome", "跟进中", "--followup", "2026-11-11",
        "--note", phone + "，" + digits)  # fmt: skip
    for args in (("list", "--json"), ("show", "1", "--json"), ("due", "--json"), ("show", "1")):
        out = run(*args).stdout
        assert digits in out  # a run too long to be a phone, ID or card number stays as typed
        assert "13812345678" not in out
        assert "138****5678" in out or args[0] == "due"  # due shows the question, not the note
