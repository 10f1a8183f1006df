"""Properties of cstool.masking: a phone number never survives, order ids and ordinary words always do."""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cstool.masking import fold, mask_data, mask_text

# CSTOOL_MASK_EXAMPLES=20000 for a longer hunt.
SETTINGS = settings(
    max_examples=int(os.environ.get("CSTOOL_MASK_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# A character's full-width form (digits, letters, + - ( ) and the space).
FULL = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"}


def widths(text: str, flags: list[bool]) -> str:
    """``text`` with the characters whose flag is set in full width (flags repeat as needed)."""
    return "".join(FULL.get(c, c) if flags[i % len(flags)] else c for i, c in enumerate(text))


separator = st.sampled_from([" ", "-", " - ", "  ", "\u3000", "－", "—", "\u3000－\u3000"])
mobile_digits = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
)
prefix = st.sampled_from(["", "", "+86", "+86 ", "+86-", "0086", "0086 ", "86", "86 ", "(+86)", "(+86) "])


@st.composite
def mobiles(draw):
    """(as written, its 11 national digits): any width, separators and prefix."""
    digits = draw(mobile_digits)
    if draw(st.booleans()):
        # One kind of separator, anywhere between the digits (138 1234 5678, 1-3-8-1…, １３８－１２３４…).
        sep = draw(separator)
        seps = [sep if put else "" for put in draw(st.lists(st.booleans(), min_size=10, max_size=10))]
    else:
        # Any separators in the usual 3-4-4 places (138 1234-5678).
        seps = ["", "", draw(separator), "", "", "", draw(separator), "", "", ""]
    body = digits[0] + "".join(sep + digit for sep, digit in zip(seps, digits[1:], strict=True))
    written = draw(prefix) + body
    return widths(written, draw(st.lists(st.booleans(), min_size=1, max_size=len(written)))), digits


@st.composite
def landlines(draw):
    area = draw(st.sampled_from(["010", "021", "020", "0571", "0755", "0931"]))
    local = draw(st.text("0123456789", min_size=7, max_size=8))
    before, middle = draw(st.sampled_from([("", "-"), ("(", ")"), ("", " "), ("", ""), ("+86 ", " ")]))
    shown_area = area[1:] if before == "+86 " else area
    split = draw(st.integers(3, 4))
    written = f"{before}{shown_area}{middle}{local[:split]}{draw(separator)}{local[split:]}"
    return widths(written, draw(st.lists(st.booleans(), min_size=1, max_size=len(written)))), area + local


# Text around the number: anything, plus pieces that stress the masker (digits, cue words, @, stars).
PIECES = ["订单", "单号", "收件人", "找", "叫", "QQ", "微信", "vx", "卡号", "@", "@qq.com", "*", "0", "7", "５",
          "金额", "王", "李", "陈静", "张伟", " ", "-", "：", "，", "(", "+", "地址", "号", "市", "a", "Ｘ", "\n"]  # fmt: skip
surrounding = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=8).map("".join),
)
SEPARATORS = re.compile(r"[\s\-]")
# A number right after an order cue is an order id by rule (kept whole): not a phone number there.
ORDER_CUE_AT_END = re.compile(
    r"(?:订单|单号|(?<![A-Za-z])order(?:[ \t]*(?:no|id|number))?)[ \t:#是为.]*[A-Za-z0-9-]*$", re.IGNORECASE
)


def runs_of_seven(digits: str) -> list[str]:
    return [digits[i : i + 7] for i in range(len(digits) - 6)]


def assert_never_seven_in_a_row(before: str, written: str, digits: str, after: str) -> None:
    # The number is one of its own: no digit glued to it (even across a space or dash), and
    # the text itself does not already hold 7 of its digits in a row.
    assume(not re.search(r"[0-9][\s\-]{0,3}$", fold(before)))
    assume(not re.match(r"[\s\-]{0,3}[0-9]", fold(after)))
    assume(not ORDER_CUE_AT_END.search(fold(before)))
    background = SEPARATORS.sub("", fold(before)) + "|" + SEPARATORS.sub("", fold(after))
    assume(not any(run in background for run in runs_of_seven(digits)))

    masked = mask_text(before + written + after)
    compact = SEPARATORS.sub("", fold(masked))
    leaked = [run for run in runs_of_seven(digits) if run in compact]
    assert not leaked, (before + written + after, masked)


@SETTINGS
@given(text=surrounding, phone=mobiles(), data=st.data())
def test_a_mobile_number_never_comes_out_with_seven_digits_in_a_row(text, phone, data):
    written, digits = phone
    cut = data.draw(st.integers(0, len(text)))
    assert_never_seven_in_a_row(text[:cut], written, digits, text[cut:])


@SETTINGS
@given(text=surrounding, phone=landlines(), data=st.data())
def test_a_landline_never_comes_out_with_seven_digits_in_a_row(text, phone, data):
    written, digits = phone
    cut = data.draw(st.integers(0, len(text)))
    assert_never_seven_in_a_row(text[:cut], written, digits, text[cut:])


@SETTINGS
@given(phone=mobiles())
def test_the_last_four_digits_stay_so_agents_can_tell_numbers_apart(phone):
    written, digits = phone
    assert mask_text(f"电话{written}。") == f"电话{digits[:3]}****{digits[-4:]}。"


order_ids = st.text("0123456789", min_size=6, max_size=30) | st.text(
    "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=6, max_size=24
)
order_cues = st.sampled_from(
    ["订单", "订单号", "订单号：", "订单编号 ", "单号", "运单号:", "快递单号 ", "order ", "Order No. "]
)


@SETTINGS
@given(order=order_ids, cue=order_cues, text=surrounding, full=st.booleans())
def test_order_ids_stay_whole(order, cue, text, full):
    shown = widths(order, [full])
    data = mask_data({"order": order, "orders": [order], "note": f"{text}，{cue}{shown}，{text}"})
    assert data["order"] == order and data["orders"] == [order]
    assert f"{cue}{shown}" in data["note"]


ORDINARY = ["金额", "159.00", "１５９．００", "元", "王者", "李子", "高度", "方便", "明天", "白色", "包邮",
            "2026-11-11", "10:00", "２０：００", "第 1 次催付（旺旺）", "，", "。", " ", "买了3号色", "尺码 165",
            "能便宜点吗？", "周末发货", "金额 ¥1,299.50", "x2", "满300减30"]  # fmt: skip


@SETTINGS
@given(words=st.lists(st.sampled_from(ORDINARY), max_size=12))
def test_ordinary_words_amounts_and_times_are_never_masked(words):
    text = " ".join(words)
    assert mask_text(text) == text
