"""``cstool kb init DIR``: a team KB that passes its own lint, never written over an existing one."""

from __future__ import annotations

import json
from pathlib import Path

from cstool_quickphrase.model import load_phrasebook
from kb_tools_helpers import make_kb, snapshot

from cstool import yamlio
from cstool.kb import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent
SCAFFOLD = [
    "kb.yaml",
    "phrases/greet.yaml",
    "synonyms.yaml",
    "promos/README.md",
    ".pre-commit-config.yaml",
    "README.md",
]


def test_init_scaffolds_a_kb_that_passes_lint(cli, tmp_path):
    target = tmp_path / "team-kb"
    result = cli("kb", "init", str(target))
    assert result.exit_code == 0, result.output
    for name in SCAFFOLD:
        assert (target / name).is_file(), name
        assert f"已创建 {name}" in result.stderr
    lint = cli("--kb", str(target), "kb", "lint", "--strict", "--json")
    assert lint.exit_code == 0, lint.output
    assert json.loads(lint.stdout) == []
    book = load_phrasebook(KnowledgeBase(target))
    assert {e.id for e in book.entries} == {"greet.welcome", "greet.busy"}
    assert any(reply.is_script for e in book.entries for reply in e.replies)  # shows a multi-step script
    assert ("包邮", "免运费", "免邮") in book.synonyms


def test_settings_are_commented_in_chinese(cli, tmp_path):
    target = tmp_path / "kb"
    cli("kb", "init", str(target))
    settings = (target / "kb.yaml").read_text(encoding="utf-8")
    comments = [line for line in settings.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) >= 5 and all(any("\u4e00" <= ch <= "\u9fff" for ch in c) for c in comments)
    data = KnowledgeBase(target).settings
    assert set(data["lint"]) >= {"max_reply_length", "banned_words", "bare_negatives"}
    assert data["placeholders"]["shop"]


def test_found_from_inside_the_repo_without_kb_option(cli, tmp_path, monkeypatch):
    target = tmp_path / "kb"
    cli("kb", "init", str(target))
    (target / "phrases" / "sub").mkdir()
    monkeypatch.chdir(target / "phrases" / "sub")
    result = cli("kb", "lint")
    assert result.exit_code == 0, result.output
    assert "检查通过" in result.stderr


def test_refuses_an_existing_kb_and_changes_nothing(cli, tmp_path):
    root = make_kb(tmp_path / "kb")
    before = snapshot(root)
    result = cli("kb", "init", str(root))
    assert result.exit_code == 2
    assert "已经有知识库" in result.stderr and "不会覆盖" in result.stderr
    assert snapshot(root) == before


def test_refuses_when_any_file_would_be_overwritten(cli, tmp_path):
    target = tmp_path / "repo"
    target.mkdir()
    (target / "README.md").write_text("我们自己的说明\n", encoding="utf-8")
    result = cli("kb", "init", str(target))
    assert result.exit_code == 2
    assert "README.md" in result.stderr
    assert [p.name for p in target.iterdir()] == ["README.md"]
    assert (target / "README.md").read_text(encoding="utf-8") == "我们自己的说明\n"


def test_existing_unrelated_folder_is_fine(cli, tmp_path):
    target = tmp_path / "repo"
    (target / ".git").mkdir(parents=True)
    assert cli("kb", "init", str(target)).exit_code == 0
    assert (target / ".git").is_dir() and (target / "kb.yaml").is_file()


def test_target_is_a_file(cli, tmp_path):
    target = tmp_path / "kb"
    target.write_text("x", encoding="utf-8")
    result = cli("kb", "init", str(target))
    assert result.exit_code == 2 and "不是文件夹" in result.stderr


def test_pre_commit_config_uses_the_shipped_hook():
    hooks = yamlio.load(REPO / ".pre-commit-hooks.yaml")
    [hook] = [h for h in hooks if h["id"] == "cstool-kb-lint"]
    assert hook["entry"] == "cstool kb lint" and hook["pass_filenames"] is False
    from cstool_quickphrase.scaffold import PRE_COMMIT

    config = yamlio.loads(PRE_COMMIT)
    [local] = [h for repo in config["repos"] for h in repo["hooks"]]
    assert local["id"] == hook["id"] and local["entry"] == hook["entry"] and local["files"] == hook["files"]
    import re

    pattern = re.compile(hook["files"])
    for name in ("kb.yaml", "phrases/ship.yaml", "kb/phrases/a/b.yml", "synonyms.yaml"):
        assert pattern.search(name), name
    for name in ("README.md", "promos/double11.yaml", "src/kb.yaml.bak"):
        assert not pattern.search(name), name
