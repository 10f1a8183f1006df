"""The one-line campaign summary for auto-replies and the ``{promo}`` placeholder."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from cstool.errors import BadInput

from .model import Campaign, campaign_files, load_campaign
from .rules import describe

# Buyers care about 满减 first, then coupons, prices, bundles, shipping.
_LEVEL_ORDER = {"order": 0, "coupon": 1, "item": 2, "bundle": 3, "shipping": 4}


def window_text(start: datetime, end: datetime) -> str:
    """``11月11日`` for a whole day, ``6月18日 02:00–06:00`` within a day, else both ends."""
    if start.time() == time() and end.time() == time():
        last = end - timedelta(days=1)
        if last.date() == start.date():
            return f"{start.month}月{start.day}日"
        return f"{start.month}月{start.day}日–{last.month}月{last.day}日"
    if start.date() == end.date():
        return f"{start.month}月{start.day}日 {start:%H:%M}–{end:%H:%M}"
    return f"{start.month}月{start.day}日 {start:%H:%M}–{end.month}月{end.day}日 {end:%H:%M}"


def summary_line(campaign: Campaign) -> str:
    parts = []
    rules = sorted(campaign.rules, key=lambda r: _LEVEL_ORDER.get(r.level, 9))
    for rule in rules:
        text = describe(rule, campaign.title)
        if (rule.start, rule.end) != (campaign.start, campaign.end):
            text += f"（{window_text(rule.start.astimezone(campaign.tz), rule.end.astimezone(campaign.tz))}）"
        parts.append(text)
    when = window_text(campaign.start, campaign.end)
    return f"本店{campaign.name}（{when}）：" + "；".join(parts)


def pick_campaign(campaigns: list[Campaign], now: datetime) -> Campaign | None:
    """The campaign running now (the one ending first), else the next one to start."""
    running = [c for c in campaigns if c.start <= now < c.end]
    if running:
        return min(running, key=lambda c: c.end)
    upcoming = [c for c in campaigns if c.start > now]
    return min(upcoming, key=lambda c: c.start) if upcoming else None


def load_all(promos_dir: Path, types: dict[str, type] | None = None) -> list[Campaign]:
    """Every readable campaign in the folder (a broken file is skipped here; ``promo check`` reports it)."""
    campaigns = []
    for path in campaign_files(promos_dir):
        try:
            campaigns.append(load_campaign(path, types))
        except BadInput:
            continue
    return campaigns


def current_summary(kb: Any, types: dict[str, type] | None = None, now: datetime | None = None) -> str:
    from cstool.timeutil import now as clock

    if types is None:
        from cstool.plugins import make_plugin_manager

        from .registry import collect_rule_types

        types = collect_rule_types(make_plugin_manager())
    campaign = pick_campaign(load_all(kb.promos_dir, types), now or clock())
    return summary_line(campaign) if campaign else ""
