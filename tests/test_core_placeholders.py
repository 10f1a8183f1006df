"""Placeholder values: plugins offer them, the team KB and the user's config override them."""

from __future__ import annotations

from cstool import hookimpl
from cstool.context import AppState
from cstool.plugins import make_plugin_manager


class PromoLike:
    calls = 0

    @hookimpl
    def cstool_placeholders(self, kb, register):
        def summary() -> str:
            PromoLike.calls += 1
            return "本店双11：满199减20"

        register("promo", summary)
        register("shop", lambda: "插件里的店名")


def _state(tmp_path, kb_yaml: str) -> AppState:
    (tmp_path / "kb.yaml").write_text(kb_yaml, encoding="utf-8")
    pm = make_plugin_manager(plugins=[PromoLike()], load_entrypoints=False)
    return AppState(pm=pm, kb_option=str(tmp_path))


def test_hook_cstool_placeholders_values_are_lazy_and_team_settings_win(tmp_path):
    PromoLike.calls = 0
    values = _state(tmp_path, "placeholders:\n  shop: 小暖家居\n  courier: 中通\n").placeholders()
    assert PromoLike.calls == 0  # nothing computed until a reply uses it
    assert values["promo"]() == "本店双11：满199减20" and PromoLike.calls == 1
    assert values["shop"]() == "小暖家居"
    assert values["courier"]() == "中通"


def test_user_config_overrides_the_team(tmp_path, isolated_home):
    (isolated_home / "config.toml").write_text(
        'agent = "阿七"\n[placeholders]\ncourier = "顺丰"\n', encoding="utf-8"
    )
    from cstool.config import load_user_config

    load_user_config.cache_clear()
    values = _state(tmp_path, "placeholders:\n  agent: 小暖\n  courier: 中通\n").placeholders()
    assert values["agent"]() == "阿七"
    assert values["courier"]() == "顺丰"
