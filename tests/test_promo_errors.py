"""Bad input: one Chinese line naming the file, line, rule id and field; exit 2; no traceback."""

from __future__ import annotations

import pytest
from promo_helpers import write_campaign

GOOD = [{"id": "ltd-a", "type": "limited_time_discount", "skus": ["A"], "discount": 9}]
CATALOG = [("A", "乳胶枕", "99.00", "40.00")]


def run_bad(cli, path, *args):
    result = cli("promo", "quote", str(path), *(args or ("A:1",)), "--at", "2026-11-11 10:00")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    stderr = "".join(
        line for line in result.stderr.splitlines(True) if "示例知识库" not in line
    )  # demo-KB notice
    assert stderr.startswith("错误：") and len(stderr.strip().splitlines()) == 1
    return stderr


@pytest.mark.parametrize(
    ("rule", "needle"),
    [
        ({"id": "x1", "type": "second_half"}, "规则 x1 的字段 type：未知的规则类型 'second_half'"),
        ({"id": "x2", "type": "coupon", "off": 5, "of": 3}, "规则 x2 的字段 of：未知字段 of"),
        (
            {"id": "x3", "type": "limited_time_discount", "skus": ["A"], "price": "-5"},
            "规则 x3 的字段 price：price 不能为负数",
        ),
        ({"id": "x4", "type": "coupon", "at": 100, "off": "10.005"}, "规则 x4 的字段 off：off 最多两位小数"),
        (
            {"id": "x5", "type": "coupon", "off": 5, "start": "2026-13-45 99:00"},
            "规则 x5 的字段 start：格式不对",
        ),
        (
            {"id": "x6", "type": "tiered", "tiers": [{"at": 100, "off": 10, "gift": "小样", "giift": 1}]},
            "规则 x6 的字段 tiers[1].giift：未知字段",
        ),
        (
            {"id": "x7", "type": "limited_time_discount", "skus": ["A"], "discount": 9, "off": 5},
            "规则 x7：discount（折）、off",
        ),
        (
            {"id": "x8", "type": "bundle", "items": {"A": 0}, "price": 10},
            "规则 x8 的字段 items：A 的件数应为正整数",
        ),
    ],
)
def test_bad_rule_names_file_line_rule_and_field(tmp_path, cli, rule, needle):
    path = write_campaign(tmp_path, [*GOOD, rule], CATALOG)
    message = run_bad(cli, path)
    assert f"{path}:" in message
    assert needle in message
    # the rule is the second one in the file: line 6 (name, start, end, catalog, rules:, first rule)
    assert f"{path}:7:" in message or "tiers" in needle


def test_three_decimals_in_a_rule_field_is_rejected_not_rounded(tmp_path, cli):
    path = write_campaign(tmp_path, [{"id": "cp", "type": "coupon", "at": 100, "off": "9.999"}], CATALOG)
    assert "最多两位小数" in run_bad(cli, path)


def test_binary_float_in_yaml_is_read_exactly(tmp_path, cli):
    # 8.5 written in YAML reaches the engine as Decimal('8.5'), never 8.4999…
    path = write_campaign(
        tmp_path, [{"id": "z", "type": "limited_time_discount", "skus": ["A"], "discount": "0.3"}], CATALOG
    )
    result = cli("promo", "quote", str(path), "A:1@10.05", "--at", "2026-11-11 10:00", "--json", "--force")
    assert '"paid": "0.30"' in result.stdout  # 10.05 x 0.03 = 0.3015 -> 0.30


@pytest.mark.parametrize(
    ("items", "needle"),
    [
        (("Z:1",), "商品 Z 没有单价，商品表里没有它"),
        (("A:0",), "商品 A 的件数应为正整数"),
        (("A:1@-3",), "不能为负数"),
        (("A:1@9.999",), "最多两位小数"),
        (("A:x",), "件数应为正整数"),
    ],
)
def test_bad_inline_items(tmp_path, cli, items, needle):
    path = write_campaign(tmp_path, GOOD, CATALOG)
    assert needle in run_bad(cli, path, *items)


def test_bad_order_time(tmp_path, cli):
    path = write_campaign(tmp_path, GOOD, CATALOG)
    result = cli("promo", "quote", str(path), "A:1", "--at", "明天上午")
    assert result.exit_code == 2 and "格式不对" in result.stderr


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("at: 2026-11-11 10:00\nitems:\n  - {sku: A, qty: 0}\n", 3, "件数应为正整数"),
        ("at: 2026-11-11 10:00\nitems:\n  - {sku: A, qty: 1}\n  - {sku: Q, qty: 1}\n", 4, "商品 Q 没有单价"),
        ("at: 2026-11-11 10:00\nitems:\n  - {sku: A, qty: 1, price: 1.234}\n", 3, "最多两位小数"),
        ("at: 2026-11-11 10:00\nshiping_fee: 5\nitems: []\n", 2, "未知字段 shiping_fee"),
        ("at: 11/11 十点\nitems:\n  - {sku: A}\n", 1, "购物车 的字段 at"),
        ("items: [\n", 2, "YAML 格式错误"),
    ],
)
def test_bad_cart_file_names_file_and_line(tmp_path, cli, text, line, needle):
    path = write_campaign(tmp_path, GOOD, CATALOG)
    cart = tmp_path / "cart.yaml"
    cart.write_text(text, encoding="utf-8")
    result = cli("promo", "quote", str(path), "--cart", str(cart))
    assert result.exit_code == 2, result.output
    assert f"{cart}:{line}" in result.stderr and needle in result.stderr


def test_unknown_campaign_lists_the_known_ones(cli):
    result = cli("promo", "quote", "no-such-sale", "A:1")
    assert result.exit_code == 2 and "找不到活动" in result.stderr and "double11" in result.stderr


def test_bad_catalog_row(tmp_path, cli):
    path = write_campaign(tmp_path, GOOD, [("A", "乳胶枕", "99.00", "40.00"), ("B", "四件套", "12.345", "")])
    message = run_bad(cli, path)
    assert f"{tmp_path / 'catalog.csv'}:3" in message and "最多两位小数" in message


def test_campaign_file_that_is_not_yaml(tmp_path, cli):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nrules: [\n", encoding="utf-8")
    assert "YAML 格式错误" in run_bad(cli, path)
