"""``cstool kb lint``: findings with file:line, exit codes, JSON, the wording heuristics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cstool_quickphrase.lint import LintRules, bare_negatives, check_text, lint_kb
from kb_tools_helpers import CLEAN_TOPIC, KB_YAML, make_kb

from cstool.kb import KnowledgeBase

REPO_KB = Path(__file__).resolve().parent.parent / "kb"


def lint(cli, root: Path, *args: str):
    return cli("--kb", str(root), "kb", "lint", *args)


def findings(cli, root: Path, *args: str) -> list[dict]:
    result = lint(cli, root, "--json", *args)
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def test_clean_kb_passes(cli, tmp_path):
    root = make_kb(tmp_path / "kb")
    result = lint(cli, root)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "检查通过" in result.stderr
    assert findings(cli, root) == []


def test_each_rule_reports_file_and_line(cli, tmp_path):
    topic = """\
    topic: 售后
    entries:
      - id: aftersale.return
        title: 退货
        stage: aftersale
        questions: [能退货吗]
        replies:
          - 亲，{shop} 支持七天无理由退货，{nickname} 会帮您处理~
          - 这个我不知道呢。
          - 不能退。
          - 亲，这一段话写得非常非常长，超过了团队设置的六十个字的上限，客服发出去买家也不会认真看完，所以要拆短一点才好，再多写几个字凑够长度吧。
      - id: aftersale.refund_time
        title: 退款到账
        stage: refund
        replies: [亲，退款一般 1-3 天原路退回哦]
    """
    root = make_kb(tmp_path / "kb", {"phrases/aftersale.yaml": topic})
    result = lint(cli, root)
    assert result.exit_code == 1
    path = "phrases/aftersale.yaml"
    lines = result.stdout.splitlines()
    by_code = {line.split()[2]: line for line in lines}
    assert by_code["unknown-placeholder"].startswith(f"{path}:8: 错误 unknown-placeholder")
    assert "{nickname}" in by_code["unknown-placeholder"]
    assert by_code["banned-word"].startswith(f"{path}:9: 错误 banned-word")
    assert "不知道" in by_code["banned-word"]
    assert by_code["bare-negative"].startswith(f"{path}:10: 错误 bare-negative")
    assert by_code["too-long"].startswith(f"{path}:11: 错误 too-long")
    assert by_code["unknown-stage"].startswith(f"{path}:12: 错误 unknown-stage")
    assert by_code["no-questions"].startswith(f"{path}:12: 警告 no-questions")
    assert "共 6 个问题：5 个错误，1 个警告" in result.stderr


def test_json_fields_and_entry(cli, tmp_path):
    topic = """\
    entries:
      - id: ship.when
        title: 发货
        questions: [啥时候发]
        replies: ["{shop} 48 小时内发货"]
      - id: ship.when
        title: 又一个
        questions: [几时发]
        replies: [明天发]
    """
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": topic})
    result = lint(cli, root, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data == [
        {
            "level": "error",
            "code": "duplicate-id",
            "message": data[0]["message"],
            "file": "phrases/ship.yaml",
            "line": 6,
            "entry": "ship.when",
        }
    ]
    assert "id 重复" in data[0]["message"] and "phrases/ship.yaml:2" in data[0]["message"]


def test_schema_errors_come_from_the_model_with_lines(cli, tmp_path):
    topic = """\
    entries:
      - id: greet.welcome
        questions: [在吗]
        replies: [亲，在的~]
      - id: Bad Id
        title: x
        replies: [y]
      - id: greet.busy
        title: 忙
        questions: [在吗2]
        replies: []
        colour: red
    """
    root = make_kb(tmp_path / "kb", {"phrases/greet.yaml": topic})
    data = findings(cli, root)
    got = {(f["code"], f["line"]) for f in data}
    assert ("schema", 2) in got  # missing title
    assert ("bad-id", 5) in got
    assert ("empty-reply", 11) in got
    assert ("unknown-field", 12) in got
    assert any("缺少 title" in f["message"] for f in data)


def test_warnings_fail_only_with_strict(cli, tmp_path):
    topic = CLEAN_TOPIC.replace("    questions: [发什么快递]\n", "")
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": topic})
    assert lint(cli, root).exit_code == 0
    strict = lint(cli, root, "--strict")
    assert strict.exit_code == 1
    assert "警告 no-questions" in strict.stdout


def test_placeholders_from_user_config_count_as_known(cli, tmp_path, isolated_home):
    topic = CLEAN_TOPIC.replace("默认发 {courier}", "默认发 {my_courier}")
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": topic})
    assert lint(cli, root).exit_code == 1
    (isolated_home / "config.toml").write_text('[placeholders]\nmy_courier = "韵达"\n', encoding="utf-8")
    assert lint(cli, root).exit_code == 0


def test_duplicate_shortcut_and_question(cli, tmp_path):
    extra = """\
    entries:
      - id: ship.eta
        title: 几天到
        shortcut: FH
        questions: [什么时候发货]
        replies: [一般 2-3 天到哦]
    """
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": CLEAN_TOPIC, "phrases/ship2.yaml": extra})
    data = findings(cli, root)
    assert [(f["code"], f["level"], f["entry"]) for f in data] == [
        ("duplicate-question", "warning", "ship.eta"),
        ("duplicate-shortcut", "error", "ship.eta"),
    ]


def test_unreadable_settings_is_exit_2(cli, tmp_path):
    root = make_kb(
        tmp_path / "kb", settings=KB_YAML.replace("max_reply_length: 60", "max_reply_length: 很长")
    )
    result = lint(cli, root)
    assert result.exit_code == 2
    assert f"{root / 'kb.yaml'}:" in result.stderr and "max_reply_length" in result.stderr


def test_not_a_kb_folder_is_exit_2(cli, tmp_path):
    (tmp_path / "random").mkdir()
    result = lint(cli, tmp_path / "random")
    assert result.exit_code == 2
    assert "不是知识库" in result.stderr


def test_multi_step_script_lines_point_at_the_step(cli, tmp_path):
    topic = """\
    entries:
      - id: product.quality
        title: 质量
        questions: [质量好吗]
        replies:
          - steps:
              - 亲，我帮您问问~
              - wait: 2-3分钟
              - say: 没有。
    """
    root = make_kb(tmp_path / "kb", {"phrases/p.yaml": topic})
    data = findings(cli, root)
    assert [(f["code"], f["line"]) for f in data] == [("bare-negative", 9)]


@pytest.mark.parametrize(
    "text",
    [
        "不能退。",
        "没有",
        "这个真的不行！",
        "亲，这个颜色没有了哦~",
        "亲，不可以的呢",
        "不能包邮。亲放心。",
    ],
)
def test_bare_negative_is_flagged(text):
    assert bare_negatives(text, LintRules()) != []


@pytest.mark.parametrize(
    "text",
    [
        "亲，这款暂时没有现货了，您可以看一下这款新色哦~",
        "因为是特价商品，所以不能再改价了，亲理解一下~",
        "亲，价格是改不了的哦，不过可以送您一份小礼物~",
        "天猫的价格不能修改。不过我给您申请了一份礼品~",
        "亲，有没有喜欢的款式呀？",
        "没问题的亲，放心拍~",
        "亲，不可以改地址了，建议您联系快递员转寄哦",
        "亲，能拍的都是有货的哦~",
    ],
)
def test_explained_negative_passes(text):
    assert bare_negatives(text, LintRules()) == []


def test_team_allowed_phrases_extend_the_defaults(tmp_path):
    settings = KB_YAML + "  allowed_phrases: [没有添加]\n"
    topic = CLEAN_TOPIC.replace("请放心~", "请放心~ 本品没有添加防腐剂。")
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": topic}, settings=settings)
    assert lint_kb(KnowledgeBase(root), {"shop", "agent", "courier"}) == []
    root2 = make_kb(tmp_path / "kb2", {"phrases/ship.yaml": topic})
    assert [p.code for p in lint_kb(KnowledgeBase(root2), {"shop", "agent", "courier"})] == ["bare-negative"]


def test_banned_words_ignore_latin_case_and_braces_must_pair():
    rules = LintRules(banned_words=("NO",))
    assert [p.code for p in check_text("no way", rules, set())] == ["banned-word"]
    assert [p.code for p in check_text("亲，{shop 欢迎您", rules, {"shop"})] == ["bad-placeholder"]
    assert check_text("亲，{{注意}} {shop} 欢迎您", rules, {"shop"}) == []


@pytest.mark.skipif(not (REPO_KB / "phrases").is_dir(), reason="starter KB phrases/ not written yet")
def test_starter_kb_passes_its_own_lint(cli):
    result = cli("--kb", str(REPO_KB), "kb", "lint")
    assert result.exit_code == 0, result.output


def test_a_duplicate_id_blames_the_later_one_with_kb_relative_paths(cli, tmp_path):
    """The entry just added (the file edited last, or further down) is blamed, not the committed one."""
    import os

    old = "entries:\n  - id: ship.when\n    title: 发货\n    questions: [啥时候发]\n    replies: [亲，马上发~]\n"
    new = "entries:\n  - id: ship.when\n    title: 又一个\n    questions: [几时发]\n    replies: [明天发]\n"
    root = make_kb(tmp_path / "kb", {"phrases/ship.yaml": old, "phrases/aftersale.yaml": new})
    os.utime(root / "phrases/ship.yaml", (1_700_000_000, 1_700_000_000))  # committed long ago
    result = lint(cli, root, "--json")
    assert result.exit_code == 1
    [finding] = [f for f in json.loads(result.stdout) if f["code"] == "duplicate-id"]
    assert finding["file"] == "phrases/aftersale.yaml" and finding["line"] == 2
    assert "phrases/ship.yaml:2" in finding["message"] and str(root) not in finding["message"]
    text = lint(cli, root).stdout
    assert text.startswith("phrases/aftersale.yaml:2: 错误 duplicate-id") and str(root) not in text
    # the other way round: the newer file is ship.yaml
    os.utime(root / "phrases/ship.yaml", None)
    os.utime(root / "phrases/aftersale.yaml", (1_700_000_000, 1_700_000_000))
    [finding] = [f for f in json.loads(lint(cli, root, "--json").stdout) if f["code"] == "duplicate-id"]
    assert finding["file"] == "phrases/ship.yaml" and "phrases/aftersale.yaml:2" in finding["message"]
