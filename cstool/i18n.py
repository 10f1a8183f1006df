"""Chinese for what click and Typer print on our behalf: help screens and usage errors.

:func:`install` patches Typer's vendored click once, at the places the text is
made (the help formatter, the ``--help`` option, the type names, the param
types' ``fail``, the exceptions' ``format_message``, Typer's help panel titles),
so every command of every plugin gets the same Chinese without each one doing
anything. It imports nothing heavy: Typer's rich help module is patched only
when a help screen is actually drawn.

:func:`usage_message` turns a click usage error into one Chinese sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

USAGE = "用法："
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
HELP_OPTION_HELP = "显示这个帮助并退出"

# click's and Typer's type names (ParamType.name), shown in help as <文字>, <整数>…
TYPE_NAMES = {
    "str": "文字",
    "text": "文字",
    "int": "整数",
    "int range": "整数",
    "float": "数字",
    "float range": "数字",
    "uuid": "UUID",
    "datetime": "时间",
    "filename": "文件",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "choice": "选项",
}
_KINDS = {"File": "文件", "Directory": "文件夹", "Path": "路径"}

# typer's and click's own words (gettext msgids in typer.core / typer.rich_utils)
WORDS = {
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "Aborted!": "已取消。",
    "Arguments": "参数",
    "Options": "选项",
    "Commands": "命令",
}

RICH_CONSTANTS = {
    "DEPRECATED_STRING": "（已弃用）",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已取消。",
    "RICH_HELP": "用 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}

# Messages click builds when a value does not convert (ParamType.fail).
_FAIL_PATTERNS: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (r"^(.*) is not a valid boolean\..*$", lambda m: f"{m[1]} 不是 是/否（可用 true/false、yes/no、1/0）"),
    (r"^(.*) is not a valid (?:int|int range|integer)\.?$", lambda m: f"{m[1]} 不是整数"),
    (r"^(.*) is not a valid (?:float|float range)\.?$", lambda m: f"{m[1]} 不是数字"),
    (r"^(.*) is not a valid (.+?)\.?$", lambda m: f"{m[1]} 不是有效的{TYPE_NAMES.get(m[2], m[2])}"),
    (r"^(.*) does not match the formats? (.*)\.$", lambda m: f"{m[1]} 的时间格式不对（应为 {m[2]}）"),
    (r"^(.*) is not in the range (.*)\.$", lambda m: f"{m[1]} 超出范围（应满足 {m[2]}）"),
    (r"^(.*) is not one of (.*)\.$", lambda m: f"{m[1]} 不是可选值之一（可选：{m[2]}）"),
    (r"^(.*) is not (?:one of|a valid choice)(.*)$", lambda m: f"{m[1]} 不是可选值之一{m[2]}"),
    (
        r"^(\d+) values are required, but (\d+) (?:was|were)? ?given\.?$",
        lambda m: f"需要 {m[1]} 个值，给了 {m[2]} 个",
    ),
    (r"^(File|Directory|Path) (.*) does not exist\.$", lambda m: f"{_KINDS[m[1]]} {m[2]} 不存在"),
    (r"^(File|Directory|Path) (.*) is a file\.$", lambda m: f"{m[2]} 是文件，这里要的是文件夹"),
    (r"^(File|Directory|Path) (.*) is a directory\.$", lambda m: f"{m[2]} 是文件夹，这里要的是文件"),
    (r"^(File|Directory|Path) (.*) is not readable\.$", lambda m: f"{m[2]} 没有读取权限"),
    (r"^(File|Directory|Path) (.*) is not writable\.$", lambda m: f"{m[2]} 没有写入权限"),
    (r"^'(.*)': (.*)$", lambda m: f"无法打开 {m[1]}：{m[2]}"),
]

# Other usage errors raised with a plain message (ctx.fail, the option parser).
_USAGE_PATTERNS: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (
        r"^No such command '?([^']+?)'?\.(?:\s*Did you mean (.+)\?)?$",
        lambda m: f"没有这个命令：{m[1]}" + (f"，是不是 {_names(m[2])}？" if m[2] else ""),
    ),
    (r"^Missing command\.?$", lambda m: "缺少子命令"),
    (r"^Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", lambda m: f"多余的参数：{m[1]}"),
    (
        r"^Option '([^']+)' requires (?:an argument|(\d+) arguments)\.?$",
        lambda m: f"选项 {m[1]} 后面要跟一个值" if not m[2] else f"选项 {m[1]} 后面要跟 {m[2]} 个值",
    ),
    (r"^Option '([^']+)' does not take a value\.?$", lambda m: f"选项 {m[1]} 不带值"),
    (r"^Argument '([^']+)' takes (\d+) values\.?$", lambda m: f"参数 {m[1]} 需要 {m[2]} 个值"),
]

_installed = False


def _names(text: str) -> str:
    """``'search', 'serve'`` → ``search、serve``."""
    return "、".join(re.findall(r"'([^']+)'", text)) or text


def translate_fail(message: str) -> str:
    for pattern, render in _FAIL_PATTERNS:
        match = re.match(pattern, message, re.S)
        if match:
            return render(match)
    return message


def translate_usage_text(message: str) -> str:
    for pattern, render in _USAGE_PATTERNS:
        match = re.match(pattern, message.strip(), re.S)
        if match:
            return render(match)
    return message


def _gettext(message: str) -> str:
    return WORDS.get(message, message)


def param_name(param: Any) -> str:
    """How a person knows a parameter: an option by its flags, an argument by its Chinese name."""
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "option":
        return " / ".join(param.opts)
    metavar = getattr(param, "metavar", None)
    if metavar and not metavar.isascii():
        return metavar
    help_text = (getattr(param, "help", None) or "").strip()
    if help_text:
        return re.split(r"[（(：:，,。]", help_text, maxsplit=1)[0] or help_text
    return str(getattr(param, "name", "") or "")


def usage_message(exc: Exception) -> str:
    """A click usage error (``typer`` re-exports click's) as one Chinese sentence."""
    from typer._click import exceptions as ce

    if isinstance(exc, ce.NoSuchOption):
        text = f"没有这个选项：{exc.option_name}"
        if exc.possibilities:
            text += f"，是不是 {'、'.join(sorted(exc.possibilities))}？"
        return text
    if isinstance(exc, ce.MissingParameter):
        kind = {"argument": "参数", "option": "选项"}.get(getattr(exc.param, "param_type_name", ""), "参数")
        return f"缺少{kind}：{param_name(exc.param)}"
    if isinstance(exc, ce.BadParameter):
        name = param_name(exc.param) if exc.param is not None else (exc.param_hint or "")
        message = translate_fail(str(exc.message))
        return f"{name} 的值不对：{message}" if name else f"值不对：{message}"
    if isinstance(exc, ce.BadOptionUsage | ce.UsageError):
        return translate_usage_text(str(exc.message))
    return str(exc)


def _patch_rich_utils() -> None:
    from typer import rich_utils

    if getattr(rich_utils, "_cstool_chinese", False):
        return
    for name, value in RICH_CONSTANTS.items():
        setattr(rich_utils, name, value)
    rich_utils._ = _gettext
    rich_utils._cstool_chinese = True  # type: ignore[attr-defined]


def install() -> None:
    """Patch click/Typer once so their help and errors come out in Chinese. Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    import typer.core as tcore
    from typer._click import core as ccore
    from typer._click import formatting, types

    # "Usage: " → "用法："
    class ChineseHelpFormatter(formatting.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, USAGE if prefix is None else prefix)

    ccore.Context.formatter_class = ChineseHelpFormatter

    # [OPTIONS] and COMMAND [ARGS]... in usage lines
    original_pieces = ccore.Command.collect_usage_pieces

    def collect_usage_pieces(self: Any, ctx: Any) -> list[str]:
        pieces = original_pieces(self, ctx)
        swap = {"[OPTIONS]": OPTIONS_METAVAR, "COMMAND [ARGS]...": SUBCOMMAND_METAVAR}
        return [swap.get(piece, piece) for piece in pieces]

    ccore.Command.collect_usage_pieces = collect_usage_pieces  # type: ignore[method-assign]
    original_group_pieces = tcore.TyperGroup.collect_usage_pieces

    def collect_group_usage_pieces(self: Any, ctx: Any) -> list[str]:
        pieces = original_group_pieces(self, ctx)
        return [SUBCOMMAND_METAVAR if piece == "COMMAND [ARGS]..." else piece for piece in pieces]

    tcore.TyperGroup.collect_usage_pieces = collect_group_usage_pieces  # type: ignore[method-assign]

    # --help's own help text
    original_help_option = ccore.Command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_HELP
        return option

    ccore.Command.get_help_option = get_help_option  # type: ignore[method-assign]

    # <str>, <int range>… and the values' own error messages
    original_metavar = types.ParamType.get_metavar

    def get_metavar(self: Any, param: Any, ctx: Any) -> Any:
        metavar = original_metavar(self, param, ctx)
        if metavar is None and self.name in TYPE_NAMES:
            return f"<{TYPE_NAMES[self.name]}>"
        return metavar

    types.ParamType.get_metavar = get_metavar  # type: ignore[method-assign]
    original_argument_metavar = tcore.TyperArgument.make_metavar

    def argument_metavar(self: Any, ctx: Any, *, usage: bool = False) -> str:
        # Typer appends ":<type>" to an argument's name; the help table has a column for it.
        return re.sub(r":<[^>]*>", "", original_argument_metavar(self, ctx, usage=usage))

    tcore.TyperArgument.make_metavar = argument_metavar  # type: ignore[method-assign]
    original_fail = types.ParamType.fail

    def fail(self: Any, message: str, param: Any = None, ctx: Any = None) -> Any:
        return original_fail(self, translate_fail(str(message)), param, ctx)

    types.ParamType.fail = fail  # type: ignore[method-assign]

    # [default: …] / [required] in plain help, and the rich panels when drawn
    tcore._ = _gettext
    for cls in (tcore.TyperCommand, tcore.TyperGroup):
        _wrap_format_help(cls)


def _wrap_format_help(cls: Any) -> None:
    original = cls.format_help

    def format_help(self: Any, ctx: Any, formatter: Any) -> Any:
        _patch_rich_utils()
        return original(self, ctx, formatter)

    cls.format_help = format_help
