"""Rule types from other plugins (第二件半价), and the ``{promo}`` placeholder / summary."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

from promo_helpers import write_campaign
from typer.testing import CliRunner

from cstool import hookimpl
from cstool.cli import build_app
from cstool.plugins import make_plugin_manager


class SecondHalfPrice:
    """第二件半价: every second unit of these SKUs pays half its list price. No cstool_promo import."""

    level = "item"

    def read(self, f):
        self.skus = set(f.text_list("skus"))

    def unit_prices(self, sku, list_prices):
        if sku not in self.skus:
            return [None] * len(list_prices)
        half = [(p / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for p in list_prices]
        return [half[i] if i % 2 else None for i in range(len(list_prices))]

    def describe(self, title=str):
        return "、".join(title(s) for s in sorted(self.skus)) + "第二件半价"


class ShopRules:
    @hookimpl
    def cstool_promo_rule_types(self, register):
        register("second_half", SecondHalfPrice)


RULES = [
    {"id": "half", "type": "second_half", "skus": ["A"]},
    {"id": "cp", "type": "coupon", "at": 100, "off": 10},
]


def test_second_half_price_rule_from_a_plugin_prices_a_cart(tmp_path):
    path = write_campaign(tmp_path, RULES)
    app = build_app(make_plugin_manager(plugins=[ShopRules()]))
    result = CliRunner().invoke(
        app, ["promo", "quote", str(path), "A:3@99.99", "--at", "2026-11-11 10:00", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # 99.99 + 50.00 (half of 99.99, rounded) + 99.99 = 249.98, less the 10 coupon
    assert data["lines"][0]["pricing"] == [
        {"rule": None, "qty": 2, "amount": "199.98"},
        {"rule": "half", "qty": 1, "amount": "50.00"},
    ]
    assert data["lines"][0]["rule"] == "half"
    assert data["goods_total"] == "239.98"
    assert data["applied"][0] == {
        "rule": "half",
        "type": "second_half",
        "level": "item",
        "amount": "49.99",
        "label": "A第二件半价",
    }


def test_without_the_plugin_the_type_is_unknown(tmp_path):
    path = write_campaign(tmp_path, RULES)
    app = build_app(make_plugin_manager(plugins=[], load_entrypoints=True))
    result = CliRunner().invoke(app, ["promo", "quote", str(path), "A:1@10", "--at", "2026-11-11 10:00"])
    assert result.exit_code != 0
    assert "未知的规则类型 'second_half'" in str(result.exception)


def test_plugin_registering_a_bad_rule_class_is_reported_and_skipped(tmp_path, capsys):
    class Broken:
        @hookimpl
        def cstool_promo_rule_types(self, register):
            register("nonsense", object)

    from cstool_promo.registry import collect_rule_types

    types = collect_rule_types(make_plugin_manager(plugins=[Broken()]))
    assert "nonsense" not in types and "coupon" in types
    assert "加载失败" in capsys.readouterr().err


def test_hook_cstool_promo_rule_types_brings_the_builtin_types():
    from cstool_promo.registry import collect_rule_types

    assert set(collect_rule_types(make_plugin_manager())) >= {
        "limited_time_discount",
        "bundle",
        "tiered",
        "coupon",
        "free_shipping",
    }


def test_summary_line_for_the_starter_campaign(cli):
    result = cli("promo", "summary", "double11")
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "本店双11大促（11月11日）：乳胶枕、纯棉四件套：满199减20，满299减40，送小样；"
    )
    assert "满99元包邮（新疆、西藏除外）" in result.stdout


def test_promo_placeholder_is_the_running_campaign_or_nothing(tmp_path, cli):
    kb = tmp_path / "kb"
    (kb / "promos").mkdir(parents=True)
    (kb / "kb.yaml").write_text("name: 测试店\n", encoding="utf-8")
    write_campaign(
        kb / "promos",
        [{"id": "mj", "type": "tiered", "tiers": [{"at": 199, "off": 20}]}],
        filename="d11.yaml",
        name="双11",
    )
    write_campaign(
        kb / "promos",
        [{"id": "c", "type": "coupon", "at": 0, "off": 3}],
        filename="d12.yaml",
        name="双12",
        start="2026-12-12T00:00:00",
        end="2026-12-13T00:00:00",
    )
    (kb / "promos" / "broken.yaml").write_text("rules: [\n", encoding="utf-8")

    from cstool.context import AppState

    def placeholder(now):
        import os

        os.environ["CSTOOL_NOW"] = now
        try:
            state = AppState(pm=make_plugin_manager(), kb_option=str(kb))
            return state.placeholders()["promo"]()
        finally:
            del os.environ["CSTOOL_NOW"]

    assert placeholder("2026-11-11 12:00") == "本店双11（11月11日）：满199减20"
    # between campaigns {promo} has nothing true to say (None): a reply falls back, never says "活动是：。"
    assert placeholder("2026-11-20 12:00") is None
    assert placeholder("2026-12-12 09:00") == "本店双12（12月12日）：无门槛优惠券减3元"
    assert placeholder("2027-01-01 00:00") is None
    same = cli("--kb", str(kb), "promo", "summary", env={"CSTOOL_NOW": "2026-11-11 12:00"})
    assert same.stdout.strip() == "本店双11（11月11日）：满199减20"

    # a long-lived search (search -i, cstool serve) keeps the parsed campaigns, but sees an edit at once
    write_campaign(
        kb / "promos",
        [{"id": "mj", "type": "tiered", "tiers": [{"at": 299, "off": 50}]}],
        filename="d11.yaml",
        name="双11",
    )
    assert placeholder("2026-11-11 12:00") == "本店双11（11月11日）：满299减50"
    (kb / "promos" / "d11.yaml").unlink()
    assert placeholder("2026-11-11 12:00") is None
