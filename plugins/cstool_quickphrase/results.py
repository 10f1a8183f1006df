"""Search results as a person reads them (``cstool search`` and ``search -i`` share it)."""

from __future__ import annotations

from typing import Any


def no_results_hint(text: str) -> str:
    return (
        f"没有找到和“{text}”相关的快捷短语。试试换个说法、短一点的关键词，或拼音首字母（如 bzq = 保质期）。"
    )


def format_results(found: list[Any], stages: dict[str, str]) -> str:
    """Numbered results for a person; each reply on its own lines, ready to copy."""
    blocks = []
    for number, item in enumerate(found, 1):
        hit = item.hit
        variants = len(hit.doc["replies"])
        label = stages.get(hit.stage, hit.stage)
        where = f"{hit.id} · {label}" + (
            f" · 第 {item.variant + 1}/{variants} 种说法" if variants > 1 else ""
        )
        reply = item.reply if item.reply is not None else f"（{item.unavailable}）"
        blocks.append(f"[{number}] {hit.title}（{where}）\n{reply}")
    return "\n\n".join(blocks)
