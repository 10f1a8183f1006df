"""Small team KBs on disk for the kb lint/add/init tests."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

KB_YAML = """\
# 测试用知识库设置
name: 测试店
placeholders:
  shop: 测试旗舰店
  agent: 小测
  courier: 中通快递
stages:
  greet: 欢迎
  product: 商品咨询
  promo: 活动优惠
  pay: 支付
  ship: 物流
  aftersale: 售后
  close: 欢送
lint:
  max_reply_length: 60
  banned_words: [不知道, 你自己看]
  bare_negatives: [不能, 没有, 不可以, 不行]
"""

CLEAN_TOPIC = """\
# 物流相关的快捷短语
topic: 物流
entries:
  - id: ship.when
    title: 什么时候发货
    stage: ship
    tags: [发货]
    shortcut: fh
    questions:
      - 什么时候发货
      - 啥时候发
    replies:
      - 亲，{shop} 付款后 48 小时内发货哦~
      - 亲，今天下午四点前付款当天就能发出，请放心~
  - id: ship.courier
    title: 发什么快递
    questions: [发什么快递]
    replies:
      - 默认发 {courier}，需要其他快递可以联系 {agent} 帮您备注~
"""


def make_kb(root: Path, files: dict[str, str] | None = None, *, settings: str | None = KB_YAML) -> Path:
    """Write a KB: ``kb.yaml`` plus ``files`` (paths relative to the KB, e.g. ``phrases/ship.yaml``)."""
    root.mkdir(parents=True, exist_ok=True)
    if settings is not None:
        (root / "kb.yaml").write_text(settings, encoding="utf-8")
    if files is None:
        files = {"phrases/ship.yaml": CLEAN_TOPIC}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``root`` with its content hash and mtime: to prove nothing changed."""
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
