"""The ``cstool`` command: a Typer app whose commands come from plugins.

``build_app(pm)`` builds a fresh app each call (no global state, easy to
test); ``main()`` turns known errors into one Chinese line and an exit code:
0 done, 1 failure, 2 bad input. ``CSTOOL_DEBUG=1`` shows full tracebacks.
"""

# Annotations stay objects (no `from __future__ import annotations`): Typer reads these
# signatures on every start, and would compile string annotations one by one (~3 ms).

import os
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


def build_app(pm: pluggy.PluginManager, *, announce: bool = True, invoked: str | None = None) -> typer.Typer:
    """The ``cstool`` app; ``announce=False`` skips the demo-KB notice (help screens).

    With ``invoked`` (a top-level command named exactly), plugins may leave out
    their other commands (see ``cstool_register_commands``): a start imports
    only the invoked command's module.
    """
    from . import i18n

    i18n.install()
    app = make_typer(name="cstool", help=APP_HELP)

    @app.callback()
    def root(
        ctx: typer.Context,
        kb: Annotated[
            str | None,
            typer.Option(
                "--kb",
                metavar="文件夹",
                help="知识库文件夹（默认：CSTOOL_KB，或当前目录往上最近的团队知识库，或 config 的 kb，或自带示例）",
            ),
        ] = None,
        version: Annotated[
            bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号")
        ] = False,
    ) -> None:
        state = AppState(pm=pm, kb_option=kb)
        ctx.obj = state
        if announce and not getattr(app, "cstool_quiet", False):
            announce_demo_kb(state)

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

    call_each(pm, "cstool_register_commands", app=app, invoked=invoked)
    if invoked in (None, *CORE_COMMANDS):
        _add_core_commands(app)
    return app


CORE_COMMANDS = ("kb", "config", "completion")


def _add_core_commands(app: typer.Typer) -> None:
    from .core_commands import add_completion_command, add_kb_core_commands, make_config_group

    kb_group = next((g for g in app.registered_groups if g.name == "kb"), None)
    if kb_group is None or kb_group.typer_instance is None:
        kb_app = make_typer(help="知识库：查看和设置用哪个知识库")
        app.add_typer(kb_app, name="kb")
    else:
        kb_app = kb_group.typer_instance
    add_kb_core_commands(kb_app)
    app.add_typer(
        make_config_group(make_typer), name="config", help="自己的设置（config.toml）：位置、查看、修改。"
    )
    add_completion_command(app)


def announce_demo_kb(state: AppState) -> None:
    """Say once, on stderr, that this run uses the bundled read-only demo KB."""
    from .kb import DEMO_NOTICE

    try:
        bundled = state.kb.is_bundled
    except CstoolError:
        return  # the command that needs the KB reports the problem itself
    if bundled:
        print(DEMO_NOTICE, file=sys.stderr)


GLOBAL_VALUE_OPTIONS = ("--kb",)
GLOBAL_FLAGS = ("--version",)


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move the root's options (``--kb DIR``, ``--version``) given after a subcommand to the front.

    ``cstool search 顺丰 --kb DIR`` then means ``cstool --kb DIR search 顺丰``.
    Nothing after ``--`` moves.
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg in GLOBAL_VALUE_OPTIONS and i + 1 < len(args):
            front += [arg, args[i + 1]]
            i += 2
            continue
        if arg.startswith(tuple(f"{o}=" for o in GLOBAL_VALUE_OPTIONS)) or arg in GLOBAL_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _help_requested(args: Sequence[str]) -> bool:
    for arg in args:
        if arg == "--":
            return False
        if arg in ("-h", "--help"):
            return True
    return False


def _invalid_utf8(args: Sequence[str]) -> str | None:
    """The first argument that is not valid UTF-8 (argv decoded with surrogateescape), shown safely."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return None


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


def _registers(app: typer.Typer, name: str) -> bool:
    return any(_command_name(c) == name for c in app.registered_commands) or any(
        g.name == name for g in app.registered_groups
    )


def _command_name(info: typer.models.CommandInfo) -> str | None:
    if info.name:
        return info.name
    callback = info.callback
    return callback.__name__.lower().replace("_", "-") if callback is not None else None


CANCELLED = "已取消，未写入任何内容。"


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (``main`` exits with it)."""
    debug = bool(os.environ.get("CSTOOL_DEBUG"))
    try:
        args = list(argv) if argv is not None else sys.argv[1:]
        bad = _invalid_utf8(args)
        if bad is not None:
            print(f"错误：参数不是有效的 UTF-8 文字：{bad}（请检查终端的编码设置）", file=sys.stderr)
            return 2
        args = hoist_global_options(args)
        if os.environ.get("_CSTOOL_COMPLETE"):  # a shell asking for completions (cstool completion)
            from typer._completion_classes import completion_init

            completion_init()
        name = invoked_name(args)
        # ``cstool plugins`` is how a team checks what is installed: it never trusts the kept table
        pm = make_plugin_manager(rescan=name == "plugins")
        app = build_app(pm, invoked=name)
        if name is not None and not _registers(app, name):
            app = build_app(pm)  # a mistyped name: click's "did you mean" needs every command
        groups = {g.name for g in app.registered_groups}
        # help screens and bare groups only show help: no demo-KB notice there
        app.cstool_quiet = _help_requested(args) or _is_bare_group(args, groups)  # type: ignore[attr-defined]
        app = keep_only_invoked(app, args)
        result = app(args=args, prog_name="cstool", standalone_mode=False)
        return _cancelled_says_so(result if isinstance(result, int) else 0)
    except CstoolError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return _cancelled_says_so(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt, EOFError):
        print(f"\n{CANCELLED}", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # click usage errors (unknown option, missing argument…)
        if type(exc).__name__ == "NoArgsIsHelpError":
            return 0  # a bare group: its help is already on stdout
        from .i18n import usage_message

        print(f"错误：{usage_message(exc)}（用 --help 查看用法）", file=sys.stderr)
        return int(getattr(exc, "exit_code", 2))
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if debug:
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（设置 CSTOOL_DEBUG=1 查看详细信息）", file=sys.stderr)
        return 1


def _cancelled_says_so(code: int) -> int:
    """Typer turns Ctrl-C inside a command into a silent exit 130: say that nothing was written."""
    if code == 130:
        print(f"\n{CANCELLED}", file=sys.stderr)
    return code


def _is_bare_group(args: Sequence[str], groups: set[str | None]) -> bool:
    """``cstool`` or ``cstool GROUP`` with nothing else: the help is shown, no notice."""
    rest = hoist_global_options(args)
    while rest[:1] and rest[0].startswith("--kb"):
        rest = rest[2:] if rest[0] == "--kb" else rest[1:]
    return not rest or (len(rest) == 1 and rest[0] in groups)


def main() -> None:
    sys.exit(run())
