"""The promotion pages of ``cstool serve``: 报价 (quote a cart picked by name) and 活动检查.

Loaded only by the web plugin's hook. The pages call what ``cstool promo
quote`` and ``cstool promo check`` call (:func:`.model.make_cart`,
:func:`.engine.quote`, :func:`.render.quote_json`, :func:`.check.check_campaign`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cstool.errors import BadInput

HERE = Path(__file__).resolve().parent


def contribute(register: Any) -> None:
    register(
        "promo",
        routes=[
            ("/quote", quote_page),
            ("/api/campaigns", api_campaigns),
            ("/api/campaign", api_campaign),
            ("/api/quote", api_quote, ["POST"]),
            ("/check", check_page),
        ],
        templates=HERE / "templates",
        static=HERE / "static",
        nav=[("/quote", "报价", 30), ("/check", "活动检查", 60)],
    )


def _types(web: Any) -> dict[str, type]:
    from .registry import collect_rule_types

    return collect_rule_types(web.state.pm)


def campaigns(web: Any) -> list[dict[str, Any]]:
    """Every campaign file of the KB: its key (file stem), name and window; a broken one says why."""
    from cstool import yamlio

    from .model import campaign_files

    rows: list[dict[str, Any]] = []
    for path in campaign_files(web.kb.promos_dir):
        try:
            data = yamlio.load(path)
            name = str(data.get("name") or path.stem) if isinstance(data, dict) else path.stem
        except BadInput as exc:
            rows.append({"key": path.stem, "name": path.stem, "error": str(exc)})
            continue
        rows.append({"key": path.stem, "name": name, "error": None})
    return rows


def load(web: Any, key: str, catalog: Path | None = None) -> Any:
    from .model import load_campaign, resolve_campaign_path

    if not key:
        raise BadInput("请选择活动")
    known = {row["key"] for row in campaigns(web)}
    if key not in known:  # only the KB's own campaigns: the page never opens an arbitrary path
        raise BadInput(f"找不到活动 {key!r}（知识库 promos/ 下已有：{'、'.join(sorted(known)) or '无'}）")
    return load_campaign(resolve_campaign_path(key, web.kb.promos_dir), _types(web), catalog_path=catalog)


def describe(camp: Any) -> dict[str, Any]:
    from cstool.timeutil import now

    from .render import TYPE_NAMES

    current = now(camp.tz)
    default_at = current if camp.start <= current < camp.end else camp.start
    return {
        "name": camp.name,
        "start": camp.start.isoformat(),
        "end": camp.end.isoformat(),
        "default_at": default_at.strftime("%Y-%m-%dT%H:%M"),
        "running": camp.start <= current < camp.end,
        "products": [
            {"sku": p.sku, "title": p.title, "price": p.price, "category": p.category}
            for p in camp.catalog.values()
        ],
        "coupons": [{"id": r.id, "label": r.describe(camp.title)} for r in camp.rules if r.level == "coupon"],
        "rules": [
            {"id": r.id, "type": TYPE_NAMES.get(r.type, r.type), "label": r.describe(camp.title)}
            for r in camp.rules
        ],
    }


def api_campaigns(web: Any) -> Any:
    return campaigns(web)


def api_campaign(web: Any) -> Any:
    return describe(load(web, web.query.get("key", "")))


def api_quote(web: Any) -> Any:
    """``POST /api/quote {campaign, items: [{sku, qty}], region, at, coupons}`` → ``promo quote --json``."""
    from .engine import quote
    from .model import held_coupons, make_cart
    from .render import quote_json

    data = web.data
    camp = load(web, str(data.get("campaign", "")))
    items = data.get("items") or []
    if not isinstance(items, list):
        raise BadInput('items 应为列表，如 [{"sku": "A", "qty": 2}]')
    args = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("sku", "")).strip():
            raise BadInput("每件商品应写明 sku 和 qty")
        qty = item.get("qty", 1)
        args.append(f"{str(item['sku']).strip()}:{qty}")
    at = str(data.get("at") or "").strip().replace("T", " ") or None
    region = str(data.get("region") or "").strip() or None
    basket = make_cart(camp, items=args, at=at, region=region)
    coupons = data.get("coupons")
    if coupons is not None:
        text = ",".join(coupons) if isinstance(coupons, list) else str(coupons)
        basket = held_coupons(camp, basket, text)
    return web.json(quote_json(quote(camp, basket)))


def quote_page(web: Any) -> Any:
    rows = campaigns(web)
    chosen = web.query.get("campaign") or next((r["key"] for r in rows if not r["error"]), "")
    return web.render(
        "promo/quote.html",
        campaigns=rows,
        chosen=chosen,
        items=web.query.get("items", ""),
        at=web.query.get("at", ""),
        coupons=web.query.get("coupons"),
        region=web.query.get("region", ""),
    )


def check_page(web: Any) -> Any:
    """``promo check`` for every campaign of the KB, with the witness cart of each below-cost finding."""
    from urllib.parse import urlencode

    from .check import check_campaign, load_limits

    limits = load_limits(web.kb)
    results = []
    for row in campaigns(web):
        if row["error"]:
            results.append({**row, "findings": [], "errors": 1, "warnings": 0})
            continue
        try:
            camp = load(web, row["key"])
            findings = [f.to_dict() for f in check_campaign(camp, limits)]
        except BadInput as exc:
            results.append({**row, "error": str(exc), "findings": [], "errors": 1, "warnings": 0})
            continue
        for finding in findings:
            witness = finding.get("witness")
            if witness:
                finding["witness_items"] = [
                    {**item, "title": camp.title(item["sku"])} for item in witness["items"]
                ]
                finding["quote_link"] = "/quote?" + urlencode(
                    {
                        "campaign": row["key"],
                        "items": ",".join(f"{i['sku']}:{i['qty']}" for i in witness["items"]),
                        "at": witness["at"].strftime("%Y-%m-%dT%H:%M"),
                        "coupons": ",".join(witness["coupons"] or []),
                    }
                )
        results.append(
            {
                **row,
                "catalog": bool(camp.catalog),
                "findings": findings,
                "errors": sum(f["level"] == "error" for f in findings),
                "warnings": sum(f["level"] == "warning" for f in findings),
            }
        )
    return web.render("promo/check.html", results=results)
