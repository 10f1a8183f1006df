"""The CLI shell: start-up stays light, errors are one Chinese line, the KB is found where a team expects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cstool import hookimpl
from cstool.cli import build_app, invoked_name, keep_only_invoked, run
from cstool.errors import BadInput
from cstool.kb import bundled_kb_path, find_kb_root
from cstool.plugins import make_plugin_manager

HEAVY = ["whoosh", "ruamel", "questionary", "openpyxl", "pypinyin", "psycopg", "rich"]


@pytest.mark.parametrize("argv", [["--help"], ["search", "--help"], ["promo", "--help"], ["log", "--help"]])
def test_help_imports_no_heavy_module(argv):
    code = (
        "import sys\nfrom cstool.cli import run\n"
        f"rc = run({argv!r})\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & set(" + repr(HEAVY) + "))\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY=" in proc.stderr, proc.stderr
    heavy = proc.stderr.split("HEAVY=")[1].strip()
    # rich draws Typer's help screens; the domain libraries must stay out.
    assert set(filter(None, heavy.split(","))) <= {"rich"}, heavy


def test_unknown_option_is_one_chinese_line(cli):
    result = cli("plugins", "--no-such-flag")
    assert result.exit_code == 2
    assert "没有这个选项：--no-such-flag" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_command_is_reported_in_chinese(cli):
    result = cli("serch", "包邮")
    assert result.exit_code == 2
    assert "没有这个命令" in result.stderr


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("cstool ")


class FailingPlugin:
    @hookimpl
    def cstool_register_commands(self, app):
        @app.command("explode")
        def explode(kind: str = "bad") -> None:
            if kind == "bad":
                raise BadInput("金额最多两位小数", path="cart.yaml", line=7)
            raise ZeroDivisionError("division by zero")


def test_known_error_becomes_file_line_message(monkeypatch, capsys):
    monkeypatch.setattr(
        "cstool.cli.make_plugin_manager",
        lambda **_: make_plugin_manager(plugins=[FailingPlugin()], load_entrypoints=False),
    )
    assert run(["explode"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "错误：cart.yaml:7: 金额最多两位小数"  # after the demo-KB notice


def test_unexpected_error_is_one_line_without_traceback(monkeypatch, capsys):
    monkeypatch.setattr(
        "cstool.cli.make_plugin_manager",
        lambda **_: make_plugin_manager(plugins=[FailingPlugin()], load_entrypoints=False),
    )
    assert run(["explode", "--kind", "other"]) == 1
    err = capsys.readouterr().err
    assert "内部错误" in err and "CSTOOL_DEBUG" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["search", "能便宜点吗"], "search"),
        (["--kb", "search", "log", "list"], "log"),  # a KB folder may be called anything
        (["--kb=team", "promo", "quote"], "promo"),
        (["--help"], None),
        (["--version", "search"], None),
        ([], None),
    ],
)
def test_invoked_command_is_found_after_the_root_options(args, name):
    assert invoked_name(args) == name


def names(app):
    return sorted([c.name for c in app.registered_commands] + [g.name for g in app.registered_groups])


def test_only_the_invoked_command_is_built_and_everything_else_sees_all():
    pm = make_plugin_manager()
    everything = names(build_app(pm))
    assert {"search", "kb", "promo", "log", "plugins"} <= set(everything)
    assert names(keep_only_invoked(build_app(pm), ["--kb", "x", "promo", "quote"])) == ["promo"]
    assert names(keep_only_invoked(build_app(pm), ["search", "x"])) == ["search"]
    for args in (["serch", "x"], ["--help"], []):
        assert names(keep_only_invoked(build_app(pm), args)) == everything


def test_root_help_still_lists_every_command(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for name in ("search", "kb", "promo", "log", "plugins"):
        assert name in result.stdout


def test_build_app_is_fresh_each_time():
    """A command added to one app (as a test might) never leaks into the next one."""
    pm = make_plugin_manager(load_entrypoints=False)
    first = build_app(pm)
    before = [c.name or c.callback.__name__ for c in first.registered_commands]  # type: ignore[union-attr]
    first.command("only-here")(lambda: None)
    second = build_app(pm)
    assert [c.name or c.callback.__name__ for c in second.registered_commands] == before  # type: ignore[union-attr]
    assert "only-here" not in before


def test_plugins_listing_for_a_person(cli):
    result = cli("plugins")
    assert result.exit_code == 0
    assert "quickphrase" in result.stdout and "钩子" in result.stdout


def test_empty_plugin_listing_is_an_empty_json_array(cli):
    result = cli("plugins", "--json", env={"CSTOOL_LOAD_PLUGINS": ""})
    assert json.loads(result.stdout) == []


# --- which KB ---------------------------------------------------------------


def _team_kb(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kb.yaml").write_text("name: 测试团队\n", encoding="utf-8")
    return folder


def test_explicit_kb_wins(tmp_path, monkeypatch):
    team = _team_kb(tmp_path / "team")
    other = _team_kb(tmp_path / "other")
    monkeypatch.setenv("CSTOOL_KB", str(other))
    assert find_kb_root(team) == team.resolve()
    assert find_kb_root(None) == other.resolve()


def test_nearest_team_kb_above_the_working_directory(tmp_path):
    repo = tmp_path / "shop-repo"
    _team_kb(repo / "kb")
    deep = repo / "docs" / "notes"
    deep.mkdir(parents=True)
    assert find_kb_root(None, cwd=deep) == (repo / "kb").resolve()


def test_bundled_kb_is_the_fallback(tmp_path):
    assert find_kb_root(None, cwd=tmp_path) == bundled_kb_path()
    assert (bundled_kb_path() / "kb.yaml").exists()


def test_missing_kb_folder_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="知识库文件夹不存在"):
        find_kb_root(tmp_path / "nope")
