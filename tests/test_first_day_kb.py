"""A team's first day: the right KB, always visible; the bundled demo never written to."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cstool import hookimpl
from cstool.cli import build_app, hoist_global_options
from cstool.context import AppState
from cstool.core_commands import describe_setup
from cstool.kb import bundled_kb_path, resolve_kb
from cstool.plugins import make_plugin_manager

BUNDLED_KB = Path(__file__).resolve().parent.parent / "kb"

DEMO = "示例知识库"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def team_kb(cli, tmp_path):
    root = tmp_path / "team"
    assert cli("kb", "init", root).exit_code == 0
    return root.resolve()


@pytest.fixture
def outside(tmp_path, monkeypatch):
    """A working directory with no KB above it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


# ---------------------------------------------------------------- resolution order


def test_resolution_order_option_env_nearest_config_bundled(cli, team_kb, tmp_path, outside, monkeypatch):
    other = tmp_path / "other"
    assert cli("kb", "init", other).exit_code == 0
    third = tmp_path / "third"
    assert cli("kb", "init", third).exit_code == 0
    other, third = other.resolve(), third.resolve()

    assert resolve_kb(None) == (bundled_kb_path(), "bundled")
    assert cli("kb", "use", team_kb).exit_code == 0
    assert resolve_kb(None) == (team_kb, "config")
    monkeypatch.chdir(third / "phrases")
    assert resolve_kb(None) == (third, "nearest")
    monkeypatch.setenv("CSTOOL_KB", str(other))
    assert resolve_kb(None) == (other, "env")
    assert resolve_kb(str(team_kb)) == (team_kb, "option")


def test_kb_which_json_contract(cli, team_kb, outside):
    result = cli("kb", "which", "--json", "--kb", team_kb)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kb"] == str(team_kb) and Path(data["kb"]).is_absolute()
    assert data["source"] == "option"
    assert data["config"].endswith("config.toml")
    # each plugin says where it keeps its files
    assert data["logbook_db"].endswith("logbook.sqlite3")
    assert "index" in data and data["index"]
    assert data["data_dir"]


@pytest.mark.parametrize("source", ["env", "nearest", "config", "bundled"])
def test_kb_which_says_why(cli, team_kb, outside, monkeypatch, source):
    expected = team_kb
    if source == "env":
        monkeypatch.setenv("CSTOOL_KB", str(team_kb))
    elif source == "nearest":
        monkeypatch.chdir(team_kb / "promos")
    elif source == "config":
        assert cli("kb", "use", team_kb).exit_code == 0
    else:
        expected = bundled_kb_path()
    result = cli("kb", "which", "--json")
    data = json.loads(result.stdout)
    assert (data["kb"], data["source"]) == (str(expected), source)
    human = cli("kb", "which")
    assert f"知识库：{expected}" in human.stdout and "配置文件：" in human.stdout


def test_kb_use_refuses_a_folder_that_is_not_a_kb(cli, tmp_path, outside):
    config = Path(os.environ["CSTOOL_HOME"]) / "config.toml"
    config.write_text('# 我的设置\nagent = "小暖"\n', encoding="utf-8")
    before = config.read_bytes()
    for target in (tmp_path, tmp_path / "missing"):
        result = cli("kb", "use", target)
        assert result.exit_code == 2, result.output
        assert "不是知识库" in result.stderr or "不存在" in result.stderr
    assert config.read_bytes() == before


def test_kb_use_keeps_comments(cli, team_kb, outside):
    config = Path(os.environ["CSTOOL_HOME"]) / "config.toml"
    config.write_text(
        '# 我的设置\nagent = "小暖"  # 昵称\n\n[placeholders]\nshop = "小店"\n', encoding="utf-8"
    )
    assert cli("kb", "use", team_kb).exit_code == 0
    assert config.read_text(encoding="utf-8") == (
        f'# 我的设置\nagent = "小暖"  # 昵称\nkb = "{team_kb}"\n\n[placeholders]\nshop = "小店"\n'
    )


# ---------------------------------------------------------------- demo notice


def test_every_command_on_the_bundled_kb_says_so_once_and_json_stays_clean(cli, outside):
    result = cli("search", "包邮", "--json", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert result.stderr.count(DEMO) == 1
    assert "kb init" in result.stderr and "kb use" in result.stderr
    json.loads(result.stdout)  # stdout is only the JSON
    for args in (
        ["promo", "quote", "double11", "A:1", "--at", "2026-11-11 10:00"],
        ["log", "list"],
        ["plugins"],
    ):
        result = cli(*args)
        assert DEMO in result.stderr, (args, result.output)


def test_a_team_kb_shows_no_notice(cli, team_kb, outside):
    result = cli("search", "在吗", "--kb", team_kb)
    assert result.exit_code == 0, result.output
    assert DEMO not in result.stderr


def test_help_and_bare_groups_show_no_notice(cli, outside):
    for args in (["--help"], ["kb", "--help"], ["kb"], []):
        assert DEMO not in cli(*args).stderr


# ---------------------------------------------------------------- writers refuse


ADD = ["kb", "add", "--file", "ship.yaml", "--id", "ship.new", "--title", "新条目", "--reply", "亲，好的"]


def test_kb_add_refuses_the_bundled_kb(cli, outside):
    before = snapshot(BUNDLED_KB)
    result = cli(*ADD)
    assert result.exit_code == 2
    assert DEMO in result.stderr and "只读" in result.stderr
    result = cli("--kb", bundled_kb_path(), *ADD)
    assert result.exit_code == 2
    assert snapshot(BUNDLED_KB) == before


def test_kb_add_refuses_a_folder_without_kb_yaml(cli, tmp_path, outside):
    target = tmp_path / "etc"
    target.mkdir()
    result = cli("--kb", target, *ADD)
    assert result.exit_code == 2
    assert "不是知识库" in result.stderr and "kb.yaml" in result.stderr
    assert list(target.iterdir()) == []


def test_kb_add_still_writes_into_a_team_kb(cli, team_kb, outside):
    result = cli(*ADD, "--kb", team_kb)
    assert result.exit_code == 0, result.output
    assert "ship.new" in (team_kb / "phrases" / "ship.yaml").read_text(encoding="utf-8")


def test_require_writable_is_the_one_guard():
    state = AppState(pm=make_plugin_manager(load_entrypoints=False), kb_option=str(bundled_kb_path()))
    from cstool.errors import BadInput

    with pytest.raises(BadInput) as info:
        state.kb.require_writable()
    assert info.value.exit_code == 2


# ---------------------------------------------------------------- global options anywhere


def test_kb_option_after_the_subcommand(cli, team_kb, outside):
    result = cli("search", "在吗", "--kb", team_kb, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["id"] == "greet.welcome"
    result = cli("kb", "which", f"--kb={team_kb}", "--json")
    assert json.loads(result.stdout)["source"] == "option"


def test_version_after_the_subcommand(cli):
    result = cli("search", "--version")
    assert result.exit_code == 0 and result.stdout.startswith("cstool ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["search", "x", "--kb", "D"], ["--kb", "D", "search", "x"]),
        (["search", "--kb=D", "x"], ["--kb=D", "search", "x"]),
        (["--kb", "search", "log", "list"], ["--kb", "search", "log", "list"]),
        (["search", "--", "--kb", "D"], ["search", "--", "--kb", "D"]),
        (["log", "list", "--version"], ["--version", "log", "list"]),
    ],
)
def test_hoist_global_options(args, expected):
    assert hoist_global_options(args) == expected


# ---------------------------------------------------------------- the describe hook


def test_hook_cstool_describe_setup(tmp_path):
    class Where:
        @hookimpl
        def cstool_describe_setup(self, state, register):
            register("photos", "商品图", str(state.kb.root / "photos"))

    pm = make_plugin_manager(plugins=[Where()], load_entrypoints=False)
    build_app(pm)
    rows = describe_setup(AppState(pm=pm, kb_option=str(BUNDLED_KB)))
    assert ("photos", "商品图", str(BUNDLED_KB.resolve() / "photos")) in rows
    assert [key for key, _, _ in rows][:2] == ["kb", "source"]
