"""Buyers' phone numbers, addresses and real names are masked everywhere the logbook prints them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cstool.masking import mask_data, mask_text

pytest_plugins = ["logbook_helpers"]

PHONE = "13812345678"
ORDER = "3456789012345678901"
NOTE = f"买家电话 {PHONE}，收货地址：浙江省杭州市西湖区文三路100号3幢502室，收件人：王小明"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678", "电话138****5678"),
        ("手机 138 1234 5678 谢谢", "手机 138****5678 谢谢"),
        ("+86 138-1234-5678", "138****5678"),
        ("座机 0571-87654321", "座机 0571-****4321"),
        ("(010)12345678", "010-****5678"),
        ("地址是浙江省杭州市西湖区文三路100号3幢502室，请尽快发货", "地址是浙江省杭州市西湖区****，请尽快发货"),
        ("收货地址：杭州市文三路100号", "收货地址：杭州市****"),
        ("寄到上海市浦东新区张江路88弄5号", "寄到上海市浦东新区****"),
        ("张伟 13812345678", "张* 138****5678"),
        ("收件人：李小明，电话13912345678", "收件人：李**，电话139****5678"),
        ("订单 3456789012345678901 没付", "订单 3456789012345678901 没付"),
        ("京东订单号：13812345678 电话13812345678", "京东订单号：13812345678 电话138****5678"),
        ("买了3号色的口红", "买了3号色的口红"),
        ("能便宜点吗？", "能便宜点吗？"),
        ("能改地址吗 我的手机 13812345678", "能改地址吗 我的手机 138****5678"),
        ("地址：西湖区文三路", "地址：西湖区****"),
    ],
)
def test_mask_text(text, masked):
    assert mask_text(text) == masked


separators = st.sampled_from(["", " ", "-"])
mobiles = st.builds(
    lambda head, a, b, s1, s2: f"1{head}{a}{s1}{b[:4]}{s2}{b[4:]}",
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=1, max_size=1),
    st.text("0123456789", min_size=8, max_size=8),
    separators,
    separators,
)
# Text around the number: anything except digits and characters that glue onto a number.
surrounding = st.text(st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters="*-+"), max_size=20)


@given(before=surrounding, phone=mobiles, after=surrounding)
def test_no_mobile_number_survives_masking(before, phone, after):
    digits = "".join(c for c in phone if c.isdigit())
    masked = mask_text(before + phone + after)
    assert digits not in "".join(c for c in masked if c.isdigit() or c == "*")
    assert digits[-4:] in masked  # the tail is kept so agents can still tell numbers apart


@given(order=st.text("0123456789", min_size=12, max_size=30), text=surrounding)
def test_order_ids_stay_whole(order, text):
    data = mask_data({"order": order, "note": f"{text}订单号{order}"})
    assert data["order"] == order
    assert order in data["note"]


def test_mask_data_keeps_order_and_times():
    data = {"order": "13812345678", "at": "2026-11-11T10:00:00+08:00", "note": "13812345678", "questions": ["13812345678"]}
    assert mask_data(data) == {"order": "13812345678", "at": "2026-11-11T10:00:00+08:00", "note": "138****5678",
                               "questions": ["138****5678"]}


@pytest.fixture
def personal_entries(cli, log_db):
    for args in (
        ["unpaid", "--order", ORDER, "--buyer", "tb_abc", "--amount", "199", "--note", NOTE, "--at", "2026-11-11 10:00"],
        ["inquiry", "--buyer", "tb_abc", "-q", f"能改地址吗 我的手机 {PHONE}", "--outcome", "未成交", "--at", "2026-11-11 11:00"],
        ["complaint", "--buyer", "tb_abc", "--order", ORDER, "--what", f"打我电话 {PHONE}", "--severity", "重大",
         "--at", "2026-11-11 12:00"],
    ):
        result = cli("log", *args)
        assert result.exit_code == 0, result.stderr
    return log_db


def assert_masked(text: str) -> None:
    assert PHONE not in text
    assert "文三路" not in text and "502室" not in text
    assert "王小明" not in text
    assert ORDER in text


def assert_unmasked(text: str) -> None:
    assert PHONE in text and "文三路100号" in text and "王小明" in text and ORDER in text


def test_every_output_is_masked_unless_asked(cli, personal_entries, tmp_path):
    commands = [
        ["list"], ["list", "--json"], ["show", "1"], ["show", "1", "--json"], ["buyer", "tb_abc"],
        ["buyer", "tb_abc", "--json"], ["export", "--format", "csv"], ["export", "--format", "json"],
        ["export", "--format", "markdown"],
    ]
    for args in commands:
        masked = cli("log", *args)
        assert masked.exit_code == 0, (args, masked.stderr)
        assert_masked(masked.stdout)
        assert_unmasked(cli("log", *args, "--unmasked").stdout)
    report = cli("log", "report", "--day", "--date", "2026-11-11", "--format", "json").stdout
    assert PHONE not in report and "能改地址吗 我的手机 138****5678" in report and ORDER in report
    assert PHONE in cli("log", "report", "--day", "--date", "2026-11-11", "--format", "json", "--unmasked").stdout
    due = cli("log", "due", "--json", env={"CSTOOL_NOW": "2026-11-11 13:00"}).stdout
    assert PHONE not in due and ORDER in due


def test_xlsx_export_is_masked(cli, personal_entries, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "log.xlsx"
    assert cli("log", "export", "--format", "xlsx", "--out", str(out)).exit_code == 0
    cells = [str(c) for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if c is not None]
    text = "\n".join(cells)
    assert_masked(text)
    assert "订单号" in cells and "旺旺名" in cells


def test_entry_json_is_masked_too(cli, log_db):
    result = cli("log", "inquiry", "--buyer", "x", "-q", f"电话{PHONE}", "--outcome", "成交", "--json")
    assert PHONE not in result.stdout
    assert json.loads(result.stdout)["questions"] == ["电话138****5678"]
