"""KB tools benchmarks: ``kb lint`` on a generated 1,000-entry KB, ``kb add`` into a 100-entry file.

Run: ``python bench/bench_kb_tools.py`` (or ``make bench``). Prints a Markdown table.
In-process lint is shown beside the bare ``load_phrasebook`` parse it is built on, so the cost
of the lint rules themselves is visible; cold commands beside ``python -c pass`` and a typer
hello-world measured in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CSTOOL, PY, baselines, median_ms, time_call, time_process  # noqa: E402

ENTRIES = 1000
PER_FILE = 100
RUNS = 5
KB_YAML = """\
name: bench
placeholders: {shop: 测试店, agent: 小测, courier: 中通快递}
stages: {ship: 物流}
lint: {max_reply_length: 200, banned_words: [不知道], bare_negatives: [不能, 没有, 不可以, 不行]}
"""


def make_kb(root: Path) -> None:
    (root / "phrases").mkdir(parents=True)
    (root / "kb.yaml").write_text(KB_YAML, encoding="utf-8")
    for f in range(ENTRIES // PER_FILE):
        lines = [f"# 主题 {f}", f"topic: 主题{f}", "entries:"]
        for i in range(PER_FILE):
            lines += [
                f"  - id: ship.e{f}_{i}",
                f"    title: 发货问题 {f}-{i}",
                "    tags: [发货]",
                "    questions:",
                f"      - 什么时候发货 {f}-{i}",
                f"      - 啥时候能到 {f}-{i}",
                "    replies:",
                f"      - 亲，{{shop}} 付款后 48 小时内发货哦，默认发 {{courier}}~ ({i})",
                "      - steps:",
                "          - 亲，我帮您催一下仓库~",
                "          - wait: 2-3分钟",
                f"          - 仓库说今天就能发出，请您放心~ ({i})",
            ]
        (root / "phrases" / f"t{f:02d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    from cstool_quickphrase.lint import lint_kb
    from cstool_quickphrase.model import load_phrasebook

    from cstool.kb import KnowledgeBase

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kb"
        make_kb(root)
        env = {**os.environ, "CSTOOL_HOME": str(Path(tmp) / "home")}
        base = baselines(RUNS)
        names = {"shop", "agent", "courier"}
        parse = time_call(lambda: load_phrasebook(KnowledgeBase(root), strict=False), RUNS)
        lint = time_call(lambda: lint_kb(KnowledgeBase(root), names), RUNS)
        assert lint_kb(KnowledgeBase(root), names) == []
        cold_lint = time_process([*CSTOOL, "--kb", str(root), "kb", "lint"], RUNS, env)
        adds = []
        for n in range(RUNS):
            argv = [
                PY,
                "-m",
                "cstool",
                "--kb",
                str(root),
                "kb",
                "add",
                "--file",
                "t00",
                "--id",
                f"ship.new{n}",
                "--title",
                "新条目",
                "--question",
                "新问题",
                "--reply",
                "亲，新回复~",
            ]
            start = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, env=env, check=False)
            adds.append(time.perf_counter() - start)
            assert done.returncode == 0, done.stderr
    print(f"## KB tools ({ENTRIES} entries in {ENTRIES // PER_FILE} files; median of {RUNS} runs)\n")
    print("| measurement | median ms |")
    print("|---|---:|")
    for name, value in base.items():
        print(f"| baseline: {name} | {value:.0f} |")
    print(f"| load_phrasebook (the YAML parse lint starts from), in-process | {median_ms(parse):.0f} |")
    print(f"| lint_kb (parse + all rules), in-process | {median_ms(lint):.0f} |")
    print(f"| `cstool kb lint`, new process | {median_ms(cold_lint):.0f} |")
    print(f"| `cstool kb add` (scans the KB for duplicate ids), new process | {median_ms(adds):.0f} |")


if __name__ == "__main__":
    main()
