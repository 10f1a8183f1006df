"""Exits and Ctrl-C: bare commands show help (exit 0); Ctrl-C anywhere says nothing was written, exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CANCELLED = "已取消，未写入任何内容。"


@pytest.mark.parametrize("args", [[], ["kb"], ["promo"], ["log"], ["config"]])
def test_bare_command_and_groups_print_help_and_exit_0(cli, args):
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert "用法：" in result.stdout
    assert "错误" not in result.stderr


def test_bare_cstool_as_a_process(cli_process, tmp_path):
    result = cli_process(cwd=tmp_path)
    assert result.exit_code == 0 and "用法：" in result.stdout


def test_invalid_utf8_argument_is_refused(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "cstool", "search", b"\xff\xfe\xe5\x8c".decode("utf-8", "surrogateescape")],
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, err
    assert "UTF-8" in err and "Traceback" not in err and "内部错误" not in err


def test_ctrl_c_while_importing_is_quiet():
    """A KeyboardInterrupt raised inside the first import (as Ctrl-C in the first ~100 ms does)."""
    code = (
        "import sys\n"
        "class Boom:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'typer':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Boom())\n"
        "from cstool.entry import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130
    assert CANCELLED in proc.stderr and "Traceback" not in proc.stderr


def test_console_script_entry_is_the_tiny_module():
    import tomllib

    data = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    )
    assert data["project"]["scripts"]["cstool"] == "cstool.entry:main"
    source = (Path(__file__).resolve().parent.parent / "cstool" / "entry.py").read_text(encoding="utf-8")
    assert "from .cli import run" in source.split("try:", 1)[1]  # the CLI is imported inside the guard


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4])
def test_sigint_during_start_up_never_shows_a_traceback(tmp_path, delay):
    """SIGINT at moments from our first import to the command's end (the interpreter's own start-up,
    before any cstool code runs, is waited out: the child says when it is ready)."""
    # cstool.entry itself imports only sys (what the console script runs before main()); everything
    # after it — cstool.cli, typer, the plugins, the command — is inside main()'s guard.
    code = (
        "import sys; from cstool.entry import main; sys.stderr.write('ready\\n'); sys.stderr.flush(); main()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "promo", "quote", "double11", "A:1", "--at", "2026-11-11 10:00"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stderr is not None
    assert proc.stderr.readline() == b"ready\n"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    # cancelled; or it had already finished (the signal may land while the interpreter shuts down)
    assert proc.returncode in (130, 0, -signal.SIGINT), (proc.returncode, text)
    if proc.returncode == 130:
        assert CANCELLED in text
    else:
        assert "实付" in out.decode("utf-8")


def _spawn(args, home, cwd):
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "CSTOOL_HOME": str(home), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "cstool", *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(30, 120),
        cwd=cwd,
    )


def _finish(child):
    import pexpect

    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0)


def test_ctrl_c_in_kb_add_prompt(cli, tmp_path, isolated_home):
    team = tmp_path / "team"
    assert cli("kb", "init", team).exit_code == 0
    before = {p: p.read_bytes() for p in team.rglob("*") if p.is_file()}
    child = _spawn(["--kb", str(team), "kb", "add"], isolated_home, tmp_path)
    child.expect("条目 id")
    child.send("greet.hi\r")
    child.expect("写进哪个主题文件")
    # questionary's English hint is replaced by ours
    child.expect("选择")
    assert "Use arrow keys" not in child.before
    child.sendintr()
    child.expect("已取消")
    assert _finish(child) == 130
    assert {p: p.read_bytes() for p in team.rglob("*") if p.is_file()} == before


def test_ctrl_c_in_interactive_search(cli, tmp_path, isolated_home):
    team = tmp_path / "team"
    assert cli("kb", "init", team).exit_code == 0
    child = _spawn(["--kb", str(team), "search", "-i"], isolated_home, tmp_path)
    child.expect("搜索>")
    child.sendintr()
    child.expect("已取消")
    assert _finish(child) == 130
