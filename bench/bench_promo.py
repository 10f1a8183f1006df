"""Promo benchmarks: in-process quotes per second, cold ``cstool promo quote``, ``promo check`` on 500 SKUs.

Run: ``python bench/bench_promo.py`` (or ``make bench``). Prints a Markdown table.
The campaigns and catalog are generated (fixed seed) into a temporary folder.

``promo check`` is timed on several shapes of 50-rule campaign over the same
500-SKU catalog, because one shape hides the slow paths of another:

- ``mixed``: the original bench campaign (25 limited-time discounts over the
  first 40 SKUs, 8 bundles, 8 three-tier 满减 by category, 8 coupons, 包邮);
- ``item-rules``: 25 limited-time discounts over disjoint groups of 20 SKUs,
  10 two-item bundles, 10 two-tier 满减 each over 40 SKUs, 5 coupons;
- ``wide-scopes``: 20 三档 满减 each over about half the catalog, 20
  limited-time discounts, 9 coupons, 包邮;
- ``bundles``: 45 two- and three-item bundles, 4 满减, 包邮;
- ``coupons``: 40 coupons (store-wide and scoped, several thresholds), 5
  满减, 4 limited-time discounts, 包邮.

``python bench/bench_promo.py --check-only [--runs N]`` times only the shapes.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CSTOOL, baselines, median_ms, time_call, time_process  # noqa: E402

CATEGORIES = ["床品", "家饰", "洗浴", "收纳", "厨房"]
HEADER = [
    "start: 2026-11-11T00:00:00",
    "end: 2026-11-12T00:00:00",
    "catalog: catalog.csv",
    "rules:",
]
SHIP = "  - {id: ship, type: free_shipping, at: 99, exclude_regions: [新疆, 西藏]}"


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


def _write(folder: Path, name: str, rules: list[str]) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text("\n".join([f"name: {name}", *HEADER, *rules]) + "\n", encoding="utf-8")
    return path


def _ltd(i: int, skus: list[str], rng: random.Random) -> str:
    rate = rng.choice([7, 8, 8.5, 9, 9.5])
    return f"  - {{id: ltd{i}, type: limited_time_discount, skus: [{', '.join(skus)}], discount: {rate}}}"


def _bundle(i: int, items: list[str], prices: dict[str, Decimal]) -> str:
    price = (sum(prices[s] for s in items) * Decimal("0.9")).quantize(Decimal("1"))
    return (
        f"  - {{id: bd{i}, type: bundle, items: {{{', '.join(f'{s}: 1' for s in items)}}}, price: {price}}}"
    )


def make_campaign(
    folder: Path, name: str, skus: list[tuple[str, Decimal]], rules: int, rng: random.Random
) -> Path:
    """The ``mixed`` shape (the bench's original campaign)."""
    ltd, bundles, tiers = rules // 2, rules // 6, rules // 6
    coupons = rules - ltd - bundles - tiers - 1
    pool = [s for s, _ in skus]
    prices = dict(skus)
    lines = [_ltd(i, rng.sample(pool[:40], 3), rng) for i in range(ltd)]
    lines += [_bundle(i, rng.sample(pool[:40], 2), prices) for i in range(bundles)]
    for i in range(tiers):
        cat = CATEGORIES[i % len(CATEGORIES)]
        lines.append(
            f"  - {{id: mj{i}, type: tiered, categories: [{cat}], tiers: [{{at: 199, off: 20}}, {{at: 299, off: 40}}, {{at: 499, off: 80}}]}}"
        )
    for i in range(coupons):
        at = rng.choice([100, 200, 300])
        lines.append(f"  - {{id: cp{i}, type: coupon, at: {at}, off: {rng.choice([3, 5, 10, 20])}}}")
    lines.append(SHIP)
    return _write(folder, name, lines)


def shape_item_rules(folder: Path, skus: list[tuple[str, Decimal]], rng: random.Random) -> Path:
    """The shape that took 25 s (issue 12): many small item-level rules over disjoint groups."""
    pool = [s for s, _ in skus]
    prices = dict(skus)
    lines = [_ltd(i, pool[i * 20 : (i + 1) * 20], rng) for i in range(25)]
    lines += [_bundle(i, rng.sample(pool, 2), prices) for i in range(10)]
    for i in range(10):
        scope = ", ".join(rng.sample(pool, 40))
        lines.append(
            f"  - {{id: mj{i}, type: tiered, skus: [{scope}], tiers: [{{at: 199, off: 20}}, {{at: 399, off: 50}}]}}"
        )
    for i in range(5):
        at = rng.choice([0, 100, 200, 300])
        lines.append(f"  - {{id: cp{i}, type: coupon, at: {at}, off: {rng.choice([3, 5, 10, 20])}}}")
    return _write(folder, "item-rules", lines)


def shape_wide_scopes(folder: Path, skus: list[tuple[str, Decimal]], rng: random.Random) -> Path:
    pool = [s for s, _ in skus]
    lines = []
    for i in range(20):
        scope = ", ".join(rng.sample(pool, 250))
        at = rng.choice([99, 149, 199])
        lines.append(
            f"  - {{id: mj{i}, type: tiered, skus: [{scope}], tiers: [{{at: {at}, off: 10}}, {{at: {at + 100}, off: 25}}, {{at: {at + 300}, off: 60}}]}}"
        )
    lines += [_ltd(i, rng.sample(pool, 5), rng) for i in range(20)]
    for i in range(9):
        cats = ", ".join(rng.sample(CATEGORIES, 2))
        at = rng.choice([0, 100, 200])
        lines.append(
            f"  - {{id: cp{i}, type: coupon, at: {at}, off: {rng.choice([3, 5, 10])}, categories: [{cats}]}}"
        )
    lines.append(SHIP)
    return _write(folder, "wide-scopes", lines)


def shape_bundles(folder: Path, skus: list[tuple[str, Decimal]], rng: random.Random) -> Path:
    pool = [s for s, _ in skus]
    prices = dict(skus)
    lines = [_bundle(i, rng.sample(pool, rng.choice([2, 2, 3])), prices) for i in range(45)]
    for i in range(4):
        cat = CATEGORIES[i]
        lines.append(
            f"  - {{id: mj{i}, type: tiered, categories: [{cat}], tiers: [{{at: 199, off: 20}}, {{at: 299, off: 40}}]}}"
        )
    lines.append(SHIP)
    return _write(folder, "bundles", lines)


def shape_coupons(folder: Path, skus: list[tuple[str, Decimal]], rng: random.Random) -> Path:
    pool = [s for s, _ in skus]
    lines = []
    for i in range(40):
        at = rng.choice([0, 50, 100, 200, 300, 500])
        off = rng.choice([3, 5, 10, 20, 30])
        if at and off >= at:
            off = 3
        scope = rng.choice(
            ["", f", categories: [{rng.choice(CATEGORIES)}]", f", skus: [{', '.join(rng.sample(pool, 30))}]"]
        )
        lines.append(f"  - {{id: cp{i}, type: coupon, at: {at}, off: {off}{scope}}}")
    for i in range(5):
        cat = CATEGORIES[i]
        lines.append(
            f"  - {{id: mj{i}, type: tiered, categories: [{cat}], tiers: [{{at: 199, off: 20}}, {{at: 299, off: 40}}]}}"
        )
    lines += [_ltd(i, rng.sample(pool, 10), rng) for i in range(4)]
    lines.append(SHIP)
    return _write(folder, "coupons", lines)


def make_shapes(folder: Path, skus: list[tuple[str, Decimal]], seed: int = 11) -> dict[str, Path]:
    rng = random.Random(seed)
    return {
        "mixed": make_campaign(folder, "mixed", skus, 50, rng),
        "item-rules": shape_item_rules(folder, skus, rng),
        "wide-scopes": shape_wide_scopes(folder, skus, rng),
        "bundles": shape_bundles(folder, skus, rng),
        "coupons": shape_coupons(folder, skus, rng),
    }


def time_checks(
    folder: Path, skus: list[tuple[str, Decimal]], runs: int
) -> list[tuple[str, float, float, int, int]]:
    """Median wall-clock and CPU milliseconds of ``check_campaign`` per shape (CPU: less noisy on a shared machine)."""
    import time

    from cstool_promo.check import check_campaign, load_limits
    from cstool_promo.model import load_campaign

    from cstool.kb import KnowledgeBase, bundled_kb_path

    limits = load_limits(KnowledgeBase(bundled_kb_path()))
    rows = []
    for shape, path in make_shapes(folder, skus).items():
        campaign = load_campaign(path)
        found: list = []
        wall, cpu = [], []
        for _ in range(runs):
            campaign.memo.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            found.append(check_campaign(campaign, limits))
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        below = sum(1 for f in found[-1] if f.code == "below-cost")
        rows.append((shape, median_ms(wall), median_ms(cpu), len(found[-1]), below))
    return rows


def main() -> None:
    from cstool_promo.engine import quote
    from cstool_promo.model import load_campaign, make_cart

    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        skus = make_catalog(folder, 500, rng)
        if "--check-only" in sys.argv:
            for shape, ms, cpu, count, below in time_checks(folder, skus, runs):
                print(f"{shape}: {ms:.0f} ms wall, {cpu:.0f} ms CPU ({count} findings, {below} below-cost)")
            return
        quote_path = make_campaign(folder, "q30", skus, 30, rng)
        campaign = load_campaign(quote_path)
        items = [f"{sku}:{rng.randint(1, 3)}" for sku, _ in skus[:20]]
        cart = make_cart(campaign, items=items, at="2026-11-11 10:00")

        quote(campaign, cart)  # warm-up
        per_batch = 50
        samples = time_call(lambda: [quote(campaign, cart) for _ in range(per_batch)], runs=9)
        quotes_per_s = per_batch / (median_ms(samples) / 1000)

        env = dict(os.environ, CSTOOL_HOME=str(folder / "home"))
        argv = [*CSTOOL, "promo", "quote", str(quote_path), *items, "--at", "2026-11-11 10:00"]
        argv_forced = [*argv, "--force"]
        cold = median_ms(time_process(argv_forced, runs=11, env=env))
        checks = time_checks(folder, skus, runs)
        base = baselines()

    hello = base["typer hello-world"]
    print("| measurement | median |")
    print("|---|---|")
    print(
        f"| in-process quotes/s, 20-line cart × 30-rule campaign | {quotes_per_s:,.0f} /s ({1000 / quotes_per_s:.2f} ms each) |"
    )
    print(
        f"| cold `cstool promo quote` (20 lines, 30 rules; check verdict cached), new process, 11 runs | {cold:.0f} ms ({cold / hello:.1f}× hello) |"
    )
    for shape, ms, cpu, count, below in checks:
        print(
            f"| `promo check` in-process, 500 SKUs × 50 rules, shape `{shape}` ({count} findings, {below} below-cost), {runs} runs | {ms:.0f} ms ({cpu:.0f} ms CPU) |"
        )
    for label, value in base.items():
        print(f"| baseline: {label} | {value:.0f} ms |")


if __name__ == "__main__":
    main()
