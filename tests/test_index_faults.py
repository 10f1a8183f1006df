"""The search index under faults: concurrent rebuilds, a location that cannot be used, a corrupt
or hand-edited meta.json, leftovers of dead builders; and the query length limit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cstool.kb import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent
NOT_OPENED = "无法打开刚建好的搜索索引"
IN_MEMORY = "这次在内存里建索引"


@pytest.fixture
def kb(tmp_path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(REPO / "kb", root)
    return root


def folder_of(kb: Path) -> Path:
    from cstool_quickphrase.index import index_dir

    return index_dir(KnowledgeBase(kb))


def edit(kb: Path, n: int = 0) -> None:
    """A real KB edit: one more entry in a topic file."""
    with (kb / "phrases" / "ship.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            f"  - id: ship.fault{n}\n    title: 故障测试{n}号\n    questions: [故障测试{n}号在哪]\n"
            f"    replies: [亲，第{n}号测试回复~]\n"
        )


def assert_only_the_index_is_left(kb: Path) -> None:
    """Nothing stray beside the index: no ``.tmp-<pid>``, no ``.old-<pid>``."""
    folder = folder_of(kb)
    assert sorted(p.name for p in folder.parent.iterdir()) == sorted([folder.name, f"{folder.name}.lock"])


def answered(result) -> None:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert NOT_OPENED not in result.output
    assert "[1]" in result.stdout


# ---------------------------------------------------------------- concurrency


def test_eight_cold_searches_at_once_after_an_edit_all_answer(kb, isolated_home, cli):
    answered(cli("--kb", kb, "search", "发货"))  # an index exists; the edit makes it stale
    edit(kb)
    env = {**os.environ, "CSTOOL_HOME": str(isolated_home), "CSTOOL_KB": str(kb)}
    queries = ["什么时候发货", "包邮吗", "bzq", "能便宜点吗", "故障测试0号", "退货", "发票", "fh"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "cstool", "search", query, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        for query in queries
    ]
    outcomes = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    for p in procs:
        p.stdout.close()  # type: ignore[union-attr]
        p.stderr.close()  # type: ignore[union-attr]
    for query, (code, out, err) in zip(queries, outcomes, strict=True):
        assert code == 0, (query, err)
        assert NOT_OPENED not in err and "Traceback" not in err and "内部错误" not in err, err
        assert json.loads(out), (query, err)
    assert "ship.fault0" in {hit["id"] for hit in json.loads(outcomes[4][1])}  # the edit is searched
    assert_only_the_index_is_left(kb)


def test_repeated_kb_index_and_searches_leave_nothing_behind(kb, cli):
    """Every rebuild swaps the index in and removes the old one."""
    answered(cli("--kb", kb, "search", "发货"))
    for n in range(3):
        edit(kb, n)
        assert cli("--kb", kb, "kb", "index").exit_code == 0
        answered(cli("--kb", kb, "search", f"故障测试{n}号"))
    assert_only_the_index_is_left(kb)


# ---------------------------------------------------------------- an unusable location


@pytest.mark.parametrize("where", ["index-folder", "index-parent", "cache-dir"])
def test_a_file_where_the_index_folder_should_be_still_answers(kb, cli, isolated_home, where):
    """A file in place of a folder: no one can write there, not even root."""
    folder = folder_of(kb)
    blocker = {"index-folder": folder, "index-parent": folder.parent, "cache-dir": isolated_home / "cache"}[
        where
    ]
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("不是文件夹", encoding="utf-8")
    result = cli("--kb", kb, "search", "发货")
    answered(result)
    notes = [line for line in result.stderr.splitlines() if IN_MEMORY in line]
    assert len(notes) == 1 and str(folder) in notes[0]
    assert blocker.read_text(encoding="utf-8") == "不是文件夹"  # the person's file is left alone
    leftovers = [p for p in blocker.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert leftovers == []


def test_kb_index_on_an_unusable_location_is_a_clear_failure(kb, cli):
    folder = folder_of(kb)
    folder.parent.mkdir(parents=True)
    folder.write_text("x", encoding="utf-8")
    result = cli("--kb", kb, "kb", "index")
    assert result.exit_code == 1, result.output
    assert "无法保存搜索索引" in result.stderr and "同名文件" in result.stderr
    assert "Traceback" not in result.output and "内部错误" not in result.output


def test_unwritable_index_folder_answers_with_a_note(kb, cli):
    answered(cli("--kb", kb, "search", "发货"))
    edit(kb)
    parent = folder_of(kb).parent
    parent.chmod(0o500)
    try:
        if os.access(parent, os.W_OK):
            pytest.skip("running as root: permissions are not enforced (the file cases cover it)")
        result = cli("--kb", kb, "search", "故障测试0号", "--json")
        assert result.exit_code == 0, result.output
        assert IN_MEMORY in result.stderr
        assert "ship.fault0" in {hit["id"] for hit in json.loads(result.stdout)}
    finally:
        parent.chmod(0o700)


# ---------------------------------------------------------------- meta.json


def _meta_variants(meta: dict) -> dict[str, str]:
    def changed(**values) -> str:
        return json.dumps({**meta, **values}, ensure_ascii=False)

    text = json.dumps(meta, ensure_ascii=False)
    return {
        "count-many": changed(count="many"),
        "count-negative": changed(count=-5),
        "count-float": changed(count=1e400),
        "truncated": text[: len(text) // 2],
        "empty": "",
        "null": "null",
        "a-list": "[1, 2, 3]",
        "signature-string": changed(signature="whatever"),
        "signature-short-rows": changed(signature=[[1, 2]]),
        "synonyms-numbers": changed(synonyms=[[1, 2]]),
        "stages-list": changed(stages=["ship"]),
        "t2s-uneven": changed(t2s=["郵費", "邮"]),
        "t2s-missing": changed(t2s=None),
        "spellings-a-table": changed(spellings={"you'huo": "有货"}),
        "syllables-numbers": changed(syllables={"you": 1}),
        "kb-number": changed(kb=5),
        "format-other": changed(format="qp-0"),
        "deep-nesting": "[" * 100_000,
        "binary": "\udcff\udcfe",
    }


VARIANTS = list(_meta_variants({}).keys())


@pytest.mark.parametrize("variant", VARIANTS)
def test_corrupt_or_hand_edited_meta_is_rebuilt(kb, cli, variant):
    from cstool_quickphrase.index import read_meta

    answered(cli("--kb", kb, "search", "发货"))
    meta_file = folder_of(kb) / "meta.json"
    good = json.loads(meta_file.read_text(encoding="utf-8"))
    meta_file.write_bytes(_meta_variants(good)[variant].encode("utf-8", "surrogateescape"))
    assert read_meta(folder_of(kb)) is None  # never trusted
    result = cli("--kb", kb, "search", "什么时候发货", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["id"] == "ship.when"
    assert read_meta(folder_of(kb)) == good  # rebuilt, valid again
    assert_only_the_index_is_left(kb)


# ---------------------------------------------------------------- leftovers


def test_leftovers_of_dead_builders_are_removed_and_live_ones_kept(kb, cli):
    answered(cli("--kb", kb, "search", "发货"))
    folder = folder_of(kb)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    stale = [folder.parent / f"{folder.name}.old-{dead_pid}", folder.parent / f"other.tmp-{dead_pid}"]
    for path in stale:
        path.mkdir()
        (path / "seg").write_text("x", encoding="utf-8")
    live = folder.parent / f"{folder.name}.tmp-{os.getppid()}"  # a running process's build in progress
    live.mkdir()
    edit(kb)
    answered(cli("--kb", kb, "search", "发货"))
    assert not any(path.exists() for path in stale)
    assert live.exists()
    live.rmdir()
    assert_only_the_index_is_left(kb)


# ---------------------------------------------------------------- query length


def test_a_huge_query_is_cut_with_a_one_line_note_and_not_echoed(kb, cli):
    from cstool_quickphrase.search import MAX_QUERY_CHARS

    query = "包邮吗" + "啊" * 100_000
    result = cli("--kb", kb, "search", query)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "太长" in line]
    assert len(notes) == 1 and f"前 {MAX_QUERY_CHARS} 字" in notes[0] and "100003" in notes[0]
    assert "啊" * (MAX_QUERY_CHARS + 1) not in result.output
    assert len(result.output) < 5_000


def test_a_huge_query_with_no_result_does_not_echo_it_whole(kb, cli):
    result = cli("--kb", kb, "search", "q" * 100_000)
    assert result.exit_code == 0, result.output
    assert len(result.output) < 1_000


def test_search_uses_only_the_first_characters(kb, cli):
    from cstool_quickphrase.search import MAX_QUERY_CHARS

    head = "能便宜点吗" + " " * (MAX_QUERY_CHARS - 5)
    short = json.loads(cli("--kb", kb, "search", "能便宜点吗", "--json").stdout)
    long = json.loads(cli("--kb", kb, "search", head + "发票怎么开" * 1000, "--json").stdout)
    assert [hit["id"] for hit in long] == [hit["id"] for hit in short]


def test_packed_spellings_unpack_to_the_table_and_back():
    from cstool_quickphrase.index import pack_table, unpack_table

    table = {"you'huo": "有货", "bao'you": "包邮 保佑", "a'a": ""}
    assert unpack_table(pack_table(table)) == table
    assert list(unpack_table(pack_table(table))) == list(table)
    assert unpack_table("") == {}
