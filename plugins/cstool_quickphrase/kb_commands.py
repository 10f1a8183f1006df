"""``cstool kb lint | add | init``: thin commands around lint.py, edit.py and scaffold.py.

Heavy modules (ruamel, questionary) are imported inside the command bodies.
"""

# Annotations stay objects (no `from __future__ import annotations`): Typer reads these
# signatures on every start, and would compile string annotations one by one (~3 ms).

import sys
from pathlib import Path
from typing import Annotated, Any

import typer


def add_kb_tool_commands(kb_app: typer.Typer) -> None:
    """Register ``lint``, ``learn``, ``add`` and ``init`` in the ``kb`` command group."""
    kb_app.command("lint")(lint_command)
    kb_app.command("learn")(learn_command)
    kb_app.command("add")(add_command)
    kb_app.command("init")(init_command)


def lint_command(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出 JSON 列表（level, code, message, file, line, entry）")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="有警告也算失败（退出码 1）")] = False,
) -> None:
    """检查知识库的格式和话术规则（可用作 pre-commit 钩子）。

    查：格式、重复 id、未知占位符、空回复、超长回复、销售禁语、光秃秃的否定词。

    退出码：0 通过；1 有错误（--strict 时警告也算）；2 知识库无法读取。
    """
    from cstool.context import get_state

    from .lint import check_readable, lint_kb

    state = get_state(ctx)
    kb = state.kb
    check_readable(kb)
    from cstool.template import may_say_nothing

    producers = state.placeholders()
    volatile = {name for name, producer in producers.items() if may_say_nothing(producer)}
    problems = lint_kb(kb, producers.keys(), volatile)
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    if as_json:
        from cstool.output import print_json

        print_json([finding_as_dict(p, kb.root) for p in problems])
    else:
        print_findings(problems, kb.root, errors, warnings)
    if errors or (strict and warnings):
        raise typer.Exit(1)


def learn_command(
    ctx: typer.Context,
    apply_all: Annotated[
        bool, typer.Option("--apply", help="不询问：把出现次数够 --min-count 的说法全部加入")
    ] = False,
    min_count: Annotated[
        int | None, typer.Option("--min-count", min=1, help="至少出现几次才加入（默认 2）")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="只列出建议（JSON 数组：id, question, count, source）")
    ] = False,
) -> None:
    """从团队自己的使用记录里学习新的买家说法（搜索后选用的结果、日志里匹配不好的问题）。"""
    from cstool.context import get_state

    from .index import open_index
    from .learn import DEFAULT_MIN_COUNT, apply, choose, gather, require_writable

    state = get_state(ctx)
    kb = state.kb
    if not as_json:
        require_writable(kb)
    index = open_index(kb, pm=state.pm)
    try:
        proposals = gather(state, kb, index)
    finally:
        index.close()
    floor = min_count or DEFAULT_MIN_COUNT
    if as_json:
        from cstool.output import print_json

        print_json([p.as_json() for p in proposals if p.count >= (min_count or 1)])
        return
    if apply_all:
        chosen = [p for p in proposals if p.count >= floor]
    elif sys.stdin.isatty() and proposals:
        chosen = choose(proposals, floor)
    else:
        for p in proposals:
            print(f"{p.count:>4}  {p.id}  ← {p.question}  （{p.source}）")
        print(
            f"共 {len(proposals)} 条建议；用 --apply 加入出现至少 {floor} 次的说法。"
            if proposals
            else "没有新的说法可学。",
            file=sys.stderr,
        )
        return
    added = apply(kb, chosen)
    for p in added:
        print(f"{p.id} ← {p.question}（{p.count} 次，{p.source}）")
    print(f"已加入 {len(added)} 条买家说法。" if added else "没有加入任何说法。", file=sys.stderr)


def add_command(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            help="主题文件（phrases/ 下的文件名，如 ship.yaml；不存在则新建；默认：id 前缀对应的文件）",
        ),
    ] = None,
    topic: Annotated[
        str | None, typer.Option("--topic", help="新建主题文件时的主题名（默认：文件名）")
    ] = None,
    entry_id: Annotated[str | None, typer.Option("--id", help="条目 id，点分小写，如 ship.urgent")] = None,
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

    在终端里缺什么问什么（先问 id，再按 id 前缀推荐主题文件：ship.xxx → ship.yaml）；
    不给 --file 时写进 id 前缀对应的主题文件。没有终端时缺少必填项（--id --title --reply）退出码 2。
    """
    from cstool import prompts
    from cstool.context import get_state

    state = get_state(ctx)
    state.kb.require_writable()  # never into the bundled demo or a folder without kb.yaml
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
        interactive=prompts.interactive(),
    )


def init_command(
    directory: Annotated[
        Path,
        typer.Argument(help="新知识库的文件夹（不存在则创建）", show_default=False, metavar="文件夹"),
    ],
) -> None:
    """新建一个团队知识库（放进 git 仓库用）。

    生成 kb.yaml、phrases/、synonyms.yaml、promos/、pre-commit 配置和说明。

    已有知识库的文件夹不会被覆盖（退出码 2）。
    """
    from cstool.output import info

    from .scaffold import init_kb

    written = init_kb(directory)
    for path in written:
        info(f"已创建 {path}")
    info(f"知识库已建好：{directory}\n下一步：cd {directory} && git init && cstool kb lint")


REQUIRED = (("id", "--id"), ("title", "--title"), ("replies", "--reply"))
NEW_FILE = "＋ 新建主题文件…"


def run_add(kb: Any, *, placeholders: set[str], given: dict[str, Any], interactive: bool) -> None:
    """Collect the values (flags, then prompts on a terminal), validate, and append the entry."""
    from cstool.errors import BadInput
    from cstool.output import info

    from .edit import KnownIds, NewEntry, add_entry, id_problem, resolve_topic_file, suggest_topic_file
    from .lint import check_text, rules_from_settings

    rules = rules_from_settings(kb)
    known_ids = KnownIds(kb)
    values = dict(given)
    # All required values as flags: a scripted call, even from a terminal, is never stopped by a prompt.
    if interactive and any(not values.get(key) for key, _ in REQUIRED):
        values = ask_missing(kb, values, known_ids, sorted(rules.stages), kb.settings.get("stages") or {})
    if not values.get("file") and values.get("id"):  # no --file: the topic file of the id's prefix
        values["file"] = suggest_topic_file(kb, str(values["id"]))
    missing = [flag for key, flag in REQUIRED if not values.get(key)]
    if missing:
        raise BadInput(f"缺少 {'、'.join(missing)}（没有终端，无法逐项提问；用选项给出）")

    entry_id = str(values["id"]).strip()
    if problem := id_problem(entry_id, known_ids):
        raise BadInput(problem)
    title = str(values["title"]).strip()
    replies = _texts(values["replies"])
    if not title:
        raise BadInput("标题不能为空（--title）")
    if not replies:
        raise BadInput("至少要有一条回复（--reply）")
    stage = (values.get("stage") or entry_id.split(".", 1)[0]).strip()
    if rules.stages and stage not in rules.stages:
        raise BadInput(
            f"未知阶段 {stage}（kb.yaml stages 里有：{'、'.join(sorted(rules.stages))}；用 --stage 指定）"
        )
    path = resolve_topic_file(kb, str(values["file"]))
    entry = NewEntry(
        id=entry_id,
        title=title,
        stage=stage,
        replies=replies,
        questions=_texts(values.get("questions")),
        tags=split_tags(values.get("tags")),
        shortcut=str(values.get("shortcut") or "").strip(),
    )
    result = add_entry(path, entry, topic=values.get("topic"))
    info(
        f"已添加 {entry_id} → {display_path(result.path)}:{result.line}"
        + ("（新建的主题文件）" if result.created else "")
    )
    if result.reformatted:
        info("注意：这个文件的排版（缩进等）被统一成标准格式；注释和顺序都保留了")
    for text in replies:
        for p in check_text(text, rules, placeholders):
            info(f"提示：kb lint 会报告 {p.code}：{p.message}")
    if not entry.questions:
        info("提示：没有买家问法（--question），搜索只能靠标题找到它")


def ask_missing(
    kb: Any, values: dict[str, Any], known_ids: Any, stages: list[str], stage_names: Any
) -> dict[str, Any]:
    """Ask (cstool.prompts: Chinese hints, on stderr) for every value the flags did not give."""
    from cstool import prompts

    from .edit import id_problem, resolve_topic_file, suggest_topic_file
    from .kbfiles import phrase_files

    values = dict(values)

    def text(message: str, validate: Any = None, default: str = "") -> str:
        return prompts.text(message, validate=validate, default=default)

    def not_empty(value: str) -> bool | str:
        return bool(value.strip()) or "不能为空"

    def file_ok(value: str) -> bool | str:
        from cstool.errors import BadInput

        try:
            resolve_topic_file(kb, value)
        except BadInput as exc:
            return exc.message
        return True

    if not values.get("id"):  # the id first: its prefix suggests the file
        values["id"] = text("条目 id（如 ship.urgent）：", lambda v: id_problem(v.strip(), known_ids) or True)
    if not values.get("file"):
        suggested = suggest_topic_file(kb, str(values["id"]))
        files = [p.relative_to(kb.phrases_dir).as_posix() for p in phrase_files(kb)]
        choice = NEW_FILE
        if files:
            choice = prompts.select(
                "写进哪个主题文件？",
                [*files, NEW_FILE],
                default=suggested if suggested in files else NEW_FILE,
            )
        if choice == NEW_FILE:
            default = suggested if suggested not in files else ""
            choice = text("新主题文件名（如 ship.yaml）：", file_ok, default=default)
            if not values.get("topic"):
                values["topic"] = text("主题名称：", default=Path(choice).stem) or None
        values["file"] = choice
    if not values.get("title"):
        values["title"] = text("标题：", not_empty)
    if not values.get("stage") and stages:
        prefix = str(values["id"]).split(".", 1)[0]
        choices = [prompts.choice(f"{code}（{stage_names.get(code, code)}）", code) for code in stages]
        stage_default = next((c for c in choices if c.value == prefix), None)
        values["stage"] = prompts.select("聊天阶段：", choices, default=stage_default)
    if not values.get("questions"):
        values["questions"] = ask_list(text, "买家问法（一次一条，直接回车结束）：")
    if not values.get("replies"):
        values["replies"] = ask_list(text, "回复（一次一个变体，直接回车结束）：", at_least_one=True)
    if values.get("tags") is None:
        values["tags"] = split_tags([text("标签（逗号或空格分隔，可留空）：")])
    if values.get("shortcut") is None:
        values["shortcut"] = text("快捷码（可留空）：")
    return values


def ask_list(text: Any, message: str, *, at_least_one: bool = False) -> list[str]:
    items: list[str] = []
    while True:
        first = at_least_one and not items
        value = text(message, (lambda v: bool(v.strip()) or "至少一条") if first else None)
        if not value:
            return items
        items.append(value)


def split_tags(values: Any) -> tuple[str, ...]:
    import re

    words = (w for v in values or () for w in re.split(r"[,，、\s]+", str(v)))
    return tuple(dict.fromkeys(w for w in words if w))


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in values or () if str(v).strip())


def finding_as_dict(problem: Any, root: Path) -> dict[str, Any]:
    return {
        "level": problem.level,
        "code": problem.code,
        "message": problem.message,
        "file": kb_relative(problem.path, root) if problem.path else None,
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


def kb_relative(path: Path | str, root: Path) -> str:
    """A path inside the KB folder as ``phrases/ship.yaml`` (the same on every machine and in git)."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix() or "."
    except (ValueError, OSError):
        return str(path)


def print_findings(problems: list[Any], root: Path, errors: int, warnings: int) -> None:
    from cstool.output import info

    from .lint import LEVELS

    for p in problems:
        where = kb_relative(p.path, root) if p.path else "."
        if p.path and p.line:
            where = f"{where}:{p.line}"
        print(f"{where}: {LEVELS.get(p.level, p.level)} {p.code} {p.message}")
    if problems:
        info(
            f"共 {len(problems)} 个问题：{errors} 个错误，{warnings} 个警告（路径相对于知识库 {display_path(root)}）"
        )
    else:
        info(f"知识库检查通过：{display_path(root)}")
