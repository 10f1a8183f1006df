"""A small team KB on disk for the search tests (the starter KB is tested separately)."""

from __future__ import annotations

from pathlib import Path

KB_YAML = """\
name: 搜索测试店
placeholders:
  shop: 测试旗舰店
  ship_hours: "48"
stages:
  greet: 欢迎
  product: 商品咨询
  bargain: 议价
  promo: 活动优惠
  ship: 物流
  aftersale: 售后
"""

SYNONYMS = """\
groups:
  - 包邮=免运费=免邮
  - [发货, 寄出, 发出]
"""

PHRASES = """\
topic: 测试
entries:
  - id: ship.when
    title: 什么时候发货
    tags: [发货]
    keywords: [发货时间]
    shortcut: fh
    questions: [什么时候发货, 啥时候发, 今天能发吗]
    replies:
      - 亲，{shop} 付款后 {ship_hours} 小时内发货哦~
      - 亲，今天下午四点前付款当天就能发出~
      - 亲，仓库按付款顺序发货，最晚两天内寄出~
  - id: ship.tracking
    title: 查物流
    tags: [物流]
    keywords: [物流信息, 快递单号]
    questions: [到哪了, 怎么还没到, 物流一直不动]
    replies:
      - 亲，我帮您查一下物流，请稍等~
      - 亲，快递单号在订单详情里可以看到哦~
  - id: promo.free_shipping
    title: 包邮吗
    tags: [运费]
    keywords: [包邮, 运费]
    questions: [包邮吗, 运费多少, 偏远地区包邮吗]
    replies:
      - 亲，全场满 99 元包邮哦~
      - 亲，本店默认包邮（偏远地区除外）~
  - id: product.shelf_life
    title: 保质期多久
    keywords: [保质期]
    questions: [保质期多长时间, 能放多久]
    replies: [亲，保质期 12 个月哦~, 亲，生产日期都是最近的，保质期一年~]
  - id: bargain.again
    title: 多次议价
    tags: [议价]
    keywords: [议价, 还价]
    questions: [能便宜点吗, 再便宜一点]
    replies:
      - steps:
          - 亲，我去帮您问问主管，请稍等~
          - wait: 2-3分钟
          - 主管说价格改不了，不过给您申请了一份小礼物~
      - 亲，这已经是活动最低价啦~
  - id: aftersale.damaged
    title: 收到破损
    tags: [售后]
    keywords: [破损, 少件, 错发]
    questions: [东西坏了, 收到的是碎的, 少发了一件]
    replies:
      - 亲，非常抱歉！麻烦拍一下破损的照片，我马上为您处理~
      - 亲，给您添麻烦了，请发一下外包装和商品的照片，我们补发或退款~
"""


def make_search_kb(root: Path, phrases: str = PHRASES, synonyms: str | None = SYNONYMS) -> Path:
    (root / "phrases").mkdir(parents=True, exist_ok=True)
    (root / "kb.yaml").write_text(KB_YAML, encoding="utf-8")
    (root / "phrases" / "main.yaml").write_text(phrases, encoding="utf-8")
    if synonyms is not None:
        (root / "synonyms.yaml").write_text(synonyms, encoding="utf-8")
    return root
