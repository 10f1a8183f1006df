"""Promo benchmarks: in-process quotes per second, cold ``cstool promo quote``, ``promo check`` on 500 SKUs.

Run: ``python bench/bench_promo.py`` (or ``make bench``). Prints a Markdown table.
The campaigns and catalog are generated (fixed seed) into a temporary folder.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PY, baselines, median_ms, time_call, time_process  # noqa: E402

CATEGORIES = ["床品", "家饰", "洗浴", "收纳", "厨房"]


def make_catalog(folder: Path, count: int, rng: random.Random) -> list[tuple[str, Decimal]]:
    rows = ["sku,title,price,cost,category,listed_at,delisted_at"]
    skus = []
    for i in range(1, count + 1):
        price = Decimal(rng.randint(1000, 50000)) / 100
        cost = (price * Decimal(rng.randint(35, 60)) / 100).quantize(Decimal("0.01"))
        sku = f"S{i:03d}"
        rows.append(f"{sku},商品{i},{price},{cost},{rng.choice(CATEGORIES)},2026-01-01,")
        skus.append((sku, price))
    (folder / "catalog.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return skus


def make_campaign(
    folder: Path, name: str, skus: list[tuple[str, Decimal]], rules: int, rng: random.Random
) -> Path:
    ltd, bundles, tiers, coupons = (
        rules // 2,
        rules // 6,
        rules // 6,
        rules - rules // 2 - 2 * (rules // 6) - 1,
    )
    lines = [
        f"name: {name}",
        "start: 2026-11-11T00:00:00",
        "end: 2026-11-12T00:00:00",
        "catalog: catalog.csv",
        "rules:",
    ]
    pool = [s for s, _ in skus]
    prices = dict(skus)
    for i in range(ltd):
        chosen = rng.sample(pool[:40], 3)
        lines.append(
            f"  - {{id: ltd{i}, type: limited_time_discount, skus: [{', '.join(chosen)}], discount: {rng.choice([7, 8, 8.5, 9, 9.5])}}}"
        )
    for i in range(bundles):
        a, b = rng.sample(pool[:40], 2)
        price = ((prices[a] + prices[b]) * Decimal("0.9")).quantize(Decimal("1"))
        lines.append(f"  - {{id: bd{i}, type: bundle, items: {{{a}: 1, {b}: 1}}, price: {price}}}")
    for i in range(tiers):
        cat = CATEGORIES[i % len(CATEGORIES)]
        lines.append(
            f"  - {{id: mj{i}, type: tiered, categories: [{cat}], tiers: [{{at: 199, off: 20}}, {{at: 299, off: 40}}, {{at: 499, off: 80}}]}}"
        )
    for i in range(coupons):
        at = rng.choice([100, 200, 300])
        lines.append(f"  - {{id: cp{i}, type: coupon, at: {at}, off: {rng.choice([3, 5, 10, 20])}}}")
    lines.append("  - {id: ship, type: free_shipping, at: 99, exclude_regions: [新疆, 西藏]}")
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    from cstool_promo.check import check_campaign, load_limits
    from cstool_promo.engine import quote
    from cstool_promo.model import load_campaign, make_cart

    from cstool.kb import KnowledgeBase, bundled_kb_path

    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        skus = make_catalog(folder, 500, rng)
        quote_path = make_campaign(folder, "q30", skus, 30, rng)
        check_path = make_campaign(folder, "c50", skus, 50, rng)
        campaign = load_campaign(quote_path)
        items = [f"{sku}:{rng.randint(1, 3)}" for sku, _ in skus[:20]]
        cart = make_cart(campaign, items=items, at="2026-11-11 10:00")

        quote(campaign, cart)  # warm-up
        per_batch = 50
        samples = time_call(lambda: [quote(campaign, cart) for _ in range(per_batch)], runs=9)
        quotes_per_s = per_batch / (median_ms(samples) / 1000)

        env = dict(os.environ, CSTOOL_HOME=str(folder / "home"))
        argv = [PY, "-m", "cstool", "promo", "quote", str(quote_path), *items, "--at", "2026-11-11 10:00"]
        cold = median_ms(time_process(argv, runs=11, env=env))
        help_cold = median_ms(time_process([PY, "-m", "cstool", "--help"], runs=11, env=env))

        limits = load_limits(KnowledgeBase(bundled_kb_path()))
        big = load_campaign(check_path)
        findings: list = []
        check_samples = time_call(lambda: findings.append(check_campaign(big, limits)), runs=3)
        base = baselines()

    print("| measurement | median |")
    print("|---|---|")
    print(
        f"| in-process quotes/s, 20-line cart × 30-rule campaign | {quotes_per_s:,.0f} /s ({1000 / quotes_per_s:.2f} ms each) |"
    )
    print(f"| cold `cstool promo quote` (20 lines, 30 rules), new process, 11 runs | {cold:.0f} ms |")
    print(f"| cold `cstool --help`, new process, 11 runs | {help_cold:.0f} ms |")
    print(
        f"| `promo check` in-process, 500-SKU catalog × 50 rules (incl. below-cost search), 3 runs | {median_ms(check_samples):.0f} ms |"
    )
    for label, value in base.items():
        print(f"| baseline: {label} | {value:.0f} ms |")
    below = sum(1 for f in findings[-1] if f.code == "below-cost")
    print(f"\n(check found {len(findings[-1])} findings, {below} below-cost)")


if __name__ == "__main__":
    main()
