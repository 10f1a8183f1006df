"""The search-backend seam (issue 12): the hook, choosing a backend, tantivy missing.

Ranking equality of whoosh and tantivy over the quality sets is in
tests/test_search_quality.py (every quality test runs on both).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cstool import hookimpl
from cstool.kb import KnowledgeBase, bundled_kb_path
from cstool.plugins import make_plugin_manager

QUERIES = ["能便宜点吗", "啥时候发货", "bzq", "baoyou", "包郵嗎", "tuihuoo", "you huo ma", "亲"]


class DictBackend:
    """A complete backend in plain Python dicts: the interface is all the ranking needs."""

    NAME = "dicts"

    def __init__(self) -> None:
        self.written: list[Path] = []

    def _reader(self, docs):
        postings: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
        for docnum, (fields, _) in enumerate(docs):
            for field, counts in fields.items():
                for term, freq in counts.items():
                    ids, weights = postings.setdefault((field, term), ([], []))
                    ids.append(docnum)
                    weights.append(float(freq))
        return DictReader(postings, [stored for _, stored in docs])

    def write(self, folder, docs, progress=None):
        (folder / "dicts.json").write_text(json.dumps(list(docs), ensure_ascii=False), encoding="utf-8")
        self.written.append(folder)

    def memory(self, docs, progress=None):
        return self._reader(docs)

    def open(self, folder):
        return self._reader(json.loads((folder / "dicts.json").read_text(encoding="utf-8")))


class DictReader:
    def __init__(self, postings, stored):
        self._postings = postings
        self._stored = stored

    def doc_count(self):
        return len(self._stored)

    def doc_frequency(self, field, term):
        return len(self._postings.get((field, term), ((), ()))[0])

    def postings(self, field, term):
        return self._postings.get((field, term), ([], []))

    def stored(self, docnum):
        return self._stored[docnum]

    def documents(self):
        return list(self._stored)

    def terms_with_prefix(self, field, prefix):
        return sorted(t for f, t in self._postings if f == field and t.startswith(prefix))

    def close(self):
        pass


def results(session) -> list[list[tuple[str, float, float]]]:
    return [[(f.id, f.hit.score, f.hit.relevance) for f in session.find(q)] for q in QUERIES]


def test_hook_cstool_search_backends_a_plugin_backend_ranks_like_whoosh(monkeypatch):
    """A plugin registers a backend; chosen by CSTOOL_SEARCH_BACKEND, it gets the entries'
    terms, and search answers exactly as with the built-in whoosh."""
    from cstool_quickphrase.session import SearchSession

    backend = DictBackend()

    class Plugin:
        @hookimpl
        def cstool_search_backends(self, register):
            register("dicts", backend)

    pm = make_plugin_manager(plugins=[Plugin()], load_entrypoints=False)
    kb = KnowledgeBase(bundled_kb_path())
    whoosh = SearchSession(kb, dict, pm=pm)
    expected = results(whoosh)
    whoosh.close()
    monkeypatch.setenv("CSTOOL_SEARCH_BACKEND", "dicts")
    session = SearchSession(kb, dict, pm=pm)
    try:
        assert session.index.backend == "dicts" and len(backend.written) == 1
        assert results(session) == expected
        assert all(expected)
    finally:
        session.close()
    again = SearchSession(kb, dict, pm=pm)  # fresh: opened, not rebuilt
    again.close()
    assert len(backend.written) == 1


def test_config_toml_chooses_the_backend_and_the_environment_wins(cli, isolated_home):
    (isolated_home / "config.toml").write_text('search_backend = "tantivy"\n', encoding="utf-8")
    result = cli("search", "包邮吗", "--json")
    assert result.exit_code == 0, result.stderr
    cache = isolated_home / "cache" / "index"
    assert [p.name.endswith("-tantivy") for p in cache.iterdir() if p.is_dir()] == [True]
    tantivy_json = json.loads(result.stdout)
    result = cli("search", "包邮吗", "--json", env={"CSTOOL_SEARCH_BACKEND": "whoosh"})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == tantivy_json  # the same shape and the same answer
    assert sorted(p.name.endswith("-tantivy") for p in cache.iterdir() if p.is_dir()) == [False, True]


def test_an_unknown_backend_is_bad_input(cli):
    result = cli("search", "包邮", env={"CSTOOL_SEARCH_BACKEND": "elastic"})
    assert result.exit_code == 2
    assert "没有这个搜索后端：elastic" in result.stderr and "whoosh" in result.stderr
    assert "内部错误" not in result.stderr


@pytest.mark.parametrize("how", ["library missing", "plugin disabled"])
def test_tantivy_without_the_extra_names_the_install_command(tmp_path, how):
    """As a new process without the ``tantivy`` library: exit 2, Chinese, the pip command."""
    import os

    env = dict(os.environ, CSTOOL_HOME=str(tmp_path), CSTOOL_SEARCH_BACKEND="tantivy")
    block = "sys.modules['tantivy'] = None; " if how == "library missing" else ""
    if how == "plugin disabled":
        env["CSTOOL_DISABLE_PLUGINS"] = "tantivy"
    code = f"import sys; {block}from cstool.cli import main; sys.argv = ['cstool', 'search', '包邮']; main()"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'cstool[tantivy]'" in proc.stderr
    assert "Traceback" not in proc.stderr and "内部错误" not in proc.stderr
    assert proc.stdout == ""


def test_tantivy_postings_are_whooshs_postings(tmp_path, monkeypatch):
    """Term for term, both backends hand the ranking the same document numbers and weights."""
    from cstool_quickphrase.index import open_index

    monkeypatch.setenv("CSTOOL_HOME", str(tmp_path))
    kb = KnowledgeBase(bundled_kb_path())
    whoosh, tantivy = open_index(kb, backend="whoosh"), open_index(kb, backend="tantivy")
    try:
        checked = 0
        for doc in whoosh.documents()[:20]:
            for field, term in [("text", doc["title"][:2]), ("stage", doc["stage"]), ("py", "baoyou")]:
                w_ids, w_weights = whoosh.postings(field, term)
                t_ids, t_weights = tantivy.postings(field, term)
                assert sorted(zip(w_ids, w_weights, strict=True)) == sorted(
                    zip(t_ids, t_weights, strict=True)
                ), (field, term)
                assert whoosh.doc_frequency(field, term) == tantivy.doc_frequency(field, term)
                checked += len(w_ids)
        assert checked > 100
        assert any(w > 1 for w in whoosh.postings("text", "包邮")[1])  # frequencies, not just presence
        assert whoosh.terms_with_prefix("py", "bao") == sorted(tantivy.terms_with_prefix("py", "bao"))
        assert whoosh.documents() == tantivy.documents()
    finally:
        whoosh.close()
        tantivy.close()


def test_only_the_chosen_backend_is_imported_and_only_when_searching(tmp_path):
    """`--help` imports no backend; a tantivy search imports neither whoosh nor asyncio;
    a whoosh search does not import asyncio (whoosh's cached_property dependency would)."""
    import os

    probe = (
        "import sys, io, contextlib; from cstool.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()): code = run(sys.argv[1:])\n"
        "print(code, sorted(m for m in ('whoosh', 'tantivy', 'asyncio') if m in sys.modules))"
    )

    def loaded(backend: str, *args: str) -> str:
        env = dict(os.environ, CSTOOL_HOME=str(tmp_path), CSTOOL_SEARCH_BACKEND=backend)
        proc = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env, timeout=120
        )
        return proc.stdout.strip()

    assert loaded("tantivy", "--help") == "0 []"
    assert loaded("tantivy", "search", "包邮", "--json") == "0 ['tantivy']"
    assert loaded("whoosh", "search", "包邮", "--json") == "0 ['whoosh']"


@pytest.mark.parametrize(
    "counts",
    [
        {"便宜": 2, "能便": 1, "baoyou": 1},
        {"bao you": 1, "包邮": 3},  # a term with a space (phrases of pinyin)
        {"a\x01b": 1, "x\ty": 2, "全角\u3000空格": 1},  # the separator itself, a tab, an ideographic space
    ],
)
def test_tantivy_field_tokens_are_each_terms_own(counts):
    """A field's text is built in one go; each token still encodes its own term and frequency."""
    from cstool_tantivy.backend import SEP, _encode, _field_text

    assert _field_text(counts) == " ".join(f"{_encode(t)}{SEP}{n}" for t, n in counts.items())
    assert len(_field_text(counts).split()) == len(counts)
