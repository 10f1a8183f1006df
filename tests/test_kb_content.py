"""The bundled starter KB (kb/) is complete, clean and honest to test against.

These tests guard the content a team gets on day one: every intent the
playbooks require, enough buyer phrasings and reply variants to search and
rotate, the 多次议价 script, the wording rules, and a held-out query set that
really is held out.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import zhconv
from cstool_quickphrase.kbfiles import phrase_files
from cstool_quickphrase.lint import lint_kb, rules_from_settings
from cstool_quickphrase.model import load_phrasebook

from cstool import yamlio
from cstool.kb import KnowledgeBase
from cstool.template import placeholders_in, render_text

REPO = Path(__file__).resolve().parent.parent
KB_ROOT = REPO / "kb"
HELDOUT = REPO / "tests" / "data" / "heldout_queries.yaml"

REQUIRED_IDS = [
    "greet.welcome",
    "greet.busy",
    "greet.offline",
    "product.in_stock",
    "product.out_of_stock",
    "product.restock",
    "product.authentic",
    "product.quality",
    "product.origin",
    "product.shelf_life",
    "product.size",
    "product.real_photo",
    "bargain.promise",
    "bargain.compare",
    "bargain.assertive",
    "bargain.pressure",
    "bargain.petty",
    "bargain.sympathy",
    "bargain.excuse",
    "bargain.campaign",
    "bargain.bulk",
    "bargain.returning",
    "bargain.again",
    "promo.current",
    "promo.free_shipping",
    "pay.help",
    "pay.remind",
    "pay.modify_price",
    "pay.invoice",
    "ship.when",
    "ship.courier",
    "ship.eta",
    "ship.tracking",
    "ship.urgent",
    "ship.address_change",
    "aftersale.return",
    "aftersale.exchange",
    "aftersale.damaged",
    "aftersale.complaint",
    "aftersale.refund_time",
    "close.farewell",
    "close.favorite",
    "close.confirm_order",
]

# Filled by the promo plugin at render time, not by kb.yaml.
PLUGIN_PLACEHOLDERS = {"promo"}
HELDOUT_KINDS = {"buyer", "keyword", "pinyin", "initials", "traditional", "typo"}
# The minimum number of held-out queries of each kind (the brief's mix).
HELDOUT_MINIMUMS = {"keyword": 10, "pinyin": 8, "initials": 8, "traditional": 6, "typo": 6}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(KB_ROOT)


@pytest.fixture(scope="module")
def book(kb):
    return load_phrasebook(kb, strict=True)


@pytest.fixture(scope="module")
def heldout() -> list[dict]:
    return [dict(item) for item in yamlio.load(HELDOUT)]


def all_texts(book):
    """Every message a buyer may read: (entry id, text), one per reply or script step."""
    for entry in book.entries:
        for reply in entry.replies:
            for text in reply.texts:
                yield entry.id, text


def normalized(text: str) -> str:
    """What a search would see: simplified characters, lower case, no spaces."""
    return re.sub(r"\s+", "", zhconv.convert(text, "zh-cn").lower())


# --- the KB loads and passes its own lint ------------------------------------------


def test_bundled_kb_loads_strictly_without_problems(book):
    assert book.entries
    assert [p for p in book.problems] == []


def test_bundled_kb_passes_its_own_lint(kb):
    known = set(kb.settings["placeholders"]) | PLUGIN_PLACEHOLDERS
    problems = lint_kb(kb, known)
    assert [f"{p.where} {p.code} {p.message}" for p in problems] == []


def test_one_topic_per_file_and_stage_matches_the_file(kb, book):
    files = {p.stem for p in phrase_files(kb)}
    assert files == {"greet", "product", "bargain", "promo", "pay", "ship", "aftersale", "close"}
    stages = set(kb.settings["stages"])
    for entry in book.entries:
        prefix = entry.id.split(".", 1)[0]
        assert entry.stage == prefix, entry.id
        assert entry.stage in stages, entry.id
        assert entry.path.stem == prefix, f"{entry.id} lives in {entry.path.name}"


# --- coverage of the required intents -------------------------------------------


def test_every_required_id_is_present(book):
    missing = sorted(set(REQUIRED_IDS) - set(book.by_id()))
    assert missing == []


@pytest.mark.parametrize("entry_id", REQUIRED_IDS)
def test_required_entry_is_complete(book, entry_id):
    entry = book.by_id()[entry_id]
    assert entry.title
    assert entry.tags, "tags"
    assert entry.shortcut, "shortcut"
    assert entry.keywords, "keywords"
    assert len(entry.questions) >= 5, f"only {len(entry.questions)} buyer phrasings"
    assert len(entry.replies) >= 2, f"only {len(entry.replies)} reply variants"


def test_reply_variants_of_an_entry_differ(book):
    for entry in book.entries:
        texts = ["\n".join(r.texts) for r in entry.replies]
        assert len(set(texts)) == len(texts), f"{entry.id} repeats a reply variant"


def test_shortcuts_are_unique(book):
    counts = Counter(e.shortcut.lower() for e in book.entries if e.shortcut)
    assert [code for code, n in counts.items() if n > 1] == []


def test_no_buyer_phrasing_points_at_two_entries(book):
    owners: dict[str, str] = {}
    clashes = []
    for entry in book.entries:
        for question in entry.questions:
            key = normalized(question)
            if key in owners and owners[key] != entry.id:
                clashes.append((question, owners[key], entry.id))
            owners.setdefault(key, entry.id)
    assert clashes == []


# --- the 多次议价 script ------------------------------------------------------------


def test_bargain_again_is_ask_supervisor_wait_then_gift(book):
    entry = book.by_id()["bargain.again"]
    scripts = [r for r in entry.replies if r.is_script]
    assert scripts, "bargain.again needs a multi-step `steps:` reply"
    kinds = [s.kind for s in scripts[0].steps]
    assert kinds == ["say", "wait", "say"]
    ask, wait, result = scripts[0].steps
    assert "主管" in ask.text and "申请" in ask.text
    assert re.search(r"2\s*[-–~到]\s*3\s*分钟", wait.text), wait.text
    assert "主管" in result.text and "礼" in result.text


# --- wording rules and placeholders -----------------------------------------------


def test_no_message_is_over_the_team_limit_even_when_rendered(kb, book):
    limit = rules_from_settings(kb).max_reply_length
    assert limit == 200
    values = {name: (lambda v=value: str(v)) for name, value in kb.settings["placeholders"].items()}
    too_long = []
    for entry_id, text in all_texts(book):
        rendered = render_text(text, values)  # {promo} stays as written: its length is the plugin's
        if len(text) > limit or len(rendered) > limit:
            too_long.append((entry_id, len(rendered), text[:20]))
    assert too_long == []


def test_every_placeholder_is_defined(kb, book):
    defined = set(kb.settings["placeholders"]) | PLUGIN_PLACEHOLDERS
    unknown = {
        (entry_id, name) for entry_id, text in all_texts(book) for name in placeholders_in(text) - defined
    }
    assert unknown == set()


def test_current_promo_reply_names_the_campaign(book):
    entry = book.by_id()["promo.current"]
    assert all("{promo}" in "".join(r.texts) for r in entry.replies)


def test_banned_words_cover_the_playbook_list_and_are_never_used(kb, book):
    banned = rules_from_settings(kb).banned_words
    for word in ("不知道", "不可能", "不关我们事", "我不会", "自己看", "你看不懂吗"):
        assert word in banned
    used = [(entry_id, w) for entry_id, text in all_texts(book) for w in banned if w in text]
    assert used == []


def test_phrase_files_carry_team_comments_and_round_trip_unchanged(kb):
    # `kb add` rewrites these files through yamlio: a lossless round trip means
    # the team's comments and layout survive every edit.
    for path in [*phrase_files(kb), kb.path("synonyms.yaml"), kb.path("kb.yaml")]:
        text = path.read_text(encoding="utf-8")
        assert re.search(r"^\s*# ", text, re.M), f"{path.name} has no comment"
        assert yamlio.dumps(yamlio.load(path)) == text, f"{path.name} changes on round trip"


# --- synonyms ---------------------------------------------------------------------


def test_team_synonyms_are_many_small_disjoint_groups(book):
    groups = book.synonyms
    assert len(groups) >= 30
    assert all(len(g) >= 2 for g in groups)
    words = Counter(w for g in groups for w in g)
    assert [w for w, n in words.items() if n > 1] == []
    by_word = {w: set(g) for g in groups for w in g}
    assert {"免运费", "免邮", "包油"} <= by_word["包邮"]
    assert {"寄出", "发出"} <= by_word["发货"]
    assert "物流" in by_word["快递"]
    assert "退回" in by_word["退货"]


# --- the held-out query set ---------------------------------------------------------


def test_heldout_set_is_large_and_well_formed(book, heldout):
    assert len(heldout) >= 80
    ids = set(book.by_id())
    for item in heldout:
        assert set(item) == {"q", "id", "kind"}, item
        assert item["id"] in ids, item
        assert item["kind"] in HELDOUT_KINDS, item
        assert str(item["q"]).strip(), item
    queries = [normalized(str(i["q"])) for i in heldout]
    assert [q for q, n in Counter(queries).items() if n > 1] == []


def test_heldout_set_covers_every_stage_and_kind(kb, heldout):
    stages = {i["id"].split(".", 1)[0] for i in heldout}
    assert stages == set(kb.settings["stages"])
    kinds = Counter(i["kind"] for i in heldout)
    for kind, minimum in HELDOUT_MINIMUMS.items():
        assert kinds[kind] >= minimum, kind
    assert kinds["buyer"] >= 40


def test_heldout_queries_are_not_in_the_kb_questions(book, heldout):
    """Held out means held out: not verbatim, not even after 繁→简 and case folding."""
    questions = {normalized(q) for e in book.entries for q in e.questions}
    leaked = [i["q"] for i in heldout if normalized(str(i["q"])) in questions]
    assert leaked == []


def test_heldout_traditional_queries_really_use_traditional_characters(heldout):
    for item in heldout:
        if item["kind"] == "traditional":
            assert zhconv.convert(item["q"], "zh-cn") != item["q"], item["q"]


def test_heldout_pinyin_queries_are_latin_letters(heldout):
    for item in heldout:
        if item["kind"] in {"pinyin", "initials"}:
            assert re.fullmatch(r"[a-z]+", item["q"]), item["q"]
