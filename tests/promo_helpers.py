"""Helpers for the promo tests: write real campaign/catalog/cart files and load them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

CATALOG_HEADER = "sku,title,price,cost,category,listed_at,delisted_at"


def flow(value: Any) -> str:
    """Plain data as one line of flow-style YAML; numbers stay unquoted so they load exactly."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return '"' + str(value).replace('"', '\\"') + '"'


def campaign_text(
    rules: list[dict],
    *,
    name: str = "测试活动",
    start: str = "2026-11-11T00:00:00",
    end: str = "2026-11-12T00:00:00",
    catalog: str | None = None,
    extra: str = "",
) -> str:
    lines = [f"name: {name}", f"start: {start}", f"end: {end}"]
    if catalog:
        lines.append(f"catalog: {catalog}")
    lines.append(extra.rstrip()) if extra else None
    lines.append("rules:" if rules else "rules: []")
    lines += [f"  - {flow(rule)}" for rule in rules]
    return "\n".join(lines) + "\n"


def catalog_text(rows: list[tuple]) -> str:
    out = [CATALOG_HEADER]
    for row in rows:
        cells = list(row) + [""] * (7 - len(row))
        out.append(",".join("" if c is None else str(c) for c in cells))
    return "\n".join(out) + "\n"


def write_campaign(
    folder: Path,
    rules: list[dict],
    catalog: list[tuple] | None = None,
    filename: str = "camp.yaml",
    **top: Any,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if catalog is not None:
        (folder / "catalog.csv").write_text(catalog_text(catalog), encoding="utf-8")
        top.setdefault("catalog", "catalog.csv")
    path = folder / filename
    path.write_text(campaign_text(rules, **top), encoding="utf-8")
    return path


def load(
    folder: Path, rules: list[dict], catalog: list[tuple] | None = None, types: dict | None = None, **top: Any
):
    from cstool_promo.model import load_campaign

    return load_campaign(write_campaign(folder, rules, catalog, **top), types)


def cart(campaign, *items: str, at: str = "2026-11-11 10:00", **kw: Any):
    from cstool_promo.model import make_cart

    return make_cart(campaign, items=list(items), at=at, **kw)


def quote(campaign, *items: str, at: str = "2026-11-11 10:00", **kw: Any):
    from cstool_promo.engine import quote as price

    return price(campaign, cart(campaign, *items, at=at, **kw))


def paid(q) -> list[str]:
    return [str(line.paid) for line in q.lines]


def shares(q, rule: str) -> list[str]:
    return [str(line.shares.get(rule, Decimal("0.00"))) for line in q.lines]
