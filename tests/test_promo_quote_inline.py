"""Quotes as agents type them (issue 8 item 5) and limits before work (issue 9 item 6)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from promo_helpers import write_campaign

from cstool.errors import BadInput
from cstool.money import parse_money, parse_quantity

AT = ("--at", "2026-11-11 10:00")
CATALOG = [
    ("P1", "乳胶枕", "99.00", "40.00", "床品", "", "", "枕头|泰国乳胶枕"),
    ("P2", "纯棉四件套", "129.00", "50.00", "床品", "", "", "四件套"),
    ("P3", "记忆棉抱枕", "79.00", "30.00", "家饰", "", "", "抱枕"),
    ("P4", "纯棉毛巾", "19.90", "6.00", "洗浴", "", "", ""),
]
SHIP = {"id": "ship", "type": "free_shipping", "at": 99, "exclude_regions": ["新疆", "西藏"]}
RULES = [
    {"id": "mj", "type": "tiered", "tiers": [{"at": 199, "off": 20}, {"at": 299, "off": 40}]},
    SHIP,
]


def camp(tmp_path, rules=RULES, **top):
    from promo_helpers import catalog_text

    path = write_campaign(tmp_path, rules, None, **top)
    header = "sku,title,price,cost,category,listed_at,delisted_at,aliases\n"
    rows = catalog_text(CATALOG).split("\n", 1)[1]
    (tmp_path / "catalog.csv").write_text(header + rows, encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace("rules:", "catalog: catalog.csv\nrules:", 1)
    path.write_text(text, encoding="utf-8")
    return path


def quote_json(cli, path, *args):
    result = cli("promo", "quote", str(path), *args, *AT, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("item", "sku", "qty"),
    [
        ("P2:1", "P2", 1),
        ("p2:1", "P2", 1),  # SKU code in any case
        ("乳胶枕:2", "P1", 2),  # product title
        ("枕头:2", "P1", 2),  # an alias from the catalog
        ("四件套", "P2", 1),  # no quantity: one
        ("P2：2", "P2", 2),  # the colon a Chinese IME types
        ("P2：２", "P2", 2),  # full-width digits
        ("毛巾:１＠9.90", "P4", 1),  # full-width ＠, part of a title
        ("P1:3@８８", "P1", 3),
    ],
)
def test_items_as_agents_type_them(cli, tmp_path, item, sku, qty):
    data = quote_json(cli, camp(tmp_path), item)
    assert [(ln["sku"], ln["qty"]) for ln in data["lines"]] == [(sku, qty)]


def test_full_width_price_is_the_price(cli, tmp_path):
    data = quote_json(cli, camp(tmp_path), "毛巾:1＠９.90")
    assert data["lines"][0]["list_price"] == "9.90"


@pytest.mark.parametrize(("item", "candidates"), [("纯棉:1", ["P2", "P4"]), ("枕:1", ["P1", "P3"])])
def test_an_ambiguous_name_lists_the_candidates(cli, tmp_path, item, candidates):
    result = cli("promo", "quote", str(camp(tmp_path)), item, *AT)
    assert result.exit_code == 2 and result.stdout == ""
    assert "对应多个商品" in result.stderr
    assert all(sku in result.stderr for sku in candidates)


def test_an_unknown_name_says_so(cli, tmp_path):
    result = cli("promo", "quote", str(camp(tmp_path)), "蚕丝被:1", *AT)
    assert result.exit_code == 2 and "蚕丝被" in result.stderr and "内部错误" not in result.stderr


# ---------------------------------------------------------------- regions and fees


def test_excluded_region_pays_the_given_fee(cli, tmp_path):
    data = quote_json(cli, camp(tmp_path), "P1:2", "--region", "新疆", "--shipping-fee", "12")
    assert data["shipping"] == "12.00" and data["total"] == "210.00"  # 198 (under 满199) + 12
    assert data["free_shipping_rule"] is None and data["shipping_excluded_by"] == "ship"
    assert "含运费 12.00 元" in data["message"] and "新疆不参加包邮" in data["message"]
    assert "包邮" not in "".join(step["gives"] for step in data["next"])


def test_excluded_region_without_a_fee_says_freight_extra_never_zero(cli, tmp_path):
    path = camp(tmp_path)
    result = cli("promo", "quote", str(path), "P1:2", "--region", "新疆乌鲁木齐", *AT)
    assert result.exit_code == 0, result.stderr
    assert "运费另计" in result.stdout and "运费      ¥0.00" not in result.stdout
    message = result.stdout.strip().splitlines()[-1]
    assert "运费另计" in message and "新疆乌鲁木齐不参加包邮" in message and "已包邮" not in message
    data = quote_json(cli, path, "P1:2", "--region", "新疆")
    assert data["shipping"] is None and data["shipping_known"] is False


def test_campaign_default_and_regional_fees(cli, tmp_path):
    path = camp(tmp_path, extra="shipping_fee: 8\nshipping_fees: {新疆: 25}")
    assert quote_json(cli, path, "P4:1")["shipping"] == "8.00"  # under the threshold: the default fee
    assert quote_json(cli, path, "P1:2", "--region", "新疆")["shipping"] == "25.00"
    assert quote_json(cli, path, "P1:2", "--region", "新疆", "--shipping-fee", "30")["shipping"] == "30.00"
    assert quote_json(cli, path, "P1:2", "--region", "上海")["shipping"] == "0.00"  # reached 包邮


def test_a_cart_that_ships_free_is_never_told_to_buy_more_for_free_shipping(cli, tmp_path):
    path = camp(tmp_path)
    result = cli("promo", "quote", str(path), "P4:1", "--shipping-fee", "0", *AT)
    assert result.exit_code == 0 and "就包邮" not in result.stdout
    result = cli("promo", "quote", str(path), "P4:1", "--shipping-fee", "6", *AT)
    assert "再买 79.10 元就包邮" in result.stdout and "含运费 6.00 元" in result.stdout


def test_coupon_option_repeats_and_unknown_coupon_is_refused(cli, tmp_path):
    rules = [
        {"id": "cp-10", "type": "coupon", "at": 100, "off": 10},
        {"id": "cp-3", "type": "coupon", "at": 0, "off": 3},
    ]
    path = camp(tmp_path, rules)
    assert quote_json(cli, path, "P1:2", "--coupon", "cp-3")["total"] == "195.00"
    assert quote_json(cli, path, "P1:2", "--coupon", "cp-3", "--coupon", "cp-10")["total"] == "188.00"
    result = cli("promo", "quote", str(path), "P1:1", "--coupon", "cp-99", *AT)
    assert result.exit_code == 2 and "cp-99" in result.stderr and "cp-10" in result.stderr


# ---------------------------------------------------------------- refusal, --force, negative amounts


BROKEN = [{"id": "mj", "type": "tiered", "tiers": [{"at": 100, "off": 60}, {"at": 200, "off": 0.5}]}]


def test_a_campaign_check_rejects_is_refused(cli, tmp_path):
    path = camp(tmp_path, BROKEN)
    result = cli("promo", "quote", str(path), "P1:1", "P4:1", *AT)
    assert result.exit_code == 1 and result.stdout == ""
    assert "promo check" in result.stderr and "tier-order" in result.stderr and "--force" in result.stderr


def test_force_quotes_with_a_warning_and_never_offers_a_negative_saving(cli, tmp_path):
    path = camp(tmp_path, BROKEN)
    result = cli("promo", "quote", str(path), "P1:1", "P4:1", *AT, "--force")
    assert result.exit_code == 0
    assert "警告" in result.stderr and "--force" in result.stderr
    message = result.stdout.strip().splitlines()[-1]
    assert message.startswith("亲，") and "-" not in message and "再减" not in message
    assert "再减 -" not in result.stdout and "¥-" not in result.stdout
    assert "满200减0.5" not in result.stdout  # a higher tier that takes off less is not offered


def test_a_clean_campaign_quotes_without_a_word(cli, tmp_path):
    result = cli("promo", "quote", str(camp(tmp_path)), "P1:1", *AT)
    stderr = "".join(
        line for line in result.stderr.splitlines(True) if "示例知识库" not in line
    )  # demo-KB notice
    assert result.exit_code == 0 and stderr == ""


# ---------------------------------------------------------------- times in the campaign's zone


def test_a_utc_time_is_shown_in_the_campaigns_zone(cli, tmp_path):
    path = camp(tmp_path)
    result = cli("promo", "quote", str(path), "P1:1", "--at", "2026-11-10T17:00:00Z")
    assert result.exit_code == 0, result.stderr
    assert "下单时间 2026-11-11 01:00" in result.stdout and "2026-11-10 17:00" not in result.stdout
    assert "不在活动时间内" not in result.stdout  # priced inside the campaign
    result = cli("promo", "quote", str(path), "P1:1", "--at", "2026-11-10T17:00:00Z", "--json")
    assert json.loads(result.stdout)["at"] == "2026-11-11T01:00:00+08:00"


# ---------------------------------------------------------------- limits before work


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        ("P1:100000000", "每行最多 9,999 件"),
        ("P1:10000", "每行最多 9,999 件"),
        # any width: the limit applies after width normalisation, before a name is matched or a line priced
        ("P1:１０００００００００", "每行最多 9,999 件"),
        ("P1：１００００", "每行最多 9,999 件"),
        ("乳胶枕:１０００００００００", "每行最多 9,999 件"),
        ("枕头：" + "９" * 30, "每行最多 9,999 件"),
        ("P1:" + "9" * 400, "太长"),
        ("P1:99999999999999999999@1", "每行最多 9,999 件"),
        ("P1:1@1E400", "不能用科学计数法"),
        ("P1:1@1e3", "不能用科学计数法"),
        ("P1:1@1_000", "下划线"),
        ("P1:1@٣", "不是有效金额"),
        ("P1:٣", "应为正整数"),
        ("P1:1@10000000.01", "最多 10,000,000.00 元"),
        ("P1:1@99.999", "最多两位小数"),
        ("P1:0", "应为正整数"),
        ("P1:-1", "应为正整数"),
    ],
)
def test_limits_are_checked_before_any_work(cli, tmp_path, item, needle):
    result = cli("promo", "quote", str(camp(tmp_path)), item, *AT)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert (
        "内部错误" not in result.stderr
        and "Decimal(" not in result.stderr
        and "Traceback" not in result.stderr
    )


@pytest.mark.parametrize("item", ["P1:100000000", "P1:１０００００００００", "乳胶枕：１０００００００００"])
def test_a_huge_quantity_is_refused_by_a_real_process(tmp_path, item):
    path = camp(tmp_path)
    env = {"CSTOOL_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    # a hang guard, not a timing: the refusal comes before any pricing or allocation
    done = subprocess.run(
        [sys.executable, "-m", "cstool", "promo", "quote", str(path), item, *AT],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2 and "9,999" in done.stderr


def test_the_largest_allowed_cart_is_priced(cli, tmp_path):
    data = quote_json(cli, camp(tmp_path), "P1:9999", "P2:9999")
    assert Decimal(data["list_total"]) == Decimal("99.00") * 9999 + Decimal("129.00") * 9999


def test_minus_zero_is_zero(cli, tmp_path):
    data = quote_json(cli, camp(tmp_path), "P1:1@-0")
    assert data["lines"][0]["list_price"] == "0.00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("199", "199.00"),
        ("１２３．５", "123.50"),
        ("-0", "0.00"),
        ("-0.00", "0.00"),
        ("¥1,299.50", "1299.50"),
        ("10000000", "10000000.00"),
        (".5", "0.50"),
        (12, "12.00"),
        (Decimal("79.9"), "79.90"),
    ],
)
def test_money_parser_accepts_plain_notation(text, expected):
    assert str(parse_money(text)) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "1E400",
        "1e3",
        "1_000",
        "٣",
        "١٢",
        "inf",
        "NaN",
        "10000000.01",
        "1" * 5000,
        "1,2",
        "--1",
        "0x10",
        Decimal("1E+3"),
    ],
)
def test_money_parser_refuses_anything_else_in_chinese(bad):
    with pytest.raises(BadInput) as caught:
        parse_money(bad)
    assert "Decimal(" not in caught.value.message and "int" not in caught.value.message


def test_a_huge_integer_is_refused_without_converting_it():
    with pytest.raises(BadInput, match="太大"):
        parse_money(10**5000)


def test_quantity_parser():
    assert parse_quantity("２") == 2 and parse_quantity(9999) == 9999
    for bad in ("10000", "0", "-1", "1.5", "٣", "1e3", True, "9" * 5000):
        with pytest.raises(BadInput):
            parse_quantity(bad)
