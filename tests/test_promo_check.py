"""``promo check``: every finding code, exit codes 0/1/2, limits from data, below-cost witnesses."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from promo_helpers import write_campaign

CATALOG = [
    ("A", "乳胶枕", "99.00", "42.00", "床品", "2026-03-01"),
    ("B", "四件套", "129.00", "58.00", "床品", "2026-03-01"),
    ("C", "抱枕", "79.00", "31.00", "家饰", "2026-05-10"),
    ("N", "新品", "59.00", "20.00", "家饰", "2026-11-11 08:00"),
    ("L", "下架品", "39.00", "10.00", "家饰", "2026-01-01", "2026-11-11 12:00"),
]


def check(cli, tmp_path, rules, *args, catalog=CATALOG, **top):
    path = write_campaign(tmp_path, rules, catalog, **top)
    result = cli("promo", "check", str(path), "--json", *args)
    assert "Traceback" not in result.output
    data = json.loads(result.stdout) if result.stdout else None
    return result, data


def codes(data):
    return sorted((f["code"], f["level"], f["rule"]) for f in data["findings"])


def test_clean_campaign_passes(cli, tmp_path):
    rules = [{"id": "mj", "type": "tiered", "tiers": [{"at": 199, "off": 20}]}]
    result, data = check(cli, tmp_path, rules)
    assert result.exit_code == 0 and data == {"findings": []}


def test_starter_campaigns_pass(cli):
    for args in (("double11", "--aov", "166"), ("anniversary",)):
        result = cli("promo", "check", *args)
        assert result.exit_code == 0, result.output
        assert "通过" in result.stdout


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ({"id": "r", "type": "limited_time_discount", "skus": ["A"], "discount": "0.05"}, "ltd-rate"),
        ({"id": "r", "type": "limited_time_discount", "skus": ["A"], "discount": 10}, "ltd-rate"),
        ({"id": "r", "type": "limited_time_discount", "skus": ["A"], "off": "98.50"}, "ltd-min-price"),
        ({"id": "r", "type": "limited_time_discount", "skus": ["A"], "price": "0.99"}, "ltd-min-price"),
        ({"id": "r", "type": "bundle", "items": {"A": 2}, "price": 150}, "bundle-size"),
        ({"id": "r", "type": "bundle", "items": {"A": 1, "C": 1}, "price": 178}, "bundle-price"),
        (
            {"id": "r", "type": "tiered", "tiers": [{"at": 299, "off": 40}, {"at": 199, "off": 20}]},
            "tier-order",
        ),
        (
            {"id": "r", "type": "tiered", "tiers": [{"at": 199, "off": 20}, {"at": 299, "off": 20}]},
            "tier-order",
        ),
        ({"id": "r", "type": "tiered", "tiers": [{"at": 20, "off": 20}]}, "tier-order"),
        ({"id": "r", "type": "coupon", "at": 10, "off": 10}, "coupon-value"),
        ({"id": "r", "type": "coupon", "at": 0, "off": 3, "start": "2026-11-10T00:00:00"}, "window"),
        (
            {
                "id": "r",
                "type": "coupon",
                "at": 0,
                "off": 3,
                "start": "2026-11-11T05:00:00",
                "end": "2026-11-11T05:00:00",
            },
            "window",
        ),
        ({"id": "r", "type": "limited_time_discount", "skus": ["N"], "discount": 9}, "listing-window"),
        ({"id": "r", "type": "limited_time_discount", "skus": ["L"], "discount": 9}, "listing-window"),
        ({"id": "r", "type": "limited_time_discount", "skus": ["Q"], "discount": 9}, "unknown-sku"),
    ],
)
def test_each_error_code(cli, tmp_path, rule, code):
    result, data = check(cli, tmp_path, [rule])
    assert result.exit_code == 1
    assert (code, "error", "r") in codes(data)
    assert all(f["message"] for f in data["findings"])


def test_overlap_and_stepped_prices(cli, tmp_path):
    step1 = {
        "id": "s1",
        "type": "limited_time_discount",
        "skus": ["A"],
        "price": 80,
        "end": "2026-11-11T02:00:00",
    }
    step2 = {
        "id": "s2",
        "type": "limited_time_discount",
        "skus": ["A"],
        "price": 90,
        "start": "2026-11-11T02:00:00",
    }
    result, data = check(cli, tmp_path, [step1, step2])
    assert result.exit_code == 0 and data["findings"] == []
    clash = {**step2, "start": "2026-11-11T01:00:00"}
    result, data = check(cli, tmp_path, [step1, clash])
    assert result.exit_code == 1 and ("overlap", "error", "s2") in codes(data)


def test_bundle_count_limit_comes_from_the_limits_file(cli, tmp_path):
    bundles = [{"id": f"b{i}", "type": "bundle", "items": {"A": 1, "C": 1}, "price": 170} for i in range(51)]
    result, data = check(cli, tmp_path, bundles)
    assert ("bundle-count", "error", None) in codes(data)
    # a team KB may set its own limits (verified or not): 60 bundles are fine there
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "kb.yaml").write_text("name: x\n", encoding="utf-8")
    from cstool.kb import bundled_kb_path

    text = (bundled_kb_path() / "promo-limits.yaml").read_text(encoding="utf-8")
    (kb / "promo-limits.yaml").write_text(text.replace("value: 50", "value: 60"), encoding="utf-8")
    path = tmp_path / "camp.yaml"
    again = cli("--kb", str(kb), "promo", "check", str(path), "--json")
    assert "bundle-count" not in again.stdout


def test_warnings_fail_only_with_strict(cli, tmp_path):
    rules = [
        {
            "id": "mj",
            "type": "tiered",
            "tiers": [
                {"at": 99, "off": 5},
                {"at": 199, "off": 20},
                {"at": 299, "off": 40},
                {"at": 399, "off": 60},
            ],
        }
    ]
    result, data = check(cli, tmp_path, rules, "--aov", "100")
    assert result.exit_code == 0
    assert codes(data) == [("tier-aov", "warning", "mj"), ("tier-count", "warning", "mj")]
    strict, _ = check(cli, tmp_path, rules, "--aov", "100", "--strict")
    assert strict.exit_code == 1


def test_coupon_face_value_warning(cli, tmp_path):
    result, data = check(cli, tmp_path, [{"id": "c", "type": "coupon", "at": 100, "off": 7}])
    assert result.exit_code == 0 and codes(data) == [("coupon-value", "warning", "c")]


def test_unreadable_campaign_is_exit_2(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: [\n", encoding="utf-8")
    result = cli("promo", "check", str(path))
    assert result.exit_code == 2 and "YAML 格式错误" in result.stderr


def test_below_cost_with_a_witness_that_quote_reproduces(cli, tmp_path):
    # A costs 42; 7折 limited price 69.30, then 满100减40 with one more cheap item, then a 20 coupon
    catalog = [
        ("A", "乳胶枕", "99.00", "42.00"),
        ("E", "毛巾", "19.90", "6.50"),
        ("B", "四件套", "129.00", "58.00"),
    ]
    rules = [
        {"id": "ltd", "type": "limited_time_discount", "skus": ["A"], "discount": 7},
        {"id": "mj", "type": "tiered", "tiers": [{"at": 100, "off": 40}]},
        {"id": "cp", "type": "coupon", "at": 0, "off": 20},
    ]
    result, data = check(cli, tmp_path, rules, catalog=catalog)
    assert result.exit_code == 1
    below = [f for f in data["findings"] if f["code"] == "below-cost"]
    assert below and {f["sku"] for f in below} >= {"A"}
    finding = next(f for f in below if f["sku"] == "A")
    assert Decimal(finding["unit_price"]) < Decimal("42.00")
    witness = finding["witness"]
    cart = tmp_path / "witness.json"
    cart.write_text(
        json.dumps({"at": witness["at"], "coupons": witness["coupons"], "items": witness["items"]}),
        encoding="utf-8",
    )
    quoted = cli("promo", "quote", str(tmp_path / "camp.yaml"), "--cart", str(cart), "--json", "--force")
    assert quoted.exit_code == 0, quoted.stderr
    line = next(ln for ln in json.loads(quoted.stdout)["lines"] if ln["sku"] == "A")
    cheapest_unit = (Decimal(line["paid"]) * 100 // line["qty"]) / 100
    assert cheapest_unit == Decimal(finding["unit_price"])
    text = cli("promo", "check", str(tmp_path / "camp.yaml"))
    assert "低于成本 42.00 元" in text.stdout and "复现：cstool promo quote" in text.stdout


def test_suggest_tiers(cli):
    growth = cli("promo", "suggest", "--aov", "166")
    assert growth.exit_code == 0
    assert "{at: 199, off: 15}" in growth.stdout and "type: tiered" in growth.stdout
    data = json.loads(cli("promo", "suggest", "--aov", "166", "--stage", "mature", "--json").stdout)
    ats = [float(t["at"]) for t in data["tiers"]]
    offs = [float(t["off"]) for t in data["tiers"]]
    assert len(ats) == 3 and 166 * 1.1 <= ats[0] <= 166 * 1.3
    assert ats == sorted(ats) and offs == sorted(offs)
    assert [o / a for o, a in zip(offs, ats, strict=True)] == sorted(
        o / a for o, a in zip(offs, ats, strict=True)
    )
    bad = cli("promo", "suggest", "--aov", "166", "--stage", "old")
    assert bad.exit_code == 2
