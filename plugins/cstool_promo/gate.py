"""Nothing broken reaches a buyer: ``promo quote`` refuses a campaign that ``promo check`` rejects.

The verdict (the check's error findings) is remembered in the user cache dir,
keyed by the bytes of the campaign file, its catalog, the limits file and the
rule types in use, so a quote does not redo the below-cost search each time;
any edit re-checks. A cache that cannot be read or written only costs time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cstool.config import user_cache_dir
from cstool.files import atomic_write

from . import __version__
from .check import Finding, Limits, check_campaign
from .model import Campaign


def _digest(campaign: Campaign, limits: Limits) -> str:
    h = hashlib.sha256(f"cstool_promo {__version__}\n".encode())
    for path in (campaign.path, campaign.catalog_path, limits.path):
        h.update(b"\0")
        if path is not None:
            try:
                h.update(Path(path).read_bytes())
            except OSError:
                h.update(b"(unreadable)")
    for rule in campaign.rules:
        cls = type(rule)
        h.update(f"\0{rule.type}={cls.__module__}.{cls.__qualname__}".encode())
    return h.hexdigest()[:32]


def check_errors(campaign: Campaign, limits: Limits) -> list[Finding]:
    """The error findings of ``promo check`` for this campaign (remembered while nothing changes)."""
    key = _digest(campaign, limits)
    cache_file = user_cache_dir() / "promo-check" / f"{key}.json"
    try:
        stored: Any = json.loads(cache_file.read_text(encoding="utf-8"))
        return [Finding(f["level"], f["code"], f["rule"], f["message"]) for f in stored["errors"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    errors = [f for f in check_campaign(campaign, limits) if f.level == "error"]
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "errors": [
                {"level": f.level, "code": f.code, "rule": f.rule, "message": f.message} for f in errors
            ]
        }
        atomic_write(cache_file, json.dumps(data, ensure_ascii=False), mode=0o600)
    except OSError:
        pass
    return errors


def errors_text(campaign: Campaign, errors: list[Finding]) -> str:
    lines = [f"活动“{campaign.name}”没有通过 promo check（{len(errors)} 个错误）："]
    for f in errors[:20]:
        lines.append(f"  错误 [{f.code}]{' ' + f.rule if f.rule else ''}：{f.message}")
    if len(errors) > 20:
        lines.append(f"  …还有 {len(errors) - 20} 个，运行 cstool promo check 查看全部")
    return "\n".join(lines)
