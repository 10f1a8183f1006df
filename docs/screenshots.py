"""Take the screenshots of every workbench page shown in README.md and docs/web.md.

Run: ``.venv/bin/python docs/screenshots.py`` (needs Debian's chromium). It
fills a throwaway logbook with a week of sample entries, starts ``cstool
serve`` on the bundled KB with a fixed clock, and saves ``docs/web-*.png``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from web_helpers import launch_browser, running_server  # noqa: E402

NOW = "2026-11-11T15:30:00+08:00"
CLEARANCE = """\
# 清仓：毯子活动价 + 满减 + 店铺券，叠加后会低于成本
name: 冬季清仓
start: 2026-11-20T00:00:00
end: 2026-12-01T00:00:00
catalog: ../catalog.csv
rules:
  - {id: ltd-h, type: limited_time_discount, skus: [H], price: 99}
  - {id: mj, type: tiered, basis: amount, tiers: [{at: 199, off: 60}]}
  - {id: cp-20, type: coupon, at: 100, off: 20}
"""


def sample_logbook(env: dict[str, str]) -> None:
    """A week of entries, written through the CLI like an agent would."""
    rows = [
        [
            "inquiry",
            "--buyer",
            "tb_小林",
            "-q",
            "能便宜点吗",
            "--outcome",
            "未成交",
            "--reason",
            "价格",
            "--at",
            "2026-11-09 10:00",
        ],
        [
            "inquiry",
            "--buyer",
            "tb_阿凯",
            "-q",
            "什么时候发货",
            "--outcome",
            "成交",
            "--at",
            "2026-11-09 11:00",
        ],
        ["inquiry", "--buyer", "tb_阿凯2", "-q", "包邮吗", "--outcome", "成交", "--at", "2026-11-10 09:30"],
        [
            "inquiry",
            "--buyer",
            "jd_王女士",
            "-q",
            "能便宜点吗",
            "--outcome",
            "未成交",
            "--reason",
            "比价",
            "--at",
            "2026-11-10 14:00",
        ],
        [
            "inquiry",
            "--buyer",
            "dy_小周",
            "-q",
            "有没有蓝色",
            "--outcome",
            "未成交",
            "--reason",
            "库存/尺码",
            "--at",
            "2026-11-11 09:00",
        ],
        [
            "inquiry",
            "--buyer",
            "tb_老陈",
            "-q",
            "能开发票吗",
            "--outcome",
            "成交",
            "--at",
            "2026-11-11 10:20",
        ],
        [
            "inquiry",
            "--buyer",
            "tb_莉莉",
            "-q",
            "可以送个小礼物吗",
            "--outcome",
            "跟进中",
            "--reason",
            "价格",
            "--followup",
            "2026-11-11",
            "--at",
            "2026-11-11 11:00",
        ],
        [
            "unpaid",
            "--order",
            "3301234567",
            "--buyer",
            "tb_小林",
            "--amount",
            "238.00",
            "--at",
            "2026-11-11 09:00",
        ],
        [
            "unpaid",
            "--order",
            "3301234568",
            "--buyer",
            "jd_王女士",
            "--amount",
            "129.00",
            "--outcome",
            "已付款",
            "--at",
            "2026-11-10 20:00",
        ],
        [
            "unpaid",
            "--order",
            "3301234569",
            "--buyer",
            "dy_小周",
            "--amount",
            "399.00",
            "--outcome",
            "已关闭",
            "--reason",
            "比价",
            "--at",
            "2026-11-09 21:00",
        ],
        [
            "complaint",
            "--buyer",
            "tb_张先生",
            "--order",
            "3301230000",
            "--what",
            "收到的枕头外包装破损，电话 13812345678",
            "--severity",
            "重大",
            "--at",
            "2026-11-11 08:40",
        ],
    ]
    for args in rows:
        subprocess.run(
            [sys.executable, "-m", "cstool", "log", *args], env=env, check=True, capture_output=True
        )


def main() -> None:
    import os

    from playwright.sync_api import sync_playwright

    home = tempfile.mkdtemp(prefix="cstool-shots-")
    env = {**os.environ, "CSTOOL_HOME": home, "CSTOOL_NOW": NOW, "CSTOOL_AGENT": "小暖"}
    Path(home, "config").mkdir(parents=True, exist_ok=True)
    sample_logbook(env)
    out = REPO / "docs"
    with running_server(env=env) as url, sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page.goto(url)
        page.fill("#q", "能便宜点吗")
        page.wait_for_selector("li.result")
        page.keyboard.press("ArrowDown")
        page.screenshot(path=str(out / "web-reception.png"))

        page.goto(url + "log?kind=promise")
        page.fill("#promise-order", "3301234570")
        page.fill("#promise-buyer", "tb_莉莉")
        page.fill("#promise-promise", "送收纳袋一个，发顺丰")
        page.click("form[data-kind=promise] button.primary")
        page.wait_for_selector("#remark-box:not([hidden])")
        page.screenshot(path=str(out / "web-log.png"))

        page.goto(url + "quote?campaign=double11&items=A:2,B:1")
        page.wait_for_selector("#result:not([hidden])")
        page.fill("#product-search", "抱枕")
        page.screenshot(path=str(out / "web-quote.png"), full_page=True)

        page.goto(url + "due")
        page.screenshot(path=str(out / "web-due.png"))

        page.goto(url + "report?kind=week")
        page.screenshot(path=str(out / "web-report.png"), full_page=True)

        browser.close()
    # 活动检查 on a copy of the starter KB with a clearance campaign that sells below cost
    kb = Path(home) / "kb"
    shutil.copytree(REPO / "kb", kb)
    (kb / "promos" / "clearance.yaml").write_text(CLEARANCE, encoding="utf-8")
    with running_server("--kb", str(kb), env=env) as url, sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page.goto(url + "check")
        page.screenshot(path=str(out / "web-check.png"), full_page=True)
        browser.close()
    print("saved docs/web-*.png")


if __name__ == "__main__":
    main()
