"""The plugin core: entry points, a plugin from outside adds a command, broken plugins are survivable."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pluggy
import typer
from typer.testing import CliRunner

from cstool import hookimpl, hookspecs
from cstool.cli import build_app
from cstool.plugins import make_plugin_manager

REPO = Path(__file__).resolve().parent.parent


class HelloPlugin:
    __version__ = "9.9"

    @hookimpl
    def cstool_register_commands(self, app):
        @app.command("hello")
        def hello(name: str = "亲") -> None:
            """打个招呼。"""
            print(f"{name}，您好！")


def test_a_plugin_object_adds_a_command():
    app = build_app(make_plugin_manager(plugins=[HelloPlugin()], load_entrypoints=False))
    result = CliRunner().invoke(app, ["hello", "--name", "小王"])
    assert result.exit_code == 0, result.output
    assert "小王，您好！" in result.output


def test_builtin_features_load_as_entry_point_plugins(cli):
    result = cli("plugins", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert {"quickphrase", "promo", "logbook"} <= set(rows)
    for name in ("quickphrase", "promo", "logbook"):
        assert "cstool_register_commands" in rows[name]["hooks"]
        assert rows[name]["version"]


def test_disable_plugins_switch(cli):
    rows = json.loads(cli("plugins", "--json", env={"CSTOOL_DISABLE_PLUGINS": "promo"}).stdout)
    assert "promo" not in {r["name"] for r in rows}
    assert "quickphrase" in {r["name"] for r in rows}


def _install_fake_distribution(site: Path, module: str, source: str, dist: str = "cstool-extra") -> None:
    """A real installed distribution (dist-info + entry_points.txt), as pip would leave it."""
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[cstool]\n{module.removeprefix('cstool_')} = {module}\n", encoding="utf-8"
    )


def _run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "CSTOOL_HOME": str(site / "home")}
    return subprocess.run(
        [sys.executable, "-m", "cstool", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_third_party_package_adds_a_command_through_entry_points(tmp_path):
    _install_fake_distribution(
        tmp_path,
        "cstool_greeter",
        '''
        from cstool import hookimpl

        @hookimpl
        def cstool_register_commands(app):
            @app.command("greet")
            def greet():
                """问候。"""
                print("第三方插件在此")
    ''',
    )
    proc = _run(tmp_path, "greet")
    assert proc.returncode == 0, proc.stderr
    assert "第三方插件在此" in proc.stdout
    listed = json.loads(_run(tmp_path, "plugins", "--json").stdout)
    greeter = next(r for r in listed if r["name"] == "greeter")
    assert greeter["package"] == "cstool-extra" and greeter["version"] == "1.2.3"


def test_a_plugin_that_fails_to_import_is_named_and_skipped(tmp_path):
    _install_fake_distribution(tmp_path, "cstool_broken", "raise RuntimeError('boom at import')\n")
    proc = _run(tmp_path, "plugins", "--json")
    assert proc.returncode == 0
    assert "插件 broken 加载失败" in proc.stderr and "boom at import" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "quickphrase" in {r["name"] for r in json.loads(proc.stdout)}


def test_a_plugin_whose_hook_raises_is_named_and_skipped(tmp_path):
    _install_fake_distribution(
        tmp_path,
        "cstool_crashy",
        """
        from cstool import hookimpl

        @hookimpl
        def cstool_register_commands(app):
            raise ValueError("bad plugin code")
    """,
    )
    proc = _run(tmp_path, "plugins", "--json")
    assert proc.returncode == 0
    assert "插件 crashy 加载失败" in proc.stderr and "bad plugin code" in proc.stderr
    assert "crashy" not in {r["name"] for r in json.loads(proc.stdout)}


def test_a_misspelt_hook_fails_loudly_not_silently(tmp_path):
    _install_fake_distribution(
        tmp_path,
        "cstool_typo",
        """
        from cstool import hookimpl

        @hookimpl
        def cstool_register_comands(app):
            pass
    """,
    )
    proc = _run(tmp_path, "plugins")
    assert proc.returncode == 0
    assert "插件 typo 加载失败" in proc.stderr and "cstool_register_comands" in proc.stderr


def test_every_hook_is_documented_and_tested():
    """Like datasette: a hook without documentation or a ``test_hook_<name>`` test is a defect.

    Every hook the loaded plugin manager knows: the core's and those the
    built-in plugins own (added through ``cstool_add_hookspecs``).
    """
    docs = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py"))
    pm = make_plugin_manager()
    hooks = sorted(n for n, caller in vars(pm.hook).items() if not n.startswith("_") and caller.has_spec())
    core = {name for name in dir(hookspecs) if name.startswith("cstool_")}
    assert core < set(hooks) and "cstool_promo_rule_types" in set(hooks) - core
    for hook in hooks:
        assert re.search(rf"`{hook}\(", docs), f"{hook} is not documented in docs/plugins.md"
        assert re.search(rf"^def test_hook_{hook}\w*\(", tests, re.M), f"{hook} has no test_hook_{hook}… test"


def test_hook_cstool_register_commands_receives_the_root_typer_app():
    seen = []

    class Spy:
        @hookimpl
        def cstool_register_commands(self, app):
            seen.append(app)

    app = build_app(make_plugin_manager(plugins=[Spy()], load_entrypoints=False))
    assert seen == [app] and isinstance(app, typer.Typer)


class ShopHooks:
    """A plugin's own hook specifications (a namespace pluggy reads, like a hookspecs module)."""

    @staticmethod
    @pluggy.HookspecMarker("cstool")
    def cstool_shop_greetings(register):
        """Offer greetings."""


class GreetingOwner:
    @hookimpl
    def cstool_add_hookspecs(self, pm):
        pm.add_hookspecs(ShopHooks)


class Greeter:
    @hookimpl
    def cstool_shop_greetings(self, register):
        register("亲，在的～")


class Misspelt:
    @hookimpl
    def cstool_shop_greeting(self, register):  # not the owner's hook name
        register("?")


def test_hook_cstool_add_hookspecs_lets_a_plugin_own_its_hooks(monkeypatch, capsys):
    monkeypatch.setenv("CSTOOL_LOAD_PLUGINS", "")  # only the plugins below; the pending check still runs
    # the implementation is registered before the plugin that owns the hook
    pm = make_plugin_manager(plugins=[Greeter(), Misspelt(), GreetingOwner()])
    said: list[str] = []
    pm.hook.cstool_shop_greetings(register=said.append)
    assert said == ["亲，在的～"]
    names = [type(p).__name__ for p in pm.get_plugins()]
    assert "Greeter" in names and "GreetingOwner" in names and "Misspelt" not in names
    err = capsys.readouterr().err
    assert "加载失败" in err and "cstool_shop_greeting" in err
