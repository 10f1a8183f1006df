"""cstool serve in a real browser: Playwright driving Debian's chromium against a running server.

Skipped only when chromium (or the playwright package) is missing on a
developer's machine; in CI (``CI`` or ``CSTOOL_REQUIRE_PG=1``) they must run.
A failing test saves a screenshot (``CSTOOL_SCREENSHOT_DIR``, default
``/tmp/cstool-screenshots``).
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from web_helpers import CHROMIUM, NOW, XSS, cli_json, in_ci, launch_browser, make_team_kb, running_server

pytestmark = pytest.mark.slow

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - a dev extra
    sync_playwright = None

if sync_playwright is None or not Path(CHROMIUM).exists():
    if in_ci():
        raise RuntimeError(f"browser tests must run in CI: need the playwright package and {CHROMIUM}")
    pytest.skip(f"no browser here ({CHROMIUM} or the playwright package is missing)", allow_module_level=True)

SHOTS = Path(os.environ.get("CSTOOL_SCREENSHOT_DIR", "/tmp/cstool-screenshots"))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("web-home")
    kb = make_team_kb(tmp_path_factory.mktemp("web-kb") / "kb")
    values = {"CSTOOL_HOME": str(home), "CSTOOL_KB": str(kb), "CSTOOL_NOW": NOW, "CSTOOL_AGENT": "小暖"}
    for key in ("CSTOOL_DB", "CSTOOL_CONFIG", "CSTOOL_LOAD_PLUGINS", "CSTOOL_DISABLE_PLUGINS"):
        values[key] = ""
    return values


@pytest.fixture(scope="module")
def server(env):
    clean = {k: v for k, v in env.items() if v}
    saved = {k: os.environ.pop(k, None) for k in env if not env[k]}
    try:
        with running_server(env=clean) as url:
            yield url
    finally:
        for key, value in saved.items():
            if value is not None:
                os.environ[key] = value


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = launch_browser(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(locale="zh-CN", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    failed = request.session.testsfailed
    yield page
    if request.session.testsfailed > failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / f"{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
    context.close()


def wait_js(page, expression: str, timeout: float = 15.0):
    """Poll ``expression`` until it is truthy. (``page.wait_for_function`` evals inside the page,
    which the workbench's Content-Security-Policy forbids, as it should.)"""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(50)


def js(value: str) -> str:
    """A Python string as a JavaScript string literal."""
    return json.dumps(value, ensure_ascii=False)


def _cli(env, *args):
    return cli_json(*args, env={k: v for k, v in env.items() if v})


def test_typing_shows_the_same_first_result_as_the_cli(page, server, env):
    expected = _cli(env, "search", "今天能发吗", "--json")
    page.goto(server)
    page.locator("#q").press_sequentially("今天能发吗", delay=20)
    first = page.locator("li.result").first
    first.wait_for()
    wait_js(page, "document.querySelector('li.result .title').textContent === " + js(expected[0]["title"]))
    assert first.get_attribute("data-id") == expected[0]["id"]
    assert first.locator("pre.reply").inner_text() == expected[0]["reply"]


def test_enter_copies_the_selected_reply(page, server):
    page.goto(server)
    page.fill("#chat", "买家甲")
    page.fill("#q", "什么时候发货")
    page.locator('li.result[data-id="ship.when"]').wait_for()
    shown = page.locator("li.result.on pre.reply").inner_text()
    page.press("#q", "Enter")
    wait_js(page, "document.body.getAttribute('data-picked') === 'ship.when'")
    assert page.evaluate("navigator.clipboard.readText()") == shown
    # the same chat gets the other phrasing next time (variant rotation, as in the CLI)
    wait_js(
        page,
        "!document.querySelector('li.result.on pre.reply') || document.querySelector('li.result.on pre.reply').textContent !== "
        + js(shown),
    )
    assert page.locator("li.result.on pre.reply").inner_text() != shown


def test_arrow_down_then_click_copies(page, server):
    page.goto(server)
    page.fill("#q", "能便宜点吗")
    page.locator("li.result").first.wait_for()
    page.press("#q", "ArrowDown")
    assert page.locator("li.result").nth(1).get_attribute("aria-selected") == "true"
    first = page.locator("li.result").first
    reply = first.locator("pre.reply").inner_text()
    first.click()
    wait_js(page, "document.body.hasAttribute('data-picked')")
    assert page.evaluate("navigator.clipboard.readText()") == reply


def test_script_in_a_reply_is_shown_as_text(page, server):
    page.goto(server)
    page.fill("#q", "脚本测试回复")
    reply = page.locator('li.result[data-id="xss.demo"] pre.reply')
    reply.wait_for()
    assert XSS in reply.inner_text()
    assert page.locator("#results script").count() == 0
    page.wait_for_timeout(200)
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_inquiry_form_writes_to_the_logbook(page, server, env):
    page.goto(server + "log")
    page.click("form[data-kind=inquiry] button.primary")  # empty: inline errors, nothing written
    assert (
        page.locator('form[data-kind=inquiry] .field-error[data-for="buyer"]').inner_text() == "请填写旺旺名"
    )
    page.fill("#inquiry-buyer", "tb_浏览器买家")
    page.fill("#inquiry-questions", "能便宜点吗\n包邮吗")
    page.select_option("#inquiry-outcome", "未成交")
    page.select_option("#inquiry-reason", "运费")
    page.click("form[data-kind=inquiry] button.primary")
    wait_js(page, "document.body.hasAttribute('data-saved')")
    saved = int(page.evaluate("document.body.getAttribute('data-saved')"))
    rows = _cli(env, "log", "list", "--buyer", "tb_浏览器买家", "--json")
    assert [r["id"] for r in rows] == [saved]
    assert rows[0]["questions"] == ["能便宜点吗", "包邮吗"] and rows[0]["reason"] == "运费"
    assert rows[0]["agent"] == "小暖"


def test_promise_shows_the_remark_to_copy(page, server):
    page.goto(server + "log?kind=promise")
    page.fill("#promise-order", "3301234570")
    page.fill("#promise-buyer", "tb_莉莉")
    page.fill("#promise-promise", "送收纳袋一个")
    page.click("form[data-kind=promise] button.primary")
    page.locator("#remark-box").wait_for()
    assert page.locator("#remark").inner_text() == "小暖 送收纳袋一个 11.11"
    page.click("#remark-box button")
    wait_js(page, "navigator.clipboard.readText().then(t => t === '小暖 送收纳袋一个 11.11')")


def test_quote_in_the_page_matches_promo_quote(page, server, env):
    page.goto(server + "quote")
    page.select_option("#campaign", "double11")
    page.locator("#products button[data-sku]").first.wait_for()
    page.fill("#product-search", "乳胶枕")
    page.press("#product-search", "Enter")
    page.press("#product-search", "Enter")
    page.fill("#product-search", "四件套")
    page.press("#product-search", "Enter")
    page.fill("#at", "2026-11-11T10:00")
    page.dispatch_event("#at", "change")
    page.uncheck('input[data-coupon="cp-10"]')
    expected = _cli(
        env,
        "promo",
        "quote",
        "double11",
        "A:2",
        "B:1",
        "--at",
        "2026-11-11 10:00",
        "--coupons",
        "cp-3",
        "--json",
    )
    wait_js(page, "document.getElementById('message').textContent === " + js(expected["message"]))
    assert page.locator("#total").inner_text() == f"¥{expected['total']}"
    assert page.locator('input[data-qty="A"]').input_value() == "2"
    page.click("#copy-message")
    wait_js(page, "navigator.clipboard.readText().then(t => t === " + js(expected["message"]) + ")")


def test_report_page_matches_log_report(page, server, env):
    for args in (
        ["inquiry", "--buyer", "报表甲", "-q", "能便宜点吗", "--outcome", "未成交", "--reason", "价格"],
        ["inquiry", "--buyer", "报表乙", "-q", "包邮吗", "--outcome", "成交"],
        ["unpaid", "--order", "88001234", "--buyer", "报表丙", "--amount", "129.50", "--outcome", "已付款"],
        [
            "unpaid",
            "--order",
            "88001235",
            "--buyer",
            "报表丁",
            "--amount",
            "40.00",
            "--outcome",
            "已关闭",
            "--reason",
            "比价",
        ],
    ):
        _cli(env, "log", *args, "--json")
    expected = _cli(env, "log", "report", "--week", "--format", "json")
    page.goto(server + "report?kind=week")

    def figure(name: str) -> str:
        return page.locator(f'[data-figure="{name}"]').inner_text().replace("元", "").replace("%", "").strip()

    assert page.locator("#period").inner_text() == expected["period"]["label"]
    assert int(figure("inquiries.total")) == expected["inquiries"]["total"]
    assert int(figure("inquiries.converted")) == expected["inquiries"]["converted"]
    assert figure("inquiries.conversion") == expected["inquiries"]["conversion"]
    assert Decimal(figure("unpaid.recovered.amount")) == Decimal(expected["unpaid"]["recovered"]["amount"])
    assert Decimal(figure("unpaid.lost.amount")) == Decimal(expected["unpaid"]["lost"]["amount"])
    assert int(figure("complaints.open")) == expected["complaints"]["open"]
    for reason in expected["reasons"]["inquiry"]:
        assert int(page.locator(f'[data-reason="{reason["reason"]}"]').inner_text()) == reason["count"]
    assert page.locator("svg.chart").count() >= 3
