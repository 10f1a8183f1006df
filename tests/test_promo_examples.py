"""The worked examples of the promo issue, priced through the engine and the real CLI."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from cstool_promo.allocate import split, split_even
from promo_helpers import cart, load, paid, quote, shares, write_campaign

D = Decimal


# ---------------------------------------------------------------- allocation (优惠分摊)


def test_coupon_of_5_over_79_and_119_splits_1_99_and_3_01(tmp_path):
    camp = load(tmp_path, [{"id": "cp", "type": "coupon", "at": 0, "off": 5}])
    q = quote(camp, "X:1@79.00", "Y:1@119.00")
    assert shares(q, "cp") == ["1.99", "3.01"]
    assert paid(q) == ["77.01", "115.99"]
    assert q.goods_total == D("193.00")


def test_three_lines_of_10_with_10_off_split_3_34_3_33_3_33(tmp_path):
    camp = load(tmp_path, [{"id": "mj", "type": "tiered", "tiers": [{"at": 30, "off": 10}]}])
    q = quote(camp, "X:1@10.00", "Y:1@10.00", "Z:1@10.00")
    assert shares(q, "mj") == ["3.34", "3.33", "3.33"]


def test_four_lines_of_1_with_2_cents_off_split_1_1_0_0(tmp_path):
    camp = load(tmp_path, [{"id": "cp", "type": "coupon", "at": 0, "off": D("0.02")}])
    q = quote(camp, "W:1@1.00", "X:1@1.00", "Y:1@1.00", "Z:1@1.00")
    assert shares(q, "cp") == ["0.01", "0.01", "0.00", "0.00"]


def test_split_functions_directly():
    assert split(D("5.00"), [D("79.00"), D("119.00")]) == [D("1.99"), D("3.01")]
    assert split_even(D("10.00"), 3) == [D("3.34"), D("3.33"), D("3.33")]


def test_every_100_off_10_on_250_takes_20(tmp_path):
    camp = load(tmp_path, [{"id": "mj", "type": "tiered", "repeat": True, "tiers": [{"at": 100, "off": 10}]}])
    q = quote(camp, "X:1@250.00")
    assert q.goods_total == D("230.00")
    assert [(a.rule, a.amount) for a in q.applied] == [("mj", D("20.00"))]
    assert q.next[0].need == D("50.00")


def test_repeat_is_capped(tmp_path):
    rules = [{"id": "mj", "type": "tiered", "repeat": True, "cap": 25, "tiers": [{"at": 100, "off": 10}]}]
    camp = load(tmp_path, rules)
    assert quote(camp, "X:1@999.00").goods_total == D("974.00")
    assert quote(camp, "X:1@999.00").next == []


# ---------------------------------------------------------------- time windows


def test_cart_at_midnight_after_the_campaign_gets_no_campaign_price(tmp_path):
    camp = load(
        tmp_path, [{"id": "ltd", "type": "limited_time_discount", "skus": ["X"], "discount": D("8.5")}]
    )
    assert paid(quote(camp, "X:1@100.00", at="2026-11-11 23:59:59")) == ["85.00"]
    late = quote(camp, "X:1@100.00", at="2026-11-12 00:00")
    assert paid(late) == ["100.00"] and late.applied == []


def test_order_time_in_utc_is_compared_in_the_campaign_zone(tmp_path):
    camp = load(tmp_path, [{"id": "ltd", "type": "limited_time_discount", "skus": ["X"], "price": 50}])
    # 2026-11-10T16:30Z is 00:30 on 11-11 in Shanghai: inside the campaign
    assert paid(quote(camp, "X:1@100.00", at="2026-11-10T16:30:00Z")) == ["50.00"]
    # 2026-11-11T16:30Z is 00:30 on 11-12 in Shanghai: after it, although the UTC date is 11-11
    assert paid(quote(camp, "X:1@100.00", at="2026-11-11T16:30:00+00:00")) == ["100.00"]


def test_stepped_prices_quote_each_step(tmp_path):
    rules = [
        {
            "id": "s1",
            "type": "limited_time_discount",
            "skus": ["D"],
            "price": 299,
            "end": "2026-11-11T02:00:00",
        },
        {
            "id": "s2",
            "type": "limited_time_discount",
            "skus": ["D"],
            "price": 329,
            "start": "2026-11-11T02:00:00",
            "end": "2026-11-11T06:00:00",
        },
        {
            "id": "s3",
            "type": "limited_time_discount",
            "skus": ["D"],
            "price": 359,
            "start": "2026-11-11T06:00:00",
        },
    ]
    camp = load(tmp_path, rules)
    steps = {
        "00:00": "299.00",
        "01:59:59": "299.00",
        "02:00": "329.00",
        "05:59": "329.00",
        "06:00": "359.00",
        "23:59": "359.00",
    }
    for clock, expected in steps.items():
        q = quote(camp, "D:1@399.00", at=f"2026-11-11 {clock}")
        assert paid(q) == [expected], clock
    assert paid(quote(camp, "D:1@399.00", at="2026-11-10 23:59")) == ["399.00"]


# ---------------------------------------------------------------- item level


def test_limited_time_discount_forms_and_limit(tmp_path):
    rules = [
        {
            "id": "zhe",
            "type": "limited_time_discount",
            "skus": ["A"],
            "discount": D("8.5"),
            "limit_per_order": 2,
        },
        {"id": "off", "type": "limited_time_discount", "skus": ["B"], "off": 10},
        {"id": "fixed", "type": "limited_time_discount", "skus": ["C"], "price": D("79.9")},
    ]
    camp = load(tmp_path, rules)
    q = quote(camp, "A:3@99.99", "B:1@30.00", "C:1@100.00")
    # 99.99 x 0.85 = 84.9915 -> 84.99 per unit for two units, the third at list price
    assert paid(q) == [str(D("84.99") * 2 + D("99.99")), "20.00", "79.90"]
    assert q.lines[0].rule == "zhe"


def test_lowest_item_price_wins_when_several_apply(tmp_path):
    rules = [
        {"id": "a", "type": "limited_time_discount", "skus": ["X"], "discount": 9},
        {"id": "b", "type": "limited_time_discount", "skus": ["X"], "price": 80},
    ]
    q = quote(load(tmp_path, rules), "X:1@100.00")
    assert paid(q) == ["80.00"] and q.lines[0].rule == "b"


def test_bundle_price_split_by_list_price_and_chosen_when_cheaper(tmp_path):
    rules = [{"id": "ac", "type": "bundle", "items": {"A": 1, "C": 1}, "price": 159}]
    q = quote(load(tmp_path, rules), "A:1@99.00", "C:1@79.00")
    assert q.bundles == {"ac": 1}
    # 159 over 99:79 -> 88.43 + 70.57
    assert paid(q) == ["88.43", "70.57"]


def test_bundle_not_taken_when_it_would_cost_the_buyer_a_tier(tmp_path):
    # without the bundle: 200 -> 满200减30 = 170; with it: 190, below the threshold
    rules = [
        {"id": "ab", "type": "bundle", "items": {"A": 1, "B": 1}, "price": 190},
        {"id": "mj", "type": "tiered", "tiers": [{"at": 200, "off": 30}]},
    ]
    q = quote(load(tmp_path, rules), "A:1@100.00", "B:1@100.00")
    assert q.bundles == {} and q.total == D("170.00")


def test_bundle_tie_goes_to_fewer_instances_then_earlier_rule(tmp_path):
    rules = [
        {"id": "first", "type": "bundle", "items": {"A": 1, "B": 1}, "price": 150},
        {"id": "second", "type": "bundle", "items": {"A": 1, "B": 1}, "price": 150},
        {"id": "same", "type": "bundle", "items": {"C": 1, "E": 1}, "price": 200},
    ]
    q = quote(load(tmp_path, rules), "A:1@100.00", "B:1@100.00", "C:1@100.00", "E:1@100.00")
    assert q.bundles == {"first": 1}  # 'same' saves nothing: not applied


# ---------------------------------------------------------------- order level, coupon, shipping


def test_contract_campaign_demo_cart(cli):
    result = cli("promo", "quote", "double11", "A:2", "B:1", "--at", "2026-11-11 10:00", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # A 99 x 8.5折 = 84.15 x 2; B 129; 满199减20 on A+B; 满100减10 coupon
    assert data["list_total"] == "327.00"
    assert data["goods_total"] == "267.30" and data["total"] == "267.30" and data["shipping"] == "0.00"
    assert [(a["rule"], a["amount"]) for a in data["applied"]] == [
        ("ltd-a", "29.70"),
        ("mj", "20.00"),
        ("cp-10", "10.00"),
        ("ship", "0.00"),
    ]
    assert [(ln["sku"], ln["qty"], ln["paid"], ln["rule"]) for ln in data["lines"]] == [
        ("A", 2, "151.32", "ltd-a"),
        ("B", 1, "115.98", None),
    ]
    assert data["next"][0]["rule"] == "mj" and data["next"][0]["need"] == "1.70"
    assert data["gifts"] == []


def test_demo_text_is_a_chinese_breakdown_to_paste(cli):
    result = cli("promo", "quote", "double11", "A:2", "B:1", "--at", "2026-11-11 10:00")
    assert result.exit_code == 0
    assert "应付合计  ¥267.30" in result.stdout
    assert "亲，这样拍共 267.30 元（已包邮）" in result.stdout
    assert "再买 1.70 元（乳胶枕、纯棉四件套）可再减 20 元，还送小样哦～" in result.stdout


def test_tier_discount_is_taken_on_what_the_scope_still_owes(tmp_path):
    rules = [
        {"id": "mj", "type": "tiered", "tiers": [{"at": 100, "off": 20}]},
        {"id": "zhe", "type": "tiered", "basis": "quantity", "tiers": [{"at": 2, "discount": 9}]},
    ]
    q = quote(load(tmp_path, rules), "X:2@100.00")
    # 200 - 20 = 180 still owed; 9折 takes 18.00
    assert [(a.rule, a.amount) for a in q.applied] == [("mj", D("20.00")), ("zhe", D("18.00"))]
    assert q.goods_total == D("162.00")


def test_highest_tier_only_and_gift_and_scope(tmp_path):
    rules = [
        {
            "id": "mj",
            "type": "tiered",
            "skus": ["A"],
            "tiers": [{"at": 100, "off": 10}, {"at": 200, "off": 30, "gift": "小样"}],
        }
    ]
    camp = load(tmp_path, rules)
    q = quote(camp, "A:2@100.00", "B:1@500.00")
    assert [(a.rule, a.amount) for a in q.applied] == [("mj", D("30.00"))]
    assert q.gifts == [{"rule": "mj", "gift": "小样"}]
    assert shares(q, "mj") == ["30.00", "0.00"]
    below = quote(camp, "A:1@100.00", "B:1@500.00")
    assert below.next[0].need == D("100.00") and below.next[0].extra == D("20.00")


def test_no_rule_takes_more_than_its_scope_owes(tmp_path):
    rules = [
        {"id": "mj", "type": "tiered", "tiers": [{"at": 1, "off": 50}]},
        {"id": "cp", "type": "coupon", "at": 0, "off": 20},
    ]
    q = quote(load(tmp_path, rules), "X:1@30.00")
    assert q.goods_total == D("0.00")
    assert [(a.rule, a.amount) for a in q.applied] == [("mj", D("30.00"))]


def test_best_coupon_among_those_held_whose_threshold_is_met(tmp_path):
    rules = [
        {"id": "c5", "type": "coupon", "at": 0, "off": 5},
        {"id": "c20", "type": "coupon", "at": 200, "off": 20},
        {"id": "c10", "type": "coupon", "at": 100, "off": 10},
    ]
    camp = load(tmp_path, rules)
    assert [a.rule for a in quote(camp, "X:1@150.00").applied] == ["c10"]
    assert [a.rule for a in quote(camp, "X:1@250.00").applied] == ["c20"]
    from cstool_promo.engine import quote as price

    held = cart(camp, "X:1@250.00")
    held = type(held)(items=held.items, at=held.at, coupons=frozenset({"c5"}))
    assert [a.rule for a in price(camp, held).applied] == ["c5"]


def test_free_shipping_threshold_regions_and_next(tmp_path):
    rules = [{"id": "ship", "type": "free_shipping", "at": 99, "exclude_regions": ["新疆", "西藏"]}]
    camp = load(tmp_path, rules)
    from cstool_promo.engine import quote as price

    def with_fee(*items, region=None):
        c = cart(camp, *items, region=region)
        return price(camp, type(c)(items=c.items, at=c.at, region=region, shipping_fee=D("8.00")))

    assert with_fee("X:1@99.00").total == D("99.00")
    assert with_fee("X:1@99.00", region="新疆乌鲁木齐").total == D("107.00")
    short = with_fee("X:1@90.00")
    assert short.total == D("98.00") and short.next[0].need == D("9.00") and short.next[0].gives == "包邮"


def test_tier_with_free_shipping(tmp_path):
    rules = [{"id": "mj", "type": "tiered", "tiers": [{"at": 100, "off": 5, "free_shipping": True}]}]
    camp = load(tmp_path, rules)
    cart_file = tmp_path / "cart.yaml"
    cart_file.write_text(
        "at: 2026-11-11 10:00\nshipping_fee: 10\nitems:\n  - {sku: X, qty: 1, price: 100}\n", "utf-8"
    )
    from cstool_promo.engine import quote as price
    from cstool_promo.model import load_cart_data, make_cart

    q = price(camp, make_cart(camp, data=load_cart_data(cart_file), path=cart_file))
    assert q.shipping == D("0.00") and q.total == D("95.00")


# ---------------------------------------------------------------- refund


def test_refund_takes_the_last_units_share(tmp_path, cli):
    path = write_campaign(tmp_path, [{"id": "mj", "type": "tiered", "tiers": [{"at": 30, "off": 10}]}])
    cart_file = tmp_path / "order.json"
    cart_file.write_text(
        json.dumps({"at": "2026-11-11 10:00", "items": [{"sku": "X", "qty": 3, "price": "10.00"}]})
    )
    result = cli("promo", "refund", str(path), "--cart", str(cart_file), "--return", "X:1", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # paid 20.00 over 3 units: 6.67, 6.67, 6.66 -> the last unit refunds 6.66
    assert data["refund"] == "6.66" and data["lines"][0]["unit_refunds"] == ["6.66"]
    all_back = cli("promo", "refund", str(path), "--cart", str(cart_file), "--return", "X:3", "--json")
    assert json.loads(all_back.stdout)["refund"] == "20.00"
    text = cli("promo", "refund", str(path), "--cart", str(cart_file), "--return", "X:2")
    assert "应退金额  ¥13.33" in text.stdout


def test_refund_more_than_bought_is_bad_input(tmp_path, cli):
    path = write_campaign(tmp_path, [])
    cart_file = tmp_path / "order.yaml"
    cart_file.write_text("at: 2026-11-11 10:00\nitems:\n  - {sku: X, qty: 1, price: 10}\n", "utf-8")
    result = cli("promo", "refund", str(path), "--cart", str(cart_file), "--return", "X:2")
    assert (
        result.exit_code == 2 and "超过了订单里的件数" in result.stderr and "Traceback" not in result.output
    )


@pytest.mark.parametrize("arg", ["双11大促", "double11"])
def test_campaign_by_name_or_file_stem(cli, arg):
    result = cli("promo", "quote", arg, "A:1", "--at", "2026-11-11 10:00", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["campaign"] == "双11大促"
