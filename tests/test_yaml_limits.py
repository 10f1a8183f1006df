"""Team YAML files are data typed by people: anchors and aliases (the "alias bomb"), files over
2 MB and absurd nesting are refused with ``file:line`` before any work, in every command that
reads them, and nothing is written."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from kb_tools_helpers import snapshot

REPO = Path(__file__).resolve().parent.parent
ALIAS_MESSAGE = "不能用锚点"


def bomb(levels: int = 25, *, as_list: bool = False) -> str:
    """25 nested anchors, each alias list ten times the one before: 10**25 nodes once expanded."""
    rows = ["&a0 [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    if as_list:
        return "".join(f"- {row}\n" for row in rows)
    return "unknown_key:\n" + "".join(f"  a{i}: {row}\n" for i, row in enumerate(rows))


def team_kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(REPO / "kb", root)
    return root


def prepend(path: Path, text: str) -> int:
    """Put ``text`` on top of ``path``; return the 1-based line of the first anchor."""
    old = path.read_text(encoding="utf-8")
    path.write_text(text + old, encoding="utf-8")
    return text[: text.index("&a0")].count("\n") + 1


def run_capped(args: list[str], home: Path, **env: str):
    """``cstool ARGS`` as a process that cannot take more than 1.5 GB (a regression fails, it does not swap)."""

    def cap() -> None:
        limit = 1536 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    full_env = {**os.environ, "CSTOOL_HOME": str(home), **env}
    return subprocess.run(
        [sys.executable, "-m", "cstool", *args],
        capture_output=True,
        text=True,
        env=full_env,
        preexec_fn=cap,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def assert_refused(proc, where: str, words: str = ALIAS_MESSAGE, codes: tuple[int, ...] = (2,)) -> None:
    assert proc.returncode in codes, proc.stderr
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output and "内部错误" not in output, output
    assert where in output, output
    assert words in output, output


LINT = (1, 2)  # a lint finding is exit 1; a kb.yaml it cannot read at all is bad input (2)
# search leaves a broken topic file out with a warning naming file:line (exit 0); a broken kb.yaml is exit 2
SEARCH = (0, 2)

# file (inside the KB), list form, commands that read it (exit code expected)
CASES = {
    "topic-file": (
        "phrases/ship.yaml",
        False,
        [
            (["kb", "lint"], LINT),
            (["search", "发货"], SEARCH),
            (
                ["kb", "add", "--file", "ship.yaml", "--id", "ship.fuzz", "--title", "测试", "--reply", "亲"],
                2,
            ),
        ],
    ),
    "kb.yaml": ("kb.yaml", False, [(["kb", "lint"], LINT), (["search", "发货"], SEARCH)]),
    "synonyms": ("synonyms.yaml", True, [(["kb", "lint"], LINT), (["search", "发货"], SEARCH)]),
    "campaign": ("promos/double11.yaml", False, [(["promo", "quote", "double11", "A:1"], 2)]),
    "logbook.yaml": (
        "logbook.yaml",
        False,
        [
            (
                [
                    "log",
                    "inquiry",
                    "--buyer",
                    "小王",
                    "-q",
                    "包邮吗",
                    "--outcome",
                    "未成交",
                    "--reason",
                    "价格",
                ],
                2,
            )
        ],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_alias_bomb_is_refused_with_file_and_line(tmp_path, isolated_home, case):
    name, as_list, commands = CASES[case]
    root = team_kb(tmp_path)
    line = prepend(root / name, bomb(as_list=as_list))
    before = snapshot(root)
    for args, code in commands:
        proc = run_capped(["--kb", str(root), *args], isolated_home, CSTOOL_DB=str(tmp_path / "log.db"))
        assert_refused(proc, f"{name}:{line}", codes=code if isinstance(code, tuple) else (code,))
        assert snapshot(root) == before


def test_cart_file_with_an_alias_is_refused(tmp_path, cli):
    cart = tmp_path / "cart.yaml"
    cart.write_text(bomb(), encoding="utf-8")
    result = cli("promo", "quote", "double11", "--cart", str(cart))
    assert result.exit_code == 2, result.output
    assert "cart.yaml:2" in result.stderr and ALIAS_MESSAGE in result.stderr


@pytest.mark.parametrize(
    "text, line",
    [
        ("defaults: &d\n  stage: ship\n", 1),  # an anchor alone
        ("base: {stage: ship}\nother:\n  <<: *d\n", 3),  # a merge key
        ("entries:\n  - id: ship.x\n    title: *t\n", 3),  # an undefined alias
    ],
)
def test_anchors_merge_keys_and_aliases_are_refused_in_topic_files(tmp_path, cli, text, line):
    root = team_kb(tmp_path)
    (root / "phrases" / "extra.yaml").write_text(text, encoding="utf-8")
    result = cli("--kb", str(root), "search", "发货")
    assert result.exit_code in SEARCH, result.output
    assert f"extra.yaml:{line}" in result.stderr and ALIAS_MESSAGE in result.stderr


def test_stars_and_ampersands_in_replies_are_still_fine(tmp_path, cli):
    """Stars and ampersands inside text are no anchors or aliases: such files load normally."""
    root = team_kb(tmp_path)
    (root / "phrases" / "extra.yaml").write_text(
        'entries:\n  - id: ship.star\n    title: 星号 *重要* 与 &符号\n    questions: ["*a 和 &b 是啥"]\n'
        "    replies: ['亲，*满2件* 再打 9 折 & 包邮~']\n",
        encoding="utf-8",
    )
    result = cli("--kb", str(root), "search", "星号", "--json")
    assert result.exit_code == 0, result.output
    assert '"ship.star"' in result.stdout


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path, cli):
    from cstool.yamlio import MAX_FILE_BYTES

    root = team_kb(tmp_path)
    big = root / "phrases" / "big.yaml"
    big.write_text("entries: []\n# " + "长" * (MAX_FILE_BYTES // 3) + "\n", encoding="utf-8")
    before = snapshot(root)
    for args in (["search", "发货"], ["kb", "lint"]):
        result = cli("--kb", str(root), *args)
        assert result.exit_code in (0, 1, 2), result.output  # search leaves the file out with a warning
        assert "big.yaml" in result.output and "2 MB" in result.output, result.output
    assert snapshot(root) == before


def test_kb_add_never_grows_a_file_past_the_limit(tmp_path, cli):
    from cstool.yamlio import MAX_FILE_BYTES

    root = team_kb(tmp_path)
    near = root / "phrases" / "near.yaml"
    near.write_text("topic: 大\nentries: []\n# " + "x" * (MAX_FILE_BYTES - 40) + "\n", encoding="utf-8")
    before = snapshot(root)
    result = cli(
        "--kb",
        str(root),
        "kb",
        "add",
        "--file",
        "near.yaml",
        "--id",
        "ship.big",
        "--title",
        "很长的标题",
        "--reply",
        "亲，" + "很长的回复" * 20,
    )
    assert result.exit_code == 2, result.output
    assert "2 MB" in result.stderr
    assert snapshot(root) == before


def test_deep_nesting_is_refused_not_crashed(tmp_path, cli):
    root = team_kb(tmp_path)
    (root / "phrases" / "deep.yaml").write_text("entries: " + "[" * 100_000 + "\n", encoding="utf-8")
    result = cli("--kb", str(root), "search", "发货")
    assert result.exit_code in SEARCH, result.output
    assert "deep.yaml:1" in result.stderr and "嵌套层数太多" in result.stderr


def test_a_fifo_as_a_team_file_is_refused_not_waited_on(tmp_path, cli):
    fifo = tmp_path / "cart.yaml"
    os.mkfifo(fifo)
    result = cli("promo", "quote", "double11", "--cart", str(fifo))
    assert result.exit_code == 2, result.output
    assert "不是普通文件" in result.stderr


def test_the_writer_never_emits_anchors():
    from cstool import yamlio

    shared = ["发货", "寄出"]
    text = yamlio.dumps({"a": shared, "b": shared})
    assert "&" not in text and "*" not in text
    assert yamlio.loads(text) == {"a": shared, "b": shared}
