"""``promo suggest``: 满减 tiers from the shop's average order value (客单价), by the playbook.

The playbook's rules: the first threshold sits 110%–130% above the AOV (we aim
for 120%); the promotion lifts orders to AOV×120% for a growing shop and
AOV×150% for a mature one, which sets how far apart the tiers are; at most
three tiers, each clearly better than the one before (a higher rate off).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .rules import yuan

LIFT = {"growth": Decimal("1.2"), "mature": Decimal("1.5")}
RATES = (Decimal("0.08"), Decimal("0.10"), Decimal("0.12"))  # off / threshold, rising per tier
FIRST_LOW, FIRST_AIM, FIRST_HIGH = Decimal("1.1"), Decimal("1.2"), Decimal("1.3")


def shop_price(value: Decimal, low: Decimal | None = None, high: Decimal | None = None) -> Decimal:
    """A threshold the way shops write it: ends in 9 (199, 299) when that stays within [low, high]."""
    whole = value.to_integral_value(rounding=ROUND_HALF_UP)
    if whole < 20:
        return max(whole, Decimal(1))
    nine = (value / 10).to_integral_value(rounding=ROUND_HALF_UP) * 10 - 1
    if (low is None or nine >= low) and (high is None or nine <= high):
        return nine
    return whole


def suggest_tiers(aov: Decimal, stage: str = "growth") -> list[dict[str, Decimal]]:
    if aov <= 0:
        from cstool.errors import BadInput

        raise BadInput("--aov 客单价应大于 0")
    first = shop_price(aov * FIRST_AIM, aov * FIRST_LOW, aov * FIRST_HIGH)
    tiers: list[dict[str, Decimal]] = []
    at = first
    for rate in RATES:
        off = max(Decimal(1), (at * rate).to_integral_value(rounding=ROUND_FLOOR))
        if tiers and (at <= tiers[-1]["at"] or off <= tiers[-1]["off"]):
            break
        tiers.append({"at": at, "off": off})
        at = shop_price(at * LIFT[stage])
    return tiers


def tiers_yaml(aov: Decimal, stage: str, tiers: list[dict[str, Decimal]]) -> str:
    name = "成长期" if stage == "growth" else "成熟期"
    lines = [
        f"# 客单价 {yuan(aov)} 元，{name}：第一档约为客单价的 120%，每档门槛 ×{LIFT[stage]}，优惠比例逐档提高",
        "  - id: mj",
        "    type: tiered",
        "    basis: amount",
        "    tiers:",
    ]
    lines += [f"      - {{at: {yuan(t['at'])}, off: {yuan(t['off'])}}}" for t in tiers]
    return "\n".join(lines)
