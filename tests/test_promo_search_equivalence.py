"""The faster below-cost search finds exactly what the old one found (issue 12).

``promo_reference`` is the search as it was before the speed-up; on generated
campaigns of several shapes over catalogs large enough to take the bounded
(large-catalog) path, both must return the same SKUs, the same lowest unit
price and the same witness cart, with and without ``only_below_cost``, and the
same rule text for the finding.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import promo_reference as reference
from cstool_promo import below_cost
from cstool_promo.fields import Fields
from cstool_promo.model import Campaign, Product
from cstool_promo.rules import BUILTIN_TYPES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 11, tzinfo=TZ)
END = datetime(2026, 11, 12, tzinfo=TZ)
CENT = Decimal("0.01")
CATEGORIES = ["床品", "家饰", "洗浴"]


def build_rule(data: dict):
    cls = BUILTIN_TYPES[data["type"]]
    rule = cls()
    rule.id, rule.type, rule.path, rule.line = data["id"], data["type"], "<test>", None
    rule.start, rule.end = data.pop("start", START), data.pop("end", END)
    body = {k: v for k, v in data.items() if k not in ("id", "type")}
    f = Fields(body, path="<test>", what=f"规则 {data['id']}", tz=TZ)
    rule.read(f)
    f.finish()
    return rule


money = st.integers(min_value=100, max_value=40000).map(lambda c: (Decimal(c) / 100).quantize(CENT))
off = st.integers(min_value=1, max_value=6000).map(lambda c: (Decimal(c) / 100).quantize(CENT))


@st.composite
def campaigns(draw, shape: str):
    size = draw(st.integers(9, 13))
    skus = [f"S{i}" for i in range(size)]
    catalog = {}
    for sku in skus:
        price = draw(money)
        cost = (price * draw(st.integers(20, 95)) / 100).quantize(CENT)
        catalog[sku] = Product(sku, sku, price, cost, draw(st.sampled_from(CATEGORIES)))
    rules: list[dict] = []
    n = 0

    def rid() -> str:
        nonlocal n
        n += 1
        return f"r{n}"

    def some(k: int) -> list[str]:
        return draw(st.lists(st.sampled_from(skus), min_size=1, max_size=k, unique=True))

    def tiers(basis: str = "amount") -> list[dict]:
        ats = sorted(
            set(draw(st.lists(st.integers(1, 4) if basis == "quantity" else money, min_size=1, max_size=3)))
        )
        out = []
        for at in ats:
            if draw(st.booleans()):
                out.append({"at": at, "off": draw(off)})
            else:
                out.append({"at": at, "discount": Decimal(draw(st.integers(50, 99))) / 10})
        return out

    def scope() -> dict:
        kind = draw(st.sampled_from(["all", "skus", "categories"]))
        if kind == "skus":
            return {"skus": some(size)}
        if kind == "categories":
            return {
                "categories": draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2, unique=True))
            }
        return {}

    counts = {
        "item-rules": (4, 1, 2, 2),
        "wide-scopes": (1, 0, 4, 1),
        "bundles": (1, 4, 1, 1),
        "coupons": (1, 0, 1, 5),
    }[shape]
    for _ in range(draw(st.integers(0, counts[0]))):
        form = draw(st.sampled_from(["discount", "off", "price"]))
        value = Decimal(draw(st.integers(10, 99))) / 10 if form == "discount" else draw(off)
        rule = {"id": rid(), "type": "limited_time_discount", "skus": some(3), form: value}
        if draw(st.booleans()):
            rule["limit_per_order"] = draw(st.integers(1, 2))
        rules.append(rule)
    for _ in range(draw(st.integers(0, counts[1]))):
        a, b = draw(st.lists(st.sampled_from(skus), min_size=2, max_size=2, unique=True))
        parts = catalog[a].price + catalog[b].price
        rules.append(
            {
                "id": rid(),
                "type": "bundle",
                "items": {a: 1, b: 1},
                "price": (parts * draw(st.integers(50, 105)) / 100).quantize(CENT),
            }
        )
    for _ in range(draw(st.integers(0, counts[2]))):
        basis = draw(st.sampled_from(["amount", "amount", "quantity"]))
        rule = {"id": rid(), "type": "tiered", "basis": basis, **scope()}
        if basis == "amount" and draw(st.integers(0, 3)) == 0:
            rule.update(repeat=True, tiers=[{"at": draw(money), "off": draw(off)}])
            if draw(st.booleans()):
                rule["cap"] = draw(off)
        else:
            rule["tiers"] = tiers(basis)
        rules.append(rule)
    for _ in range(draw(st.integers(0, counts[3]))):
        at = draw(st.sampled_from([Decimal(0), Decimal(50), Decimal(100), Decimal(300)]))
        rules.append({"id": rid(), "type": "coupon", "at": at, "off": draw(off), **scope()})
    if draw(st.booleans()):
        rules.append(
            {
                "id": rid(),
                "type": "limited_time_discount",
                "skus": some(2),
                "discount": Decimal("5"),
                "start": START,
                "end": datetime(2026, 11, 11, 2, tzinfo=TZ),
            }
        )
    draw(st.randoms()).shuffle(rules)
    built = [build_rule(dict(r)) for r in rules]
    return Campaign(name="t", tz=TZ, start=START, end=END, rules=built, catalog=catalog)


def summary(found: dict) -> dict:
    return {
        sku: (
            w.unit_price,
            w.line_paid,
            w.line_qty,
            w.cart.at,
            w.cart.coupons,
            tuple((ln.sku, ln.qty, ln.price) for ln in w.cart.items),
        )
        for sku, w in found.items()
    }


def same_search(campaign: Campaign) -> None:
    assert len(campaign.catalog) > below_cost.EXHAUSTIVE_SKUS  # the bounded (large-catalog) path
    for only in (True, False):
        old = reference.lowest_prices(campaign, only_below_cost=only)
        fresh = Campaign(
            campaign.name, campaign.tz, campaign.start, campaign.end, campaign.rules, catalog=campaign.catalog
        )
        new = below_cost.lowest_prices(fresh, only_below_cost=only)
        assert summary(new) == summary(old)
        # the finding's 叠加 text: the rules the witness cart's quote applies, as the full quote lists them
        assert {s: below_cost.rule_text(fresh, w) for s, w in new.items()} == {
            s: reference.rule_text(campaign, w) for s, w in old.items()
        }


SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(campaigns("item-rules"))
def test_same_findings_many_small_item_rules(campaign):
    same_search(campaign)


@SETTINGS
@given(campaigns("wide-scopes"))
def test_same_findings_wide_order_scopes(campaign):
    same_search(campaign)


@SETTINGS
@given(campaigns("bundles"))
def test_same_findings_many_bundles(campaign):
    same_search(campaign)


@SETTINGS
@given(campaigns("coupons"))
def test_same_findings_many_coupons(campaign):
    same_search(campaign)
