"""Interactive mode: one prompt for a whole shift, the index stays open.

Type words and press Enter to search; type a result's number to copy it;
``q`` or Ctrl-D to leave. While typing, the bottom bar already shows the
best matches for what is on the line (a search per keystroke, no process
start-up).
"""

from __future__ import annotations

import sys
from typing import Any

HELP = "输入买家的话、关键词或拼音后回车搜索；输入序号复制该条回复；q 退出。"


def run_interactive(
    session: Any, *, first_query: str = "", limit: int = 5, stage: str | None = None, tag: str | None = None
) -> None:
    from prompt_toolkit import PromptSession

    from cstool.gcpace import pace_for_long_run

    from .results import format_results, no_results_hint

    pace_for_long_run()  # a whole shift in one process

    def find(text: str) -> list[Any]:
        return session.find(text, limit=limit, stage=stage, tag=tag)

    def toolbar() -> str:
        text = prompt.default_buffer.text.strip()
        if not text or text.isdigit() or text.lower() == "q":
            return HELP
        try:
            hits = find(text)[:3]
        except Exception:  # a bad --stage is reported on Enter, not in the bar
            return HELP
        return "  ".join(f"{f.hit.title}" for f in hits) or "没有找到"

    prompt: Any = PromptSession(bottom_toolbar=toolbar)
    print(HELP, file=sys.stderr)
    results: list[Any] = []
    pending = first_query
    while True:
        if pending:
            line, pending = pending, ""
        else:
            try:
                line = prompt.prompt("搜索> ").strip()
            except EOFError:  # Ctrl-D ends the session; Ctrl-C goes to the CLI's cancel path (exit 130)
                break
        if not line:
            continue
        if line.lower() in {"q", "quit", "exit", "退出"}:
            break
        if line.isdigit() and results:
            number = int(line)
            if 1 <= number <= len(results):
                chosen = results[number - 1]
                if chosen.reply is None:
                    print(f"「{chosen.hit.title}」现在不能用：{chosen.unavailable}", flush=True)
                    continue
                note = session.pick(chosen)
                print(note or f"已复制第 {number} 条：{chosen.hit.title}", flush=True)
                results = []
                continue
        results = find(line)
        if results:
            print(format_results(results, session.stages), flush=True)
        else:
            print(no_results_hint(line), flush=True)
