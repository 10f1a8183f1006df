"""The KB's phrase files are listed by one directory scan: the same files, in the same order,
as listing with ``Path.rglob`` and sorting (the listing the index's freshness check started with)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cstool_quickphrase.kbfiles import phrase_file_stats, phrase_files

from cstool.kb import KnowledgeBase


def rglob_listing(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def make_tree(root: Path) -> Path:
    phrases = root / "phrases"
    files = [
        "ship.yaml", "a.yml", "b.YAML", "c.yaml.bak", ".yaml", ".hidden.yaml", "Z.yaml", "a-b.yaml",
        "a/b.yaml", "a-b/c.yaml", "a b/售后.yaml", "a/a/a.yml", "deep/1/2/3/4.yaml", "notes.txt",
    ]  # fmt: skip
    for name in files:
        path = phrases / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("- id: x.y\n", encoding="utf-8")
    (phrases / "folder.yaml").mkdir()  # a folder named like a phrase file
    (phrases / "link.yaml").symlink_to(phrases / "ship.yaml")  # a link to a file counts
    (phrases / "dangling.yaml").symlink_to(phrases / "gone.yaml")  # a broken link does not
    (phrases / "linked-folder").symlink_to(phrases / "a", target_is_directory=True)  # not entered
    return phrases


def test_same_files_in_the_same_order_as_rglob(tmp_path):
    phrases = make_tree(tmp_path)
    kb = KnowledgeBase(tmp_path)
    assert phrase_files(kb) == rglob_listing(phrases)
    assert len(phrase_files(kb)) == 11


def test_stats_are_the_files_own(tmp_path):
    phrases = make_tree(tmp_path)
    for parts, st in phrase_file_stats(phrases):
        path = phrases.joinpath(*parts)
        assert (st.st_mtime_ns, st.st_size) == (path.stat().st_mtime_ns, path.stat().st_size)


@pytest.mark.parametrize("make", ["missing", "file"])
def test_no_phrase_folder_means_no_files(tmp_path, make):
    if make == "file":
        (tmp_path / "phrases").write_text("not a folder", encoding="utf-8")
    assert phrase_files(KnowledgeBase(tmp_path)) == [] == rglob_listing(tmp_path / "phrases")


def test_the_starter_kb_lists_as_before():
    from cstool.kb import bundled_kb_path

    kb = KnowledgeBase(bundled_kb_path())
    assert phrase_files(kb) == rglob_listing(kb.phrases_dir) != []


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: permissions are not enforced")
def test_an_unreadable_subfolder_is_left_out(tmp_path):
    phrases = make_tree(tmp_path)
    (phrases / "deep").chmod(0)
    try:
        assert phrase_files(KnowledgeBase(tmp_path)) == rglob_listing(phrases)
    finally:
        (phrases / "deep").chmod(0o755)


def test_freshness_signature_is_the_one_of_every_listed_file(tmp_path):
    """The index's "has anything changed" rows: kb.yaml, synonyms.yaml, then each phrase file."""
    from cstool_quickphrase.index import signature

    phrases = make_tree(tmp_path)
    (tmp_path / "kb.yaml").write_text("name: 测试\n", encoding="utf-8")
    (tmp_path / "synonyms.yaml").write_text("- [包邮, 免邮]\n", encoding="utf-8")
    listed = [tmp_path / "kb.yaml", tmp_path / "synonyms.yaml", *rglob_listing(phrases)]
    expected = [[p.relative_to(tmp_path).as_posix(), p.stat().st_mtime_ns, p.stat().st_size] for p in listed]
    assert signature(KnowledgeBase(tmp_path)) == expected
    (phrases / "a" / "b.yaml").write_text("- id: x.zz\n", encoding="utf-8")  # an edit shows
    assert signature(KnowledgeBase(tmp_path)) != expected
