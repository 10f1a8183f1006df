"""Personal information typed into the logbook never comes out whole, on any output path.

Every command that prints or writes entries is run over a logbook holding a
phone number, landline, ID card, bank card, e-mail, QQ number and real name in
every free-text field (question, note, reminder channel, follow-up note,
complaint, promise, buyer nickname), in half- and full-width, with and
without ``--json``; ``--unmasked`` (the supervisor's explicit switch) shows them.
The cases of the masker itself are in tests/test_masking_table.py.
"""

from __future__ import annotations

import json
import re

import pytest

from cstool.masking import fold

pytest_plugins = ["logbook_helpers"]

ORDER = "2077839245362538472"
BUYER = "tb_13500003333"  # a nickname made from a phone number
QUESTION = "能改地址吗 我的手机 １３９８７６５１２３４"
INQUIRY_NOTE = "买家说 +86 138-1234-5678 白天打"
UNPAID_NOTE = "邮箱 zhangsan@example.com，身份证 11010119900307123X"
REMIND = "电话13700002222"
FOLLOWUP_NOTE = "加了QQ 97531864，退款卡号 6222025550001119709"
WHAT = "座机０２１－５８７６５４３２没人接"
COMPLAINT_NOTE = "收件人王大锤说少件"
PROMISE = "到了打 13600001111 送收纳袋"

# What must never appear: 7 digits in a row of any number, the e-mail's name, the real name.
NUMBERS = ["13500003333", "13987651234", "13812345678", "11010119900307123X", "13700002222", "97531864",
           "6222025550001119709", "02158765432", "13600001111"]  # fmt: skip
WORDS = ["zhangsan", "王大锤"]
NOW = {"CSTOOL_NOW": "2026-11-11 18:00"}


def assert_masked(text: str) -> None:
    compact = re.sub(r"[\s\-]", "", fold(text))
    for number in NUMBERS:
        runs = {number[i : i + 7] for i in range(len(number) - 6)}
        assert not [run for run in runs if run in compact], (number, text)
    for word in WORDS:
        assert word not in text, (word, text)


@pytest.fixture
def personal(cli, log_db):
    """Entries #1–#4 (inquiry, unpaid with a reminder and a follow-up note, complaint, promise)."""
    for args in (
        ["inquiry", "--buyer", BUYER, "-q", QUESTION, "-q", "发什么快递", "--outcome", "跟进中",
         "--followup", "2026-11-11", "--note", INQUIRY_NOTE, "--at", "2026-11-11 09:00"],
        ["unpaid", "--order", ORDER, "--buyer", BUYER, "--amount", "159", "--note", UNPAID_NOTE,
         "--at", "2026-11-11 10:00"],
        ["complaint", "--buyer", BUYER, "--order", ORDER, "--what", WHAT, "--severity", "重大",
         "--note", COMPLAINT_NOTE, "--at", "2026-11-11 11:00"],
        ["promise", "--order", ORDER, "--buyer", BUYER, "--promise", PROMISE, "--agent", "小暖",
         "--at", "2026-11-11 12:00"],
    ):  # fmt: skip
        result = cli("log", *args, env=NOW)
        assert result.exit_code == 0, result.stderr
    for args in (["--remind", REMIND], ["--note", FOLLOWUP_NOTE]):
        result = cli("log", "update", "2", *args, "--at", "2026-11-11 10:40", env=NOW)
        assert result.exit_code == 0, result.stderr
    return log_db


# (arguments, a raw piece that --unmasked shows, whether the order id is shown) for every reading path.
READING = [
    (["list"], "１３９８７６５１２３４", True),
    (["list", "--kind", "unpaid"], "zhangsan@example.com", True),
    (["show", "1"], "+86 138-1234-5678", False),
    (["show", "2"], REMIND, True),
    (["show", "3"], COMPLAINT_NOTE, True),
    (["show", "4"], "13600001111", True),
    (["buyer", BUYER], BUYER, True),
    (["due"], "１３９８７６５１２３４", True),
    (["campaign-list"], "１３９８７６５１２３４", False),
    (["report", "--day", "--date", "2026-11-11"], "１３９８７６５１２３４", True),
    (["report", "--day", "--date", "2026-11-11", "--format", "markdown"], WHAT, True),
    (["report", "--day", "--date", "2026-11-11", "--format", "csv"], WHAT, True),
    (["export", "--format", "csv"], REMIND, True),
    (["export", "--format", "markdown"], "11010119900307123X", True),
    (["export", "--format", "json"], INQUIRY_NOTE, True),
]


@pytest.mark.parametrize(("args", "raw", "order_shown"), READING, ids=[" ".join(a) for a, _, _ in READING])
def test_every_reading_path_is_masked_unless_asked(cli, personal, args, raw, order_shown):
    masked = cli("log", *args, env=NOW)
    assert masked.exit_code == 0, masked.stderr
    assert masked.stdout.strip()
    assert_masked(masked.output)
    assert ORDER in masked.stdout or not order_shown
    unmasked = cli("log", *args, "--unmasked", env=NOW)
    assert raw in unmasked.stdout or raw in json.dumps(unmasked.stdout, ensure_ascii=False)


JSON_READING = [
    ["list", "--json"],
    ["show", "2", "--json"],
    ["show", "3", "--json"],
    ["buyer", BUYER, "--json"],
    ["due", "--json"],
    ["campaign-list", "--json"],
    ["report", "--day", "--date", "2026-11-11", "--format", "json"],
]


@pytest.mark.parametrize("args", JSON_READING, ids=" ".join)
def test_every_json_path_is_masked_unless_asked(cli, personal, args):
    masked = cli("log", *args, env=NOW)
    assert masked.exit_code == 0, masked.stderr
    json.loads(masked.stdout)
    assert_masked(masked.output)
    raw = json.dumps(json.loads(cli("log", *args, "--unmasked", env=NOW).stdout), ensure_ascii=False)
    assert any(secret in raw for secret in (QUESTION, REMIND, WHAT, BUYER))


def test_history_lines_and_reminder_channels_are_masked(cli, personal):
    shown = cli("log", "show", "2").stdout
    assert "催付：2026-11-11 10:40 电话137****2222" in shown
    assert "修改 reminder: （空） → 2026-11-11T10:40:00+08:00 电话137****2222" in shown
    assert "加了QQ 97****64，退款卡号 6222***********9709" in shown
    history = json.loads(cli("log", "show", "2", "--json").stdout)["history"]
    assert history[1]["changes"]["reminder"][1]["via"] == "电话137****2222"
    assert history[2]["changes"]["note"][1] == "加了QQ 97****64，退款卡号 6222***********9709"


def test_the_echo_of_update_is_masked(cli, personal):
    result = cli(
        "log", "update", "2", "--note", "新号码１３９８７６５１２３４", "--remind", "短信13812345678", env=NOW
    )
    assert result.exit_code == 0
    assert "#2 备注：新号码139****1234" in result.stderr
    assert "#2 催付：短信138****5678" in result.stderr
    assert_masked(result.output)
    as_json = cli("log", "update", "2", "--note", "邮箱 zhangsan@example.com", "--json", env=NOW)
    assert "z***@example.com" in as_json.stdout
    assert_masked(as_json.output)


def test_the_echo_of_a_new_entry_is_masked(cli, log_db):
    result = cli("log", "inquiry", "--buyer", BUYER, "-q", QUESTION, "--outcome", "成交")
    assert result.exit_code == 0
    assert "询盘：tb_135****3333" in result.stderr
    assert_masked(result.output)
    as_json = cli("log", "unpaid", "--order", ORDER, "--buyer", BUYER, "--amount", "9", "--note", UNPAID_NOTE,
                  "--json")  # fmt: skip
    assert json.loads(as_json.stdout)["note"] == "邮箱 z***@example.com，身份证 110***********123X"
    assert json.loads(as_json.stdout)["order"] == ORDER
    assert_masked(as_json.output)


def test_the_promise_remark_is_the_one_thing_printed_whole(cli, log_db):
    # The remark is pasted into the order itself (documented); the summary and the JSON are masked.
    result = cli(
        "log", "promise", "--order", ORDER, "--buyer", BUYER, "--promise", PROMISE, "--agent", "小暖"
    )
    assert result.exit_code == 0
    assert PROMISE in result.stdout
    assert_masked(result.stderr)
    as_json = cli("log", "promise", "--order", ORDER, "--buyer", BUYER, "--promise", PROMISE, "--agent", "小暖",
                  "--json")  # fmt: skip
    assert_masked(as_json.output)


def test_buyer_tagging_messages_are_masked(cli, personal):
    result = cli("log", "buyer", BUYER, "--tag", "优质客户")
    assert result.exit_code == 0
    assert "已把 tb_135****3333 加入客户组：优质客户" in result.stderr
    assert_masked(result.output)
    assert "没有关于 tb_139****1234 的记录" in cli("log", "buyer", "tb_13987651234").stderr


def test_campaign_list_keeps_order_ids_whole(cli, personal):
    rows = json.loads(cli("log", "campaign-list", "--json", env=NOW).stdout)
    assert rows[0]["buyer"] == "tb_135****3333" and rows[0]["orders"] == [ORDER]


def test_due_keeps_the_amount_words_whole(cli, personal):
    due = cli("log", "due", env=NOW).stdout
    assert "金额 159.00" in due and "金*" not in due
    assert_masked(due)


@pytest.mark.parametrize("command", ["export", "report"])
def test_xlsx_files_are_masked(cli, personal, tmp_path, command):
    from openpyxl import load_workbook

    args = ["--day", "--date", "2026-11-11"] if command == "report" else []
    texts = {}
    for mode in ("masked", "unmasked"):
        out = tmp_path / f"{mode}.xlsx"
        extra = ["--unmasked"] if mode == "unmasked" else []
        result = cli("log", command, *args, "--format", "xlsx", "--out", out, *extra, env=NOW)
        assert result.exit_code == 0, result.stderr
        book = load_workbook(out)
        texts[mode] = "\n".join(
            str(cell)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    assert_masked(texts["masked"])
    assert ORDER in texts["masked"]
    assert WHAT in texts["unmasked"]
