"""The ``cstool promo`` command group: option parsing only; the work is in the other modules.

Imported at every start of cstool, so only Typer and the core CLI at module level.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

if TYPE_CHECKING:  # (typing only: the command modules load on every start)
    from decimal import Decimal

    from .model import Campaign, Cart

import typer

from cstool.cli import make_typer
from cstool.context import get_state

GROUP_HELP = "促销计算：报价、活动检查、退款、满减建议"

CampaignArg = Annotated[
    str,
    typer.Argument(
        help="活动：文件路径，或知识库 promos/ 下的活动名（如 double11、双11大促）", show_default=False
    ),
]
CartOpt = Annotated[
    Path | None, typer.Option("--cart", help="购物车文件（YAML 或 JSON）", show_default=False)
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at", help="下单时间，如 '2026-11-11 10:00'（默认：现在；不带时区按活动时区）", show_default=False
    ),
]
RegionOpt = Annotated[
    str | None, typer.Option("--region", help="收货地区，如 新疆（用于包邮判断）", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON")]


def _campaign(ctx: typer.Context, arg: str, catalog: Path | None = None) -> Campaign:
    from .model import load_campaign, resolve_campaign_path
    from .registry import collect_rule_types

    state = get_state(ctx)
    path = resolve_campaign_path(arg, state.kb.promos_dir)
    return load_campaign(path, collect_rule_types(state.pm), catalog_path=catalog)


def _cart(
    campaign: Campaign,
    cart: Path | None,
    items: list[str] | None,
    at: str | None,
    region: str | None,
    shipping_fee: Decimal | None = None,
    coupons: list[str] | None = None,
) -> Cart:
    from .model import load_cart_data, make_cart

    data = load_cart_data(cart) if cart is not None else None
    return make_cart(
        campaign,
        data=data,
        path=cart,
        items=items or [],
        at=at,
        region=region,
        shipping_fee=shipping_fee,
        coupons=coupons,
    )


def _refuse_unchecked(ctx: typer.Context, camp: Campaign, force: bool) -> None:
    """A campaign ``promo check`` rejects is not quoted (exit 1), unless ``--force`` (with a warning)."""
    from cstool.output import info

    from .check import load_limits
    from .gate import check_errors, errors_text

    errors = check_errors(camp, load_limits(get_state(ctx).kb))
    if not errors:
        return
    info(errors_text(camp, errors))
    if not force:
        info(
            "这个活动有错误，报价可能把错的价格告诉买家。请改好活动文件（cstool promo check 查看）；确需报价请加 --force。"
        )
        raise typer.Exit(1)
    info("警告：已用 --force 按有错误的活动报价，发给买家前请核对。")


def register(app: typer.Typer) -> None:
    """Add the ``cstool promo`` group to the root app."""
    group = make_typer(help=GROUP_HELP)
    group.command("quote")(quote_command)
    group.command("refund")(refund_command)
    group.command("check")(check_command)
    group.command("suggest")(suggest_command)
    group.command("summary")(summary_command)
    app.add_typer(group, name="promo", help=GROUP_HELP)


def quote_command(
    ctx: typer.Context,
    campaign: CampaignArg,
    items: Annotated[
        list[str] | None,
        typer.Argument(
            help="商品：编码或商品名:件数[@单价]，如 A:2、乳胶枕:2、B:1@99（全角：＠ 也可以）",
            show_default=False,
        ),
    ] = None,
    cart: CartOpt = None,
    at: AtOpt = None,
    region: RegionOpt = None,
    shipping_fee: Annotated[
        str | None,
        typer.Option(
            "--shipping-fee",
            help="运费（元）：不包邮时买家付的运费（默认：购物车文件或活动文件里的运费；都没有则显示运费另计）",
            show_default=False,
        ),
    ] = None,
    coupon: Annotated[
        list[str] | None,
        typer.Option(
            "--coupon", help="买家持有的优惠券 id（可多次；默认：活动的全部优惠券）", show_default=False
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="活动没通过 promo check 也报价（会给出警告）")
    ] = False,
    coupons: Annotated[
        str | None,
        typer.Option(
            "--coupons",
            help="买家持有的优惠券 id，逗号分隔（默认：活动的全部优惠券；'' 表示没有）",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """报价：这样拍一共多少钱、享了哪些优惠、再买多少能再减。"""
    from cstool.money import parse_money
    from cstool.output import print_json

    from .engine import quote
    from .render import quote_json, quote_text

    fee = parse_money(shipping_fee, field="--shipping-fee") if shipping_fee is not None else None
    camp = _campaign(ctx, campaign)
    basket = _cart(camp, cart, items, at, region, shipping_fee=fee, coupons=coupon)
    _refuse_unchecked(ctx, camp, force)
    if coupons is not None:
        from .model import held_coupons

        basket = held_coupons(camp, basket, coupons)
    result = quote(camp, basket)
    if as_json:
        print_json(quote_json(result))
    else:
        print(quote_text(result, camp))


def refund_command(
    ctx: typer.Context,
    campaign: CampaignArg,
    cart: Annotated[
        Path,
        typer.Option("--cart", help="原订单的购物车文件（YAML 或 JSON，含下单时间 at）", show_default=False),
    ],
    returns: Annotated[
        list[str], typer.Option("--return", help="退回的商品 SKU:件数（可多次）", show_default=False)
    ],
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """退款：退回几件商品应退多少钱（按下单时的优惠分摊）。"""
    from cstool.output import print_json

    from .engine import quote
    from .refund import parse_return, refund
    from .render import refund_json, refund_text

    camp = _campaign(ctx, campaign)
    result = refund(quote(camp, _cart(camp, cart, None, at, None)), [parse_return(r) for r in returns])
    if as_json:
        print_json(refund_json(result))
    else:
        print(refund_text(result))


def check_command(
    ctx: typer.Context,
    campaign: CampaignArg,
    catalog: Annotated[
        Path | None,
        typer.Option("--catalog", help="商品表 CSV（默认：活动文件里的 catalog）", show_default=False),
    ] = None,
    aov: Annotated[
        str | None, typer.Option("--aov", help="店铺客单价，用于检查满减第一档门槛", show_default=False)
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="有警告也算不通过")] = False,
    as_json: JsonOpt = False,
) -> None:
    """检查活动：破价（低于成本）、平台规则（0.1折、1元、套餐、档位…）、时间窗口。"""
    from cstool.money import parse_money
    from cstool.output import info, print_json

    from .check import check_campaign, load_limits
    from .render import findings_text

    state = get_state(ctx)
    camp = _campaign(ctx, campaign, catalog)
    average = parse_money(aov, field="--aov") if aov is not None else None
    findings = check_campaign(camp, load_limits(state.kb), aov=average)
    if as_json:
        print_json({"findings": [f.to_dict() for f in findings]})
    else:
        print(findings_text(camp, findings))
    errors = any(f.level == "error" for f in findings)
    warnings = any(f.level == "warning" for f in findings)
    if not camp.catalog:
        info("提示：活动没有商品表（catalog），破价检查和商品相关的检查已跳过。")
    raise typer.Exit(1 if errors or (strict and warnings) else 0)


def suggest_command(
    aov: Annotated[str, typer.Option("--aov", help="店铺客单价（元）", show_default=False)],
    stage: Annotated[
        str, typer.Option("--stage", help="店铺阶段：growth（成长期）或 mature（成熟期）")
    ] = "growth",
    as_json: JsonOpt = False,
) -> None:
    """按客单价建议满减档位，输出可直接粘贴进活动文件的规则。"""
    from cstool.errors import BadInput
    from cstool.money import parse_money
    from cstool.output import print_json

    from .suggest import suggest_tiers, tiers_yaml

    if stage not in ("growth", "mature"):
        raise BadInput(f"--stage 应为 growth（成长期）或 mature（成熟期），得到 {stage!r}")
    tiers = suggest_tiers(parse_money(aov, field="--aov"), stage)
    if as_json:
        print_json({"aov": parse_money(aov, field="--aov"), "stage": stage, "tiers": tiers})
    else:
        print(tiers_yaml(parse_money(aov, field="--aov"), stage, tiers))


def summary_command(
    ctx: typer.Context,
    campaign: Annotated[
        str | None, typer.Argument(help="活动（默认：正在进行的，或下一个）", show_default=False)
    ] = None,
) -> None:
    """一句话活动说明，用于自动回复和欢迎语（也是快捷短语里的 {promo}）。"""
    from cstool.output import info

    from .registry import collect_rule_types
    from .summary import current_summary, summary_line

    state = get_state(ctx)
    if campaign is None:
        line = current_summary(state.kb, collect_rule_types(state.pm))
        if not line:
            info("没有正在进行或即将开始的活动。")
            raise typer.Exit(0)
    else:
        line = summary_line(_campaign(ctx, campaign))
    print(line)
