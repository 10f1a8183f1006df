"""Chinese all the way: every help screen and usage error of every command (the tree is walked,
so a new command is covered automatically), completion, and questionary's hints."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import typer

from cstool.cli import build_app
from cstool.plugins import make_plugin_manager

HELP_FORBIDDEN = [
    "Usage:",
    "Options",
    "Show this message and exit",
    "[default:",
    "[required]",
    "Arguments",
    "Commands",
]
# What click and typer say in English when a value or a command line is wrong.
ERROR_ENGLISH = re.compile(
    r"Usage|Error|Missing|Invalid|is not|No such|unexpected|requires|Try |Aborted|not a valid|range|"
    r"Did you mean|does not|argument|option '|Option '|for help"
)


def walk(command, path=()):
    """(path, click command) for the root, every group and every command."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


TREE = list(walk(typer.main.get_command(build_app(make_plugin_manager()))))
COMMANDS = [(path, cmd) for path, cmd in TREE if path]
IDS = [" ".join(path) or "cstool" for path, _ in TREE]


def test_the_tree_has_every_known_command():
    names = {" ".join(path) for path, _ in TREE}
    assert {
        "search",
        "kb which",
        "kb use",
        "kb add",
        "kb init",
        "config set",
        "completion",
        "promo quote",
        "log",
    } <= names


@pytest.mark.parametrize(("path", "command"), TREE, ids=IDS)
def test_help_is_chinese(cli, path, command):
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "用法：" in result.stdout
    for word in HELP_FORBIDDEN:
        assert word not in result.stdout, (word, result.stdout)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS[1:])
def test_unknown_option_is_chinese(cli, path, command):
    result = cli(*path, "--no-such-flag")
    assert result.exit_code == 2
    assert "没有这个选项：--no-such-flag" in result.stderr
    assert not ERROR_ENGLISH.search(result.stderr.replace("--no-such-flag", "")), result.stderr


def _int_options(command):
    from typer._click import types

    return [
        p
        for p in command.params
        if p.param_type_name == "option" and isinstance(p.type, types.IntParamType) and not p.is_flag
    ]


INT_CASES = [(path, opt.opts[0]) for path, cmd in COMMANDS for opt in _int_options(cmd)]


@pytest.mark.parametrize(("path", "flag"), INT_CASES, ids=[f"{' '.join(p)} {f}" for p, f in INT_CASES])
def test_bad_int_is_chinese(cli, path, flag):
    result = cli(*path, flag, "abc")
    assert result.exit_code == 2, result.output
    assert "'abc' 不是整数" in result.stderr
    assert not ERROR_ENGLISH.search(result.stderr), result.stderr


def test_int_range_is_chinese(cli):
    result = cli("search", "包邮", "--limit", "0")
    assert result.exit_code == 2
    assert "超出范围" in result.stderr and not ERROR_ENGLISH.search(result.stderr), result.stderr


def _required_arguments(command):
    return [p for p in command.params if p.param_type_name == "argument" and p.required]


MISSING_CASES = [(path, cmd) for path, cmd in COMMANDS if _required_arguments(cmd)]


@pytest.mark.parametrize(("path", "command"), MISSING_CASES, ids=[" ".join(p) for p, _ in MISSING_CASES])
def test_missing_argument_is_chinese_and_named_in_chinese(cli, path, command):
    result = cli(*path)
    assert result.exit_code == 2, result.output
    assert "缺少参数：" in result.stderr
    named = result.stderr.split("缺少参数：", 1)[1]
    argument = _required_arguments(command)[0]
    assert not named.startswith(argument.name), result.stderr  # a person's word, not an identifier
    assert not ERROR_ENGLISH.search(result.stderr), result.stderr


def test_option_missing_its_value_and_extra_argument_and_typo(cli):
    for args, words in (
        (["search", "--limit"], "后面要跟一个值"),
        (["plugins", "extra"], "多余的参数"),
        (["serch"], "没有这个命令：serch，是不是 search"),
    ):
        result = cli(*args)
        assert result.exit_code == 2 and words in result.stderr, result.stderr
        assert not ERROR_ENGLISH.search(result.stderr), result.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completion_scripts(cli, shell):
    result = cli("completion", shell)
    assert result.exit_code == 0, result.output
    assert "_CSTOOL_COMPLETE" in result.stdout


def test_completion_answers_with_command_names(tmp_path):
    env = {**os.environ, "_CSTOOL_COMPLETE": "complete_bash", "COMP_WORDS": "cstool se", "COMP_CWORD": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "cstool"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert "search" in proc.stdout.split()


def test_unknown_shell_is_refused_in_chinese(cli):
    result = cli("completion", "tcsh")
    assert result.exit_code == 2 and "不支持的终端类型" in result.stderr


def test_kb_stats_times_are_local_minutes(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    team = tmp_path / "team"
    assert cli("kb", "init", team).exit_code == 0
    env = {"CSTOOL_NOW": "2026-11-30T01:59:04+00:00"}
    assert cli("search", "在吗", "--kb", team, "--pick", "1", env=env).exit_code == 0
    result = cli("kb", "stats", "--kb", team, env=env)
    assert result.exit_code == 0, result.output
    assert "2026-11-30 09:59" in result.stdout
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", result.stdout), result.stdout
