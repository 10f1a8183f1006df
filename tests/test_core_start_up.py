"""What a start costs: the kept plugin table, and only the invoked command's modules imported.

Every case runs ``cstool`` as a new process, as a user's shell does, with
its own CSTOOL_HOME (where the plugin table is kept) and, where a third-party
plugin is needed, a real installed distribution on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# Runs the CLI in-process in a new interpreter and reports what got imported.
PROBE = (
    "import sys\n"
    "from cstool.cli import run\n"
    "code = run(sys.argv[1:])\n"
    "print('MODULES=' + ','.join(sorted(sys.modules)), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _start(
    home: Path, *args: str, site: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {**os.environ, "CSTOOL_HOME": str(home), "CSTOOL_KB": "", "CSTOOL_SEARCH_BACKEND": "whoosh"}
    env.pop("CSTOOL_KB")
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=home.parent,
    )
    line = next((x for x in proc.stderr.splitlines() if x.startswith("MODULES=")), "MODULES=")
    return proc, set(line.removeprefix("MODULES=").split(","))


def _install(site: Path, module: str, body: str, dist: str) -> Path:
    """A real installed distribution (dist-info + entry_points.txt), as pip leaves it."""
    (site / f"{module}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[cstool]\n{module} = {module}\n", encoding="utf-8")
    return info


GREETER = """
    from cstool import hookimpl

    @hookimpl
    def cstool_register_commands(app):
        @app.command("greet")
        def greet():
            '''问候。'''
            print("第三方插件在此")
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def test_second_start_reads_the_kept_plugin_table_not_every_distribution(home):
    first, first_modules = _start(home, "promo", "--help")
    assert first.returncode == 0, first.stderr
    assert "importlib.metadata" in first_modules  # the first start scans and keeps the table
    second, second_modules = _start(home, "promo", "--help")
    assert second.returncode == 0, second.stderr
    assert "importlib.metadata" not in second_modules
    assert second.stdout == first.stdout


def test_a_plugin_installed_after_the_table_was_kept_is_found(home, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    _start(home, "plugins", site=site)
    _start(home, "promo", "--help", site=site)  # the table now says: no third-party plugin
    _install(site, "cstool_greeter", GREETER, "cstool-greeter")
    proc, _ = _start(home, "greet", site=site)
    assert proc.returncode == 0, proc.stderr
    assert "第三方插件在此" in proc.stdout


def test_a_plugin_removed_after_the_table_was_kept_is_gone_quietly(home, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    info = _install(site, "cstool_greeter", GREETER, "cstool-greeter")
    assert "第三方插件在此" in _start(home, "greet", site=site)[0].stdout
    shutil.rmtree(info)
    (site / "cstool_greeter.py").unlink()
    proc, _ = _start(home, "plugins", "--json", site=site)
    assert proc.returncode == 0 and "加载失败" not in proc.stderr, proc.stderr
    assert "greeter" not in {row["name"] for row in json.loads(proc.stdout)}
    proc, _ = _start(home, "greet", site=site)
    assert proc.returncode == 2 and "没有这个命令" in proc.stderr


def test_a_module_gone_behind_the_tables_back_is_found_missing_by_a_new_scan(home, tmp_path):
    """The plugin's files vanish without its folder's time changing (a restored backup, a clock
    set back): the kept row fails to import, a new scan runs, no warning for a plugin that is gone."""
    site = tmp_path / "site"
    site.mkdir()
    info = _install(site, "cstool_greeter", GREETER, "cstool-greeter")
    _start(home, "greet", site=site)
    stat = site.stat()
    shutil.rmtree(info)
    (site / "cstool_greeter.py").unlink()
    os.utime(site, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    proc, _ = _start(home, "promo", "--help", site=site)
    assert proc.returncode == 0, proc.stderr
    assert "加载失败" not in proc.stderr and "greeter" not in proc.stderr


@pytest.mark.parametrize("content", ["", "{", '{"format": 1, "key": [], "rows": [[1]]}', "\x00" * 64, "[]"])
def test_a_damaged_plugin_table_only_costs_a_scan(home, content):
    _start(home, "plugins")
    (table,) = (home / "cache").glob("plugin-table-*.json")
    table.write_text(content, encoding="utf-8")
    proc, modules = _start(home, "promo", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "警告" not in proc.stderr and "内部错误" not in proc.stderr
    assert "importlib.metadata" in modules
    assert json.loads(table.read_text(encoding="utf-8"))["rows"]  # written anew


def test_an_unwritable_cache_folder_does_not_stop_a_start(home):
    (home / "cache").write_text("a file where the cache folder should be", encoding="utf-8")
    proc, _ = _start(home, "promo", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "满减" in proc.stdout or "报价" in proc.stdout


OTHER_COMMANDS = {
    "search": [
        "cstool_promo.commands",
        "cstool_logbook.commands",
        "cstool_quickphrase.kb_commands",
        "cstool_web.commands",
    ],
    "promo": [
        "cstool_logbook.commands",
        "cstool_quickphrase.commands",
        "cstool_web.commands",
        "cstool.core_commands",
    ],
    "log": [
        "cstool_promo.commands",
        "cstool_quickphrase.commands",
        "cstool_web.commands",
        "cstool.core_commands",
    ],
}


@pytest.mark.parametrize("command", sorted(OTHER_COMMANDS))
def test_a_start_imports_only_the_invoked_commands_modules(home, command):
    _start(home, command, "--help")
    proc, modules = _start(home, command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert not modules & set(OTHER_COMMANDS[command]), sorted(modules & set(OTHER_COMMANDS[command]))


def test_a_mistyped_command_still_gets_suggestions_from_every_plugin(home):
    proc, _ = _start(home, "promoo")
    assert proc.returncode == 2
    assert "没有这个命令：promoo" in proc.stderr and "promo" in proc.stderr.split("promoo", 1)[1]


def _python(home: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSTOOL_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_collector_is_rare_while_starting_and_at_the_long_run_pace_once_ready(tmp_path):
    """The console script starts with rare GC passes; ``search -i`` and ``serve`` restore the default
    young passes once ready (a whole shift in one process must still free its garbage cycles), with
    middle passes ten times rarer."""
    done = _python(
        tmp_path,
        "import gc, sys\n"
        "default = gc.get_threshold()\n"
        "import cstool.entry\n"
        "starting = gc.get_threshold()\n"
        "from cstool.gcpace import pace_for_long_run\n"
        "pace_for_long_run()\n"
        "print(default[0], default[1], starting[0], *gc.get_threshold()[:2], gc.get_freeze_count() > 0)\n",
    )
    default, default_middle, starting, long_run, long_run_middle, frozen = done.stdout.split()
    assert int(starting) > 100 * int(default)
    assert int(long_run) == int(default)
    assert int(long_run_middle) == 10 * int(default_middle)
    assert frozen == "True"


def test_a_long_run_frees_its_garbage_cycles_without_being_asked(tmp_path):
    """At the long-run pace, cycles made and dropped along the way (as a search or a
    request may make) are freed by the collector's own passes, while long-lived
    objects (an index's memos) pile up beside them."""
    done = _python(
        tmp_path,
        "import gc, weakref\n"
        "import cstool.entry\n"
        "from cstool.gcpace import pace_for_long_run\n"
        "pace_for_long_run()\n"
        "class Node:\n"
        "    pass\n"
        "alive, kept = [], []\n"
        "for n in range(200_000):\n"
        "    a, b = Node(), Node()\n"
        "    a.other, b.other = b, a\n"
        "    alive.append(weakref.ref(a))\n"
        "    if n % 4 == 0:\n"
        "        kept.append((n, (str(n),)))\n"
        "    del a, b\n"
        "print(sum(r() is not None for r in alive))\n",
    )
    assert int(done.stdout) < 2_000  # of 200,000 cycles dropped, at most the last young pass's few are left


@pytest.mark.parametrize(
    ("module", "function"),
    [("cstool_quickphrase/interactive.py", "run_interactive"), ("cstool_web/server.py", "serve")],
)
def test_each_long_running_command_sets_the_long_run_pace(module, function):
    import ast

    source = (Path(__file__).parents[1] / "plugins" / module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    body = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    calls = {n.func.id for n in ast.walk(body) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "pace_for_long_run" in calls
