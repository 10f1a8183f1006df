"""Campaigns, catalogs and carts as plain data, loaded and validated with ``file:line``."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from cstool import yamlio
from cstool.errors import BadInput
from cstool.money import parse_money, parse_quantity
from cstool.timeutil import DEFAULT_TZ, get_zone, parse_time

from .fields import Fields
from .rules import BUILTIN_TYPES, LEVELS, Rule


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    price: Decimal
    cost: Decimal | None = None
    category: str | None = None
    listed_at: datetime | None = None
    delisted_at: datetime | None = None
    aliases: tuple[str, ...] = ()


@dataclass
class Campaign:
    name: str
    tz: tzinfo
    start: datetime
    end: datetime
    rules: list[Rule]
    path: Path | None = None
    catalog: dict[str, Product] = field(default_factory=dict)
    catalog_path: Path | None = None
    shipping_fee: Decimal | None = None  # default fee when the order does not ship free (None: unknown)
    region_fees: dict[str, Decimal] = field(default_factory=dict)  # region -> fee, e.g. {新疆: 20}
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # the engine's per-campaign caches

    def fee_for(self, region: str | None) -> Decimal | None:
        """The campaign's shipping fee for ``region`` (``新疆乌鲁木齐`` matches ``新疆``), else its default."""
        if region:
            for name, fee in self.region_fees.items():
                if name in region:
                    return fee
        return self.shipping_fee

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def title(self, sku: str) -> str:
        product = self.catalog.get(sku)
        return product.title if product and product.title else sku


@dataclass(frozen=True)
class CartLine:
    sku: str
    qty: int
    price: Decimal
    category: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Cart:
    items: tuple[CartLine, ...]
    at: datetime
    region: str | None = None
    shipping_fee: Decimal | None = Decimal("0.00")  # None: not known (the text says 运费另计)
    coupons: frozenset[str] | None = None  # None: the buyer holds every coupon of the campaign


# ---------------------------------------------------------------- campaign


def load_campaign(
    path: Path, types: Mapping[str, type[Rule]] | None = None, catalog_path: Path | None = None
) -> Campaign:
    """Read and validate a campaign file; every error names the file, line, rule id and field."""
    types = dict(BUILTIN_TYPES if types is None else types)
    data = yamlio.load(path)
    if not isinstance(data, dict):
        raise BadInput("活动文件顶层应为键值对（name、start、end、rules…）", path=path, line=1)
    top = Fields(data, path=path, what="活动", tz=get_zone(DEFAULT_TZ))
    tz = get_zone(top.text("timezone", DEFAULT_TZ))
    top.tz = tz
    name = top.text("name", path.stem)
    start = top.time("start")
    end = top.time("end")
    catalog_ref = top.text("catalog", None)
    shipping_fee = top.money("shipping_fee", None)
    fees_data = top.raw("shipping_fees", {})
    if not isinstance(fees_data, dict):
        raise top.error("shipping_fees", "应为 地区: 运费 的键值对，如 {新疆: 20}")
    region_fees = {str(k): _fee(v, str(k), top) for k, v in fees_data.items()}
    rules_data = top.raw("rules", [])
    top.finish()
    if not isinstance(rules_data, list):
        raise BadInput("rules 应为列表", path=path, line=yamlio.line_of(data, "rules"))
    if catalog_path is None and catalog_ref:
        catalog_path = (path.parent / catalog_ref).resolve()
    catalog = load_catalog(catalog_path, tz) if catalog_path is not None else {}
    rules: list[Rule] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(rules_data):
        line = yamlio.line_of(rules_data, index)
        if not isinstance(item, dict):
            raise BadInput(f"rules 第 {index + 1} 项应为键值对（id、type…）", path=path, line=line)
        rule = _load_rule(item, index, path, tz, start, end, types)
        if rule.id in seen:
            raise BadInput(
                f"规则 id 重复：{rule.id}（第一次在第 {seen[rule.id]} 行）", path=path, line=rule.line
            )
        seen[rule.id] = rule.line
        rules.append(rule)
    return Campaign(
        name=name,
        tz=tz,
        start=start,
        end=end,
        rules=rules,
        path=path,
        catalog=catalog,
        catalog_path=catalog_path,
        shipping_fee=shipping_fee,
        region_fees=region_fees,
    )


def _fee(value: Any, region: str, top: Fields) -> Decimal:
    try:
        return parse_money(value, field=f"{region} 的运费")
    except BadInput as exc:
        raise top.error("shipping_fees", exc.message) from None


def _load_rule(
    item: dict,
    index: int,
    path: Path,
    tz: tzinfo,
    start: datetime,
    end: datetime,
    types: Mapping[str, type[Rule]],
) -> Rule:
    rule_id = str(item.get("id") or f"#{index + 1}")
    f = Fields(item, path=path, what=f"规则 {rule_id}", tz=tz)
    f.text("id")
    type_name = f.text("type")
    cls = types.get(type_name)
    if cls is None:
        known = "、".join(sorted(types))
        raise f.error("type", f"未知的规则类型 {type_name!r}（可用：{known}）")
    if getattr(cls, "level", None) not in LEVELS:
        raise f.error("type", f"规则类型 {type_name} 的 level 无效：{getattr(cls, 'level', None)!r}")
    rule = cls()
    rule.id, rule.type, rule.path, rule.line = rule_id, type_name, str(path), f.line
    rule.start = f.time("start", start)
    rule.end = f.time("end", end)
    rule.read(f)
    f.finish()
    return rule


# ---------------------------------------------------------------- catalog

# Chinese headers an operator's export may use -> our field names.
_HEADERS = {
    "sku": "sku",
    "商品编码": "sku",
    "货号": "sku",
    "商家编码": "sku",
    "title": "title",
    "标题": "title",
    "商品名称": "title",
    "名称": "title",
    "price": "price",
    "价格": "price",
    "售价": "price",
    "一口价": "price",
    "cost": "cost",
    "成本": "cost",
    "成本价": "cost",
    "category": "category",
    "类目": "category",
    "分类": "category",
    "listed_at": "listed_at",
    "上架时间": "listed_at",
    "delisted_at": "delisted_at",
    "下架时间": "delisted_at",
    "aliases": "aliases",
    "alias": "aliases",
    "别名": "aliases",
}
ALIAS_SEPARATORS = ("|", "、", "/", "／", "｜")


def load_catalog(path: Path, tz: tzinfo) -> dict[str, Product]:
    """Read a catalog CSV (UTF-8); blank cost/category/times are allowed."""
    text = yamlio.read_text(path)
    reader = csv.reader(text.splitlines())
    rows = list(reader)
    if not rows:
        raise BadInput(
            "商品表是空的（需要表头 sku,title,price,cost,category,listed_at,delisted_at）", path=path, line=1
        )
    header = [_HEADERS.get(h.strip().lower(), _HEADERS.get(h.strip())) for h in rows[0]]
    unknown = [rows[0][i] for i, h in enumerate(header) if h is None]
    if unknown:
        raise BadInput(f"商品表有不认识的列：{unknown[0]}", path=path, line=1)
    for needed in ("sku", "price"):
        if needed not in header:
            raise BadInput(f"商品表缺少列：{needed}", path=path, line=1)
    catalog: dict[str, Product] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise BadInput(f"这一行有 {len(row)} 列，表头有 {len(header)} 列", path=path, line=number)
        values = {h: cell.strip() for h, cell in zip(header, row, strict=True) if h}
        sku = values["sku"]
        if not sku:
            raise BadInput("sku 为空", path=path, line=number)
        if sku in catalog:
            raise BadInput(f"sku 重复：{sku}", path=path, line=number)
        try:
            catalog[sku] = Product(
                sku=sku,
                title=values.get("title") or sku,
                price=parse_money(values["price"], field=f"{sku} 的 price"),
                cost=parse_money(values["cost"], field=f"{sku} 的 cost") if values.get("cost") else None,
                category=values.get("category") or None,
                listed_at=parse_time(values["listed_at"], tz, field=f"{sku} 的上架时间")
                if values.get("listed_at")
                else None,
                delisted_at=parse_time(values["delisted_at"], tz, field=f"{sku} 的下架时间")
                if values.get("delisted_at")
                else None,
                aliases=_aliases(values.get("aliases", "")),
            )
        except BadInput as exc:
            raise BadInput(exc.message, path=path, line=number) from None
    return catalog


def _aliases(text: str) -> tuple[str, ...]:
    for sep in ALIAS_SEPARATORS[1:]:
        text = text.replace(sep, ALIAS_SEPARATORS[0])
    return tuple(a.strip() for a in text.split(ALIAS_SEPARATORS[0]) if a.strip())


# ---------------------------------------------------------------- carts

# What a Chinese IME types in place of the ASCII separators of ``SKU:QTY@PRICE``.
_ITEM_SEPARATORS = str.maketrans({"：": ":", "＠": "@"})


def find_product(name: str, campaign: Campaign) -> str:
    """The SKU a person means by ``name``: a SKU code in any case, a product title or an alias.

    Exact matches (SKU code, title, alias; letters in any case) win; otherwise a
    title or alias containing ``name``. Several candidates: refused, listing them.
    Without a catalog the text is the SKU as written.
    """
    if name in campaign.catalog or not campaign.catalog:
        return name
    key = name.casefold()
    exact = [
        p.sku
        for p in campaign.catalog.values()
        if key in (p.sku.casefold(), p.title.casefold(), *(a.casefold() for a in p.aliases))
    ]
    if not exact:
        exact = [
            p.sku
            for p in campaign.catalog.values()
            if any(key in text.casefold() for text in (p.title, *p.aliases))
        ]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        shown = "、".join(f"{s}（{campaign.title(s)}）" for s in exact[:10])
        more = f" 等 {len(exact)} 个" if len(exact) > 10 else ""
        raise BadInput(f"“{name}”对应多个商品：{shown}{more}；请写商品编码，如 {exact[0]}:1")
    return name


def parse_item_arg(text: str, campaign: Campaign) -> CartLine:
    """``SKU:QTY[@PRICE]`` from the command line; the price comes from the catalog if not given.

    The SKU may be written in any case, or be a product's title or alias in the
    catalog; full-width ``：``, ``＠`` and digits are accepted.
    """
    if len(text) > 200:
        raise BadInput(f"商品写法不对：{text[:40]}…（太长）")
    body, _, price_text = text.translate(_ITEM_SEPARATORS).partition("@")
    name, sep, qty_text = body.rpartition(":")
    if not sep:
        name, qty_text = body, "1"
    name = name.strip()
    if not name:
        raise BadInput(f"商品写法不对：“{text}”（应为 商品:件数 或 商品:件数@单价，如 A:2、乳胶枕:2）")
    try:
        qty = parse_quantity(qty_text, field=f"商品 {name} 的件数")
    except BadInput as exc:
        raise BadInput(f"{text}：{exc.message}") from None
    price = price_text.strip() if price_text.strip() else None
    return make_line(find_product(name, campaign), qty, price, campaign, where=text)


def make_line(
    sku: str, qty: Any, price: Any, campaign: Campaign, *, where: str, category: Any = None
) -> CartLine:
    try:
        qty = parse_quantity(qty, field=f"商品 {sku} 的件数")
    except BadInput as exc:
        raise BadInput(f"{where}：{exc.message}") from None
    product = campaign.catalog.get(sku)
    if price is None:
        if product is None:
            known = "商品表里没有它" if campaign.catalog else "活动没有商品表（catalog）"
            raise BadInput(f"{where}：商品 {sku} 没有单价，{known}；请写成 {sku}:{qty}@单价")
        unit = product.price
    else:
        try:
            unit = parse_money(price, field=f"商品 {sku} 的单价")
        except BadInput as exc:
            raise BadInput(f"{where}：{exc.message}") from None
    return CartLine(
        sku=sku,
        qty=qty,
        price=unit,
        category=str(category) if category is not None else (product.category if product else None),
        title=product.title if product else sku,
    )


def load_cart_data(path: Path) -> Any:
    """A cart file: YAML, or JSON (numbers kept exact)."""
    if path.suffix.lower() == ".json":
        import json

        text = yamlio.read_text(path)
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise BadInput(f"JSON 格式错误：{exc.msg}", path=path, line=exc.lineno) from None
    return yamlio.load(path)


def make_cart(
    campaign: Campaign,
    *,
    data: Any = None,
    path: Path | None = None,
    items: Sequence[str] = (),
    at: str | None = None,
    region: str | None = None,
    shipping_fee: Decimal | None = None,
    coupons: list[str] | None = None,
    now: datetime | None = None,
) -> Cart:
    """Build a cart from a file's data and/or inline items; options override the file.

    The shipping fee: ``shipping_fee``, else the cart file's, else the
    campaign's for the region (``shipping_fees``, ``shipping_fee``), else
    unknown (``None``: the quote says 运费另计). The order time is shown and
    compared in the campaign's zone.
    """
    where = str(path) if path else "购物车"
    lines: list[CartLine] = []
    cart_at = cart_region = file_coupons = None
    file_fee: Decimal | None = None
    if data is not None:
        if not isinstance(data, dict):
            raise BadInput("购物车文件顶层应为键值对（items、at…）", path=where, line=1)
        f = Fields(data, path=where, what="购物车", tz=campaign.tz)
        cart_at = f.time("at", None)
        cart_region = f.text("region", None)
        file_fee = f.money("shipping_fee", None)
        file_coupons = f.text_list("coupons", None)
        raw_items = f.raw("items", [])
        f.finish()
        if not isinstance(raw_items, list):
            raise f.error("items", "应为列表，如 [{sku: A, qty: 2}]")
        for index, item in enumerate(raw_items):
            line_no = yamlio.line_of(raw_items, index)
            here = f"{where}:{line_no}" if line_no else where
            if not isinstance(item, dict) or "sku" not in item:
                raise BadInput(
                    f"items 第 {index + 1} 项应为 {{sku: A, qty: 2, price: 99}}", path=where, line=line_no
                )
            extra = set(map(str, item)) - {"sku", "qty", "price", "category"}
            if extra:
                raise BadInput(
                    f"items 第 {index + 1} 项有未知字段 {sorted(extra)[0]}", path=where, line=line_no
                )
            lines.append(
                make_line(
                    str(item["sku"]),
                    item.get("qty", 1),
                    item.get("price"),
                    campaign,
                    where=here,
                    category=item.get("category"),
                )
            )
    lines.extend(parse_item_arg(text, campaign) for text in items)
    if not lines:
        raise BadInput("购物车是空的：写商品如 A:2，或用 --cart 指定购物车文件")
    if file_coupons is not None:
        for cid in file_coupons:
            rule = campaign.rule(cid)
            if rule is None or rule.level != "coupon":
                raise BadInput(f"coupons 里的 {cid} 不是这个活动的优惠券", path=where)
    if coupons is not None:
        file_coupons = _coupon_ids(campaign, coupons, "--coupon")
    when = parse_time(at, campaign.tz, field="--at ") if at else cart_at
    if when is None:
        from cstool.timeutil import now as clock

        when = now or clock(campaign.tz)
    where_to = region if region is not None else cart_region
    fee = shipping_fee if shipping_fee is not None else file_fee
    return Cart(
        items=tuple(lines),
        at=when.astimezone(campaign.tz),
        region=where_to,
        shipping_fee=fee if fee is not None else campaign.fee_for(where_to),
        coupons=frozenset(file_coupons) if file_coupons is not None else None,
    )


def _coupon_ids(campaign: Campaign, ids: list[str], option: str) -> list[str]:
    found = []
    for cid in ids:
        cid = cid.strip()
        if not cid:
            continue
        rule = campaign.rule(cid)
        if rule is None or rule.level != "coupon":
            known = "、".join(r.id for r in campaign.rules if r.level == "coupon") or "无"
            raise BadInput(f"{option} 里的 {cid} 不是这个活动的优惠券（这个活动的优惠券：{known}）")
        found.append(cid)
    return found


def held_coupons(campaign: Campaign, cart: Cart, text: str) -> Cart:
    """The cart with the buyer holding exactly these coupons (``--coupons a,b``; empty: none)."""
    from dataclasses import replace

    ids = _coupon_ids(campaign, text.replace("，", ",").split(","), "--coupons")
    return replace(cart, coupons=frozenset(ids))


# ---------------------------------------------------------------- finding a campaign


def campaign_files(promos_dir: Path) -> list[Path]:
    if not promos_dir.is_dir():
        return []
    return sorted(
        p for p in promos_dir.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")
    )


def resolve_campaign_path(arg: str, promos_dir: Path) -> Path:
    """A path, ``<kb>/promos/<arg>.yaml``, or the file whose ``name:`` is ``arg``."""
    candidate = Path(arg).expanduser()
    if candidate.is_file():
        return candidate
    for suffix in (".yaml", ".yml"):
        named = promos_dir / f"{arg}{suffix}"
        if named.is_file():
            return named
    files = campaign_files(promos_dir)
    for path in files:
        try:
            data = yamlio.load(path)
        except BadInput:
            continue
        if isinstance(data, dict) and str(data.get("name", "")) == arg:
            return path
    names = "、".join(p.stem for p in files) or "无"
    raise BadInput(f"找不到活动 {arg!r}（在 {promos_dir} 下查找；已有：{names}）")
