"""Search benchmark: a generated 10,000-entry KB.

Reports the full index build, the freshness check on an unchanged KB, a cold
``cstool search`` as a new process beside the baselines measured in the same
run (bare python, typer hello-world), and per-query latency in interactive
mode (index open, in-process). Run: ``.venv/bin/python bench/bench_search.py``
(``make bench`` runs it too). ``--entries N`` changes the KB size.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

from common import PY, baselines, median_ms, percentile_ms, time_call, time_process  # noqa: E402

PRODUCTS = [
    "连衣裙",
    "羽绒服",
    "保温杯",
    "电饭煲",
    "面膜",
    "蓝牙耳机",
    "四件套",
    "儿童书包",
    "运动鞋",
    "茶叶",
    "坚果礼盒",
    "空气炸锅",
    "床垫",
    "毛衣",
    "牛仔裤",
    "口红",
    "洗发水",
    "行李箱",
    "台灯",
    "猫粮",
    "婴儿湿巾",
    "保暖内衣",
    "瑜伽垫",
    "电动牙刷",
    "咖啡豆",
    "抱枕",
    "雨伞",
    "手机壳",
    "围巾",
    "拖鞋",
]
OPENERS = ["", "这个", "你家", "请问", "亲，", "老板，", "这款"]
ENDINGS = ["", "吗", "呢", "啊", "？"]
ENTRIES_PER_FILE = 100


def base_entries() -> list:
    """The starter KB's entries (or the test fixture's, if the starter KB is not written yet)."""
    from cstool_quickphrase.model import load_phrasebook

    from cstool.kb import KnowledgeBase, bundled_kb_path

    book = load_phrasebook(KnowledgeBase(bundled_kb_path()), strict=False)
    if len(book.entries) >= 20:
        return book.entries
    from search_helpers import make_search_kb

    tmp = Path(tempfile.mkdtemp())
    return load_phrasebook(KnowledgeBase(make_search_kb(tmp)), strict=False).entries


def _yaml_list(items: list[str], indent: str) -> str:
    return "".join(f"{indent}- {_q(x)}\n" for x in items)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate_kb(root: Path, count: int, seed: int = 7) -> Path:
    """``count`` entries recombined from the starter KB with products and colloquial wrappers."""
    rng = random.Random(seed)
    bases = base_entries()
    (root / "phrases").mkdir(parents=True)
    (root / "kb.yaml").write_text((REPO / "kb" / "kb.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    synonyms = REPO / "kb" / "synonyms.yaml"
    if synonyms.exists():
        (root / "synonyms.yaml").write_text(synonyms.read_text(encoding="utf-8"), encoding="utf-8")
    chunks: list[str] = []
    for n in range(count):
        base = bases[n % len(bases)]
        product = PRODUCTS[(n // len(bases)) % len(PRODUCTS)]
        variant = n // (len(bases) * len(PRODUCTS))
        questions = [
            f"{rng.choice(OPENERS)}{product}{q}{rng.choice(ENDINGS)}" for q in base.questions[:6]
        ] or [f"{product}{base.title}"]
        replies = []
        for reply in base.replies:
            text = "".join(s.text for s in reply.steps if s.kind == "say")
            replies.append(f"{text}（{product}）")
        title = f"{product}{variant or ''}：{base.title}"
        chunks.append(
            f"  - id: {base.id}.p{n}\n"
            f"    title: {_q(title)}\n"
            f"    stage: {base.stage}\n"
            f"    tags: [{', '.join(_q(t) for t in (*base.tags, product))}]\n"
            f"    keywords:\n{_yaml_list([*base.keywords, product], '      ')}"
            f"    questions:\n{_yaml_list(questions, '      ')}"
            f"    replies:\n{_yaml_list(replies, '      ')}"
        )
        if len(chunks) == ENTRIES_PER_FILE or n == count - 1:
            name = root / "phrases" / f"gen{n // ENTRIES_PER_FILE:04d}.yaml"
            name.write_text("entries:\n" + "".join(chunks), encoding="utf-8")
            chunks = []
    return root


def interactive_queries(bases: list, count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    pool = [q for e in bases for q in e.questions] + [e.title for e in bases]
    pool += [k for e in bases for k in e.keywords] + ["baoyou", "bzq", "fh", "包郵嗎", "shenmeshihoufahuo"]
    out = []
    while len(out) < count:
        q = rng.choice(pool)
        out.append(q if rng.random() < 0.6 else f"{rng.choice(PRODUCTS)}{q}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cstool-bench-search-"))
    os.environ["CSTOOL_HOME"] = str(work / "home")
    from cstool_quickphrase.index import build_index, is_fresh, open_index
    from cstool_quickphrase.session import SearchSession

    from cstool.kb import KnowledgeBase

    kb_root = generate_kb(work / "kb", args.entries)
    kb = KnowledgeBase(kb_root)
    files = len(list((kb_root / "phrases").glob("*.yaml")))

    from cstool_quickphrase.model import load_phrasebook

    parse = time_call(lambda: load_phrasebook(KnowledgeBase(kb_root)), 1)  # the YAML share of a build
    builds = time_call(lambda: build_index(KnowledgeBase(kb_root)), 1)
    fresh = time_call(lambda: is_fresh(KnowledgeBase(kb_root)), 200)
    assert is_fresh(kb)
    opened = time_call(lambda: open_index(KnowledgeBase(kb_root)).close(), 20)

    env = dict(os.environ)
    query = "能便宜点吗"
    cold = time_process([PY, "-m", "cstool", "--kb", str(kb_root), "search", query, "--json"], args.runs, env)
    cold_small = time_process([PY, "-m", "cstool", "search", query, "--json"], args.runs, env)
    base = baselines(args.runs)

    session = SearchSession(kb, lambda: {"shop": lambda: "小暖家居旗舰店", "agent": lambda: "小暖"})
    queries = interactive_queries(base_entries(), args.queries)
    for q in queries[:50]:  # warm-up: first-touch of the segment files
        session.find(q)
    samples = []
    for q in queries:
        start = time.perf_counter()
        session.find(q)
        samples.append(time.perf_counter() - start)
    again = []  # a shift repeats questions: the open index has these terms decoded now
    for q in queries:
        start = time.perf_counter()
        session.find(q)
        again.append(time.perf_counter() - start)
    session.close()

    print(
        f"KB: {args.entries} entries in {files} files; {os.cpu_count()} CPUs; python {sys.version.split()[0]}\n"
    )
    print("| measurement | result | target |")
    print("|---|---|---|")
    print(f"| full index build (one run) | {median_ms(builds) / 1000:.2f} s | ≤ 10 s |")
    print(f"| … of which reading the YAML (ruamel round-trip) | {median_ms(parse) / 1000:.2f} s | |")
    print(f"| freshness check, unchanged KB (median of 200) | {median_ms(fresh):.2f} ms | ≤ 20 ms |")
    print(f"| open fresh index incl. check (median of 20) | {median_ms(opened):.1f} ms | |")
    print(
        f"| cold `cstool search` new process, 10k KB (median of {args.runs}) | {median_ms(cold):.0f} ms | ≤ 200 ms |"
    )
    print(
        f"| cold `cstool search` new process, starter KB (median of {args.runs}) | {median_ms(cold_small):.0f} ms | |"
    )
    for name, ms in base.items():
        print(f"| baseline: {name} (median of {args.runs}) | {ms:.0f} ms | |")
    print(
        f"| interactive query p50 ({len(samples)} queries, index open) | {percentile_ms(samples, 50):.2f} ms | |"
    )
    print(f"| interactive query p99 | {percentile_ms(samples, 99):.2f} ms | ≤ 5 ms |")
    print(
        f"| … the same queries again, p50 / p99 | {percentile_ms(again, 50):.2f} / {percentile_ms(again, 99):.2f} ms | |"
    )
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
