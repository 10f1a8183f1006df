"""Commands of the core itself: ``kb use``, ``kb which``, ``config …`` and ``completion``.

They describe and change where cstool looks for things; the domain commands
come from plugins.
"""

# Annotations stay objects (no `from __future__ import annotations`): Typer reads these
# signatures on every start, and would compile string annotations one by one (~3 ms).

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .context import get_state

SOURCE_NAMES = {
    "option": "命令行 --kb",
    "env": "环境变量 CSTOOL_KB",
    "nearest": "当前目录往上最近的团队知识库",
    "config": "配置文件里的 kb（cstool kb use 设置）",
    "bundled": "cstool 自带的示例知识库（只读）",
}


def add_kb_core_commands(kb_app: typer.Typer) -> None:
    """``kb use`` and ``kb which``, added to the ``kb`` group whoever made it."""

    @kb_app.command("use")
    def use_command(
        path: Annotated[str, typer.Argument(help="团队知识库的文件夹（里面有 kb.yaml）", metavar="文件夹")],
    ) -> None:
        """以后默认使用这个知识库（写进自己的 config.toml 的 kb）。"""
        from .config import set_config_value
        from .output import info

        config = set_config_value("kb", path)
        from .config import load_user_config

        info(
            f"已设为默认知识库：{load_user_config().kb}\n（写在 {config}；cstool kb which 查看当前用的是哪个）"
        )

    @kb_app.command("which")
    def which_command(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    ) -> None:
        """现在用的是哪个知识库、为什么，以及配置文件、数据目录、日志库和索引的位置。"""
        rows = describe_setup(get_state(ctx))
        if as_json:
            from .output import print_json

            print_json({key: value for key, _label, value in rows})
            return
        for _key, label, value in rows:
            print(f"{label}：{value}")


def describe_setup(state: Any) -> list[tuple[str, str, str]]:
    """(json key, Chinese label, value) for every location cstool uses in this run."""
    from .config import user_cache_dir, user_config_path, user_data_dir
    from .plugins import call_each

    kb, source = state.kb_resolution
    rows = [
        ("kb", "知识库", str(Path(kb.root).resolve())),
        ("source", "来源", source),
        ("source_text", "为什么用它", SOURCE_NAMES.get(source, source)),
        ("config", "配置文件", str(user_config_path())),
        ("data_dir", "数据目录", str(user_data_dir())),
        ("cache_dir", "缓存目录", str(user_cache_dir())),
    ]

    def register(key: str, label: str, value: str) -> None:
        rows.append((str(key), str(label), str(value)))

    call_each(state.pm, "cstool_describe_setup", state=state, register=register)
    return rows


def make_config_group(make_typer: Any) -> typer.Typer:
    group = make_typer(help="自己的设置（config.toml）：位置、查看、修改。")

    @group.command("path")
    def path_command() -> None:
        """显示配置文件的位置（文件可以还不存在）。"""
        from .config import user_config_path

        print(user_config_path())

    @group.command("show")
    def show_command(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
        """显示现在的设置（没写的项显示默认值）。"""
        from .config import KNOWN_KEYS, load_user_config, user_config_path

        config = load_user_config()
        values = {key: getattr(config, key) for key in KNOWN_KEYS}
        if as_json:
            from .output import print_json

            print_json({**values, "placeholders": dict(config.placeholders), "path": str(user_config_path())})
            return
        print(f"# {user_config_path()}")
        for key, label in KNOWN_KEYS.items():
            print(f"{key} = {values[key]!s}    # {label}" if values[key] else f"# {key}（未设置）  {label}")
        for name, value in config.placeholders.items():
            print(f"placeholders.{name} = {value}")

    @group.command("set")
    def set_command(
        key: Annotated[
            str,
            typer.Argument(
                help="配置项：agent、timezone、db、kb、search_backend 或 placeholders.名字", metavar="配置项"
            ),
        ],
        value: Annotated[str, typer.Argument(help="新的值", metavar="值")],
    ) -> None:
        """修改一项设置（保留文件里的注释和其他内容）。"""
        from .config import set_config_value
        from .output import info

        path = set_config_value(key, value)
        info(f"已设置 {key}（{path}）")

    return group


SHELLS = ("bash", "zsh", "fish", "powershell")


def add_completion_command(app: typer.Typer) -> None:
    @app.command("completion")
    def completion_command(
        shell: Annotated[str, typer.Argument(help="bash、zsh、fish 或 powershell", metavar="终端类型")],
    ) -> None:
        """输出命令补全脚本。

        例：cstool completion bash >> ~/.bashrc（zsh 写进 ~/.zshrc；fish 存成 ~/.config/fish/completions/cstool.fish）。
        """
        from .errors import BadInput

        if shell not in SHELLS:
            raise BadInput(f"不支持的终端类型：{shell}（可选：{'、'.join(SHELLS)}）")
        from typer._completion_shared import get_completion_script

        sys.stdout.write(
            get_completion_script(prog_name="cstool", complete_var="_CSTOOL_COMPLETE", shell=shell)
        )
