"""Shared fixtures: every test gets its own CSTOOL_HOME, and two ways to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUNDLED_KB = REPO / "kb"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's config, data or cache."""
    home = tmp_path_factory.mktemp("cstool-home")
    monkeypatch.setenv("CSTOOL_HOME", str(home))
    # prompt_toolkit otherwise waits ~1 s per prompt for a cursor-position reply a pty never sends
    monkeypatch.setenv("PROMPT_TOOLKIT_NO_CPR", "1")
    for var in (
        "CSTOOL_KB",
        "CSTOOL_DB",
        "CSTOOL_NOW",
        "CSTOOL_CONFIG",
        "CSTOOL_LOAD_PLUGINS",
        "CSTOOL_DISABLE_PLUGINS",
        "CSTOOL_DEBUG",
        "CSTOOL_AGENT",
        "CSTOOL_SEARCH_BACKEND",
    ):
        monkeypatch.delenv(var, raising=False)
    from cstool.config import load_user_config

    load_user_config.cache_clear()
    yield home
    load_user_config.cache_clear()


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``cstool ARGS`` in-process through the real entry point (``cstool.cli.run``)."""

    def invoke(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
        import io

        from cstool.cli import run
        from cstool.config import load_user_config

        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        load_user_config.cache_clear()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        capsys.readouterr()
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke


@pytest.fixture
def cli_process():
    """Run ``cstool ARGS`` as a new process (what an agent's shell does)."""

    def invoke(
        *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path | None = None
    ) -> Result:
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "cstool", *map(str, args)],
            input=stdin or "",
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd,
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return invoke


def pytest_terminal_summary(terminalreporter):
    from reporting import SECTIONS

    for section, lines in SECTIONS.items():
        terminalreporter.write_sep("-", section)
        for line in lines:
            terminalreporter.write_line(line)
