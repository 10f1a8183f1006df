"""``cstool kb lint | add | init``: thin commands around lint.py, edit.py and scaffold.py.

Heavy modules (ruamel, questionary) are imported inside the command bodies.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer


def add_kb_tool_commands(kb_app: typer.Typer) -> None:
    """Add ``lint``, ``add`` and ``init`` to the ``kb`` command group."""

    @kb_app.command("lint")
    def lint_command(
        ctx: typer.Context,
        as_json: Annotated[
            bool, typer.Option("--json", help="输出 JSON 列表（level, code, message, file, line, entry）")
        ] = False,
        strict: Annotated[bool, typer.Option("--strict", help="有警告也算失败（退出码 1）")] = False,
    ) -> None:
        """检查知识库：格式、重复 id、未知占位符、空回复、超长回复、销售禁语、光秃秃的否定词。

        退出码：0 通过；1 有错误（--strict 时警告也算）；2 知识库无法读取。
        """
        from cstool.context import get_state

        from .lint import check_readable, lint_kb

        state = get_state(ctx)
        kb = state.kb
        check_readable(kb)
        problems = lint_kb(kb, state.placeholders().keys())
        errors = sum(p.level == "error" for p in problems)
        warnings = len(problems) - errors
        if as_json:
            from cstool.output import print_json

            print_json([finding_as_dict(p) for p in problems])
        else:
            print_findings(problems, kb.root, errors, warnings)
        if errors or (strict and warnings):
            raise typer.Exit(1)

    @kb_app.command("add")
    def add_command(
        ctx: typer.Context,
        file: Annotated[
            str | None,
            typer.Option("--file", help="主题文件（phrases/ 下的文件名，如 ship.yaml；不存在则新建）"),
        ] = None,
        topic: Annotated[
            str | None, typer.Option("--topic", help="新建主题文件时的主题名（默认：文件名）")
        ] = None,
        entry_id: Annotated[
            str | None, typer.Option("--id", help="条目 id，点分小写，如 ship.urgent")
        ] = None,
        title: Annotated[str | None, typer.Option("--title", help="标题")] = None,
        stage: Annotated[
            str | None, typer.Option("--stage", help="聊天阶段（kb.yaml stages 里的代码；默认：id 的前缀）")
        ] = None,
        questions: Annotated[list[str] | None, typer.Option("--question", help="买家问法（可重复）")] = None,
        replies: Annotated[
            list[str] | None, typer.Option("--reply", help="回复（可重复，每个是一个变体）")
        ] = None,
        tags: Annotated[list[str] | None, typer.Option("--tag", help="标签（可重复）")] = None,
        shortcut: Annotated[str | None, typer.Option("--shortcut", help="快捷码，如 fh1")] = None,
    ) -> None:
        """新增一条快捷短语，写进主题文件（保留注释和顺序）。

        在终端里缺什么问什么；没有终端时缺少必填项（--file --id --title --reply）退出码 2。
        """
        from cstool.context import get_state

        from .add_flow import run_add

        state = get_state(ctx)
        run_add(
            state.kb,
            placeholders=set(state.placeholders()),
            given={
                "file": file,
                "topic": topic,
                "id": entry_id,
                "title": title,
                "stage": stage,
                "questions": questions,
                "replies": replies,
                "tags": tags,
                "shortcut": shortcut,
            },
            interactive=sys.stdin.isatty(),
        )

    @kb_app.command("init")
    def init_command(
        directory: Annotated[
            Path, typer.Argument(help="新知识库的文件夹（不存在则创建）", show_default=False)
        ],
    ) -> None:
        """新建一个团队知识库（git 仓库用）：kb.yaml、phrases/、synonyms.yaml、promos/、pre-commit 配置。

        已有知识库的文件夹不会被覆盖（退出码 2）。
        """
        from cstool.output import info

        from .scaffold import init_kb

        written = init_kb(directory)
        for path in written:
            info(f"已创建 {path}")
        info(f"知识库已建好：{directory}\n下一步：cd {directory} && git init && cstool kb lint")


def finding_as_dict(problem: Any) -> dict[str, Any]:
    return {
        "level": problem.level,
        "code": problem.code,
        "message": problem.message,
        "file": display_path(problem.path) if problem.path else None,
        "line": problem.line,
        "entry": problem.entry or None,
    }


def display_path(path: Path | str) -> str:
    """Relative to the working directory when under it (clickable in an editor), else as is."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def print_findings(problems: list[Any], root: Path, errors: int, warnings: int) -> None:
    from cstool.output import info

    from .lint import LEVELS

    for p in problems:
        where = display_path(p.path) if p.path else display_path(root)
        if p.path and p.line:
            where = f"{where}:{p.line}"
        print(f"{where}: {LEVELS.get(p.level, p.level)} {p.code} {p.message}")
    if problems:
        info(f"共 {len(problems)} 个问题：{errors} 个错误，{warnings} 个警告")
    else:
        info(f"知识库检查通过：{display_path(root)}")
