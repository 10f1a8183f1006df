"""The ``cstool`` command: a Typer app whose commands come from plugins.

``build_app(pm)`` builds a fresh app each call (no global state, easy to
test); ``main()`` turns known errors into one Chinese line and an exit code:
0 done, 1 failure, 2 bad input. ``CSTOOL_DEBUG=1`` shows full tracebacks.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Annotated

import pluggy
import typer

from . import __version__
from .context import AppState, get_state
from .errors import CstoolError
from .plugins import call_each, describe_plugins, make_plugin_manager

APP_HELP = "客服工具箱：快捷短语搜索、促销计算、询盘与催付日志。"


def make_typer(**kwargs: object) -> typer.Typer:
    """Shared settings for the root app and every plugin's command group."""
    settings: dict[str, object] = {
        "no_args_is_help": True,
        "add_completion": False,
        "context_settings": {"help_option_names": ["-h", "--help"]},
    }
    settings.update(kwargs)
    return typer.Typer(**settings)  # type: ignore[arg-type]


def _version(value: bool) -> None:
    if value:
        print(f"cstool {__version__}")
        raise typer.Exit(0)


def build_app(pm: pluggy.PluginManager) -> typer.Typer:
    app = make_typer(name="cstool", help=APP_HELP)

    @app.callback()
    def root(
        ctx: typer.Context,
        kb: Annotated[
            str | None,
            typer.Option("--kb", help="知识库文件夹（默认：CSTOOL_KB，或当前目录往上最近的团队知识库，或自带知识库）"),
        ] = None,
        version: Annotated[
            bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号")
        ] = False,
    ) -> None:
        ctx.obj = AppState(pm=pm, kb_option=kb)

    @app.command("plugins")
    def plugins_command(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    ) -> None:
        """列出已加载的插件（名称、版本、实现的钩子）。"""
        rows = describe_plugins(get_state(ctx).pm)
        if as_json:
            from .output import print_json

            print_json(rows)
            return
        for row in rows:
            version = row["version"] or "-"
            print(f"{row['name']} {version}  钩子：{', '.join(row['hooks']) or '无'}")

    call_each(pm, "cstool_register_commands", app=app)
    return app


def invoked_name(args: Sequence[str]) -> str | None:
    """The top-level command named in ``args`` (after the root options), if any."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--kb":
            skip = True
        elif arg.startswith("--kb="):
            continue
        elif arg.startswith("-"):
            return None  # --help, --version, or a mistake: click needs the whole app
        else:
            return arg
    return None


def keep_only_invoked(app: typer.Typer, args: Sequence[str]) -> typer.Typer:
    """Drop the top-level commands and groups ``args`` does not invoke.

    Typer turns every registered command into a click command on each start
    (~40 ms for the built-in plugins' ~50 commands, paid by every call).
    Only an exact name is trusted: help, typos ("did you mean") and a bare
    ``cstool`` still see every command.
    """
    name = invoked_name(args)
    if name is None:
        return app
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if len(commands) + len(groups) == 1:
        app.registered_commands = commands
        app.registered_groups = groups
    return app


def _command_name(info: typer.models.CommandInfo) -> str | None:
    if info.name:
        return info.name
    callback = info.callback
    return callback.__name__.lower().replace("_", "-") if callback is not None else None


# click's usage errors are in English; shop staff get them in Chinese.
_USAGE_PATTERNS = [
    (r"No such option: (\S+)(?:\s+Did you mean (\S+)\?)?", lambda m: f"没有这个选项：{m[1]}" + (f"，是不是 {m[2]}？" if m[2] else "")),
    (r"No such command '([^']+)'\.?", lambda m: f"没有这个命令：{m[1]}"),
    (r"Missing argument '([^']+)'\.?", lambda m: f"缺少参数：{m[1]}"),
    (r"Missing option '([^']+)'\.?", lambda m: f"缺少选项：{m[1]}"),
    (r"Option '([^']+)' requires an argument\.?", lambda m: f"选项 {m[1]} 需要一个值"),
    (r"Invalid value for '([^']+)': (.*)", lambda m: f"{m[1]} 的值无效：{m[2]}"),
    (r"Got unexpected extra arguments? \((.*)\)", lambda m: f"多余的参数：{m[1]}"),
]


def translate_usage(message: str) -> str:
    for pattern, render in _USAGE_PATTERNS:
        match = re.search(pattern, message)
        if match:
            return render(match)
    return message


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (``main`` exits with it)."""
    debug = bool(os.environ.get("CSTOOL_DEBUG"))
    try:
        args = list(argv) if argv is not None else sys.argv[1:]
        app = keep_only_invoked(build_app(make_plugin_manager()), args)
        result = app(args=args, prog_name="cstool", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except CstoolError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt, EOFError):
        print("\n已取消，未写入任何内容。", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # click usage errors (unknown option, missing argument…)
        print(f"错误：{translate_usage(exc.format_message())}（用 --help 查看用法）", file=sys.stderr)
        return int(getattr(exc, "exit_code", 2))
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if debug:
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（设置 CSTOOL_DEBUG=1 查看详细信息）", file=sys.stderr)
        return 1


def main() -> None:
    sys.exit(run())
