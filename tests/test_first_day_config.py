"""config.toml: errors name the file and line with the fix; ``cstool config path|show|set``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


@pytest.fixture
def config_file():
    return Path(os.environ["CSTOOL_HOME"]) / "config.toml"


def test_unquoted_value_names_path_line_and_fix(cli, config_file, tmp_path, monkeypatch):
    config_file.write_text('# 我的设置\ntimezone = "Asia/Shanghai"\nagent = 小暖\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("search", "包邮")
    assert result.exit_code == 2
    assert f"{config_file}:3" in result.stderr
    assert 'agent = "小暖"' in result.stderr
    assert "Invalid value" not in result.stderr and "内部错误" not in result.stderr


def test_other_syntax_errors_still_name_path_and_line(cli, config_file):
    config_file.write_text('agent = "小暖"\n[placeholders\n', encoding="utf-8")
    result = cli("config", "show")
    assert result.exit_code == 2
    assert f"{config_file}:2" in result.stderr and "配置文件格式错误" in result.stderr


def test_wrong_type_is_bad_input(cli, config_file):
    config_file.write_text("agent = 5\n", encoding="utf-8")
    result = cli("config", "show")
    assert result.exit_code == 2 and "agent" in result.stderr and str(config_file) in result.stderr
    assert "int" not in result.stderr


def test_config_path(cli, config_file):
    result = cli("config", "path")
    assert result.exit_code == 0 and result.stdout.strip() == str(config_file)


def test_config_set_keeps_comments_and_other_lines(cli, config_file):
    original = '# 我的设置\nagent = "小暖"   # 昵称\n\n[placeholders]\n# 店名\nshop = "小店"\n'
    config_file.write_text(original, encoding="utf-8")
    assert cli("config", "set", "agent", "阿福").exit_code == 0
    assert cli("config", "set", "timezone", "Asia/Urumqi").exit_code == 0
    assert cli("config", "set", "placeholders.courier", "顺丰").exit_code == 0
    assert cli("config", "set", "placeholders.shop", "大店").exit_code == 0
    assert config_file.read_text(encoding="utf-8") == (
        '# 我的设置\nagent = "阿福"\ntimezone = "Asia/Urumqi"\n\n[placeholders]\n# 店名\nshop = "大店"\ncourier = "顺丰"\n'
    )
    shown = json.loads(cli("config", "show", "--json").stdout)
    assert shown["agent"] == "阿福" and shown["timezone"] == "Asia/Urumqi"
    assert shown["placeholders"] == {"shop": "大店", "courier": "顺丰"}


def test_config_set_creates_the_file(cli, config_file):
    assert not config_file.exists()
    result = cli("config", "set", "agent", "小暖")
    assert result.exit_code == 0, result.output
    assert config_file.read_text(encoding="utf-8") == 'agent = "小暖"\n'


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("nickname", "x", "没有这个配置项"),
        ("timezone", "Mars/Base", "未知时区"),
        ("kb", "/nonexistent", "不存在"),
    ],
)
def test_config_set_validates_and_changes_nothing(cli, config_file, key, value, words):
    config_file.write_text('agent = "小暖"\n', encoding="utf-8")
    result = cli("config", "set", key, value)
    assert result.exit_code == 2 and words in result.stderr
    assert config_file.read_text(encoding="utf-8") == 'agent = "小暖"\n'


def test_config_set_refuses_to_edit_a_broken_file(cli, config_file):
    config_file.write_text("agent = 小暖\n", encoding="utf-8")
    result = cli("config", "set", "timezone", "Asia/Shanghai")
    assert result.exit_code == 2 and f"{config_file}:1" in result.stderr
    assert config_file.read_text(encoding="utf-8") == "agent = 小暖\n"


def test_config_kb_key_is_used(cli, config_file, tmp_path, monkeypatch):
    team = tmp_path / "team"
    assert cli("kb", "init", team).exit_code == 0
    config_file.write_text(f'kb = "{team}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    data = json.loads(cli("kb", "which", "--json").stdout)
    assert data == {**data, "kb": str(team.resolve()), "source": "config"}


def test_config_kb_pointing_nowhere_says_how_to_fix(cli, config_file, tmp_path, monkeypatch):
    config_file.write_text(f'kb = "{tmp_path / "gone"}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("search", "包邮")
    assert result.exit_code == 2 and "kb use" in result.stderr and str(config_file) in result.stderr


@pytest.mark.parametrize(
    "command", [["search", "包邮"], ["promo", "quote", "double11", "A:1"], ["log", "list"]]
)
def test_cstool_home_pointing_at_a_file_is_named_not_an_internal_error(cli_process, tmp_path, command):
    """A typo in CSTOOL_HOME (a file, not a folder) once showed 内部错误: NotADirectoryError."""
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("不是文件夹\n", encoding="utf-8")
    result = cli_process(*command, env={"CSTOOL_HOME": str(not_a_folder)}, cwd=tmp_path)
    assert result.exit_code == 2, result.stderr
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
    assert str(not_a_folder) in result.stderr and "CSTOOL_HOME" in result.stderr
    assert not_a_folder.read_text(encoding="utf-8") == "不是文件夹\n"


@pytest.mark.parametrize("kind", ["config", "data", "cache"])
@pytest.mark.parametrize(
    "xdg", [None, "", "relative/dir", "/srv/xdg", "/srv/xdg/", "/srv/x dg/深"], ids=lambda v: repr(v)
)
@pytest.mark.parametrize(
    "home", ["/home/ali", "/home/ali/", "/", "relative", "", None], ids=lambda v: repr(v)
)
def test_per_user_folders_are_the_ones_platformdirs_names(kind, xdg, home, monkeypatch):
    """Where config, data and cache go is platformdirs' rule, also where cstool works it out itself."""
    import platformdirs

    from cstool.config import platform_dir

    variable = {"config": "XDG_CONFIG_HOME", "data": "XDG_DATA_HOME", "cache": "XDG_CACHE_HOME"}[kind]
    for name, value in ((variable, xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    try:
        expected = Path(getattr(platformdirs, f"user_{kind}_dir")("cstool"))
    except RuntimeError:  # no usable home at all: nothing to compare
        pytest.skip("platformdirs finds no home here")
    assert platform_dir(kind) == expected
