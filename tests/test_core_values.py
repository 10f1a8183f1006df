"""Money, time and YAML helpers every plugin relies on."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cstool import files, yamlio
from cstool.errors import BadInput
from cstool.money import fmt, parse_money, round_cent
from cstool.timeutil import get_zone, parse_time


@pytest.mark.parametrize(
    "text,expected", [("199", "199.00"), ("79.9", "79.90"), ("0.01", "0.01"), ("¥1,299.50", "1299.50")]
)
def test_money_is_read_exactly(text, expected):
    assert fmt(parse_money(text)) == expected


@pytest.mark.parametrize("bad", ["1.234", "abc", "-5", 19.9, None, True, "NaN"])
def test_bad_money_is_refused(bad):
    with pytest.raises(BadInput):
        parse_money(bad, field="price")


def test_rounding_is_half_up_to_the_cent():
    assert round_cent(Decimal("0.005")) == Decimal("0.01")
    assert round_cent(Decimal("2.675")) == Decimal("2.68")  # a binary float would give 2.67
    assert round_cent(Decimal("-0.005")) == Decimal("-0.01")


@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False))
def test_money_round_trips_through_text(amount):
    assert parse_money(fmt(amount)) == amount


def test_naive_time_is_taken_in_the_zone_and_compares_with_utc():
    shanghai = get_zone("Asia/Shanghai")
    local = parse_time("2026-11-11 00:00", shanghai)
    utc = parse_time("2026-11-10T16:00:00Z", shanghai)
    assert local == utc and local.tzinfo is not None
    assert utc.astimezone(UTC) == datetime(2026, 11, 10, 16, tzinfo=UTC)


def test_bad_time_and_zone_are_bad_input():
    with pytest.raises(BadInput, match="时间格式不对"):
        parse_time("11月11日")
    with pytest.raises(BadInput, match="未知时区"):
        get_zone("Mars/Olympus")


def test_fixed_clock(monkeypatch):
    from cstool.timeutil import now

    monkeypatch.setenv("CSTOOL_NOW", "2026-11-11T09:30:00")
    assert now(get_zone("Asia/Shanghai")).isoformat() == "2026-11-11T09:30:00+08:00"


def test_yaml_floats_load_as_the_decimal_that_was_written(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("price: 79.90\ndiscount: 8.5\nstart: 2026-11-11T00:00:00\nqty: 2\n", encoding="utf-8")
    data = yamlio.load(path)
    assert data["price"] == Decimal("79.90") and str(data["price"]) == "79.90"
    assert data["discount"] == Decimal("8.5")
    assert data["start"] == "2026-11-11T00:00:00"
    assert data["qty"] == 2
    assert yamlio.line_of(data, "discount") == 2


def test_yaml_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    with pytest.raises(BadInput) as info:
        yamlio.load(path)
    assert info.value.path == str(path) and info.value.line and info.value.line >= 2


def test_non_utf8_file_is_named_with_its_line(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("a: 1\nb: 包邮\n".encode("gbk"))
    with pytest.raises(BadInput, match="UTF-8") as info:
        yamlio.load(path)
    assert info.value.line == 2


def test_round_trip_keeps_comments_and_order(tmp_path):
    path = tmp_path / "k.yaml"
    original = "# 团队说明\nz: 1  # 行尾注释\na:\n  - x\n"
    path.write_text(original, encoding="utf-8")
    data = yamlio.load(path)
    assert yamlio.dump_file(path, data) is False  # unchanged content is not rewritten
    data["a"].append("y")
    assert yamlio.dump_file(path, data) is True
    assert path.read_text(encoding="utf-8") == "# 团队说明\nz: 1  # 行尾注释\na:\n  - x\n  - y\n"


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "keep.yaml"
    path.write_text("old: true\n", encoding="utf-8")
    os.chmod(path, 0o640)

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(OSError):
        yamlio.write_if_changed(path, "new: true\n")
    assert path.read_text(encoding="utf-8") == "old: true\n"
    assert [p.name for p in Path(tmp_path).iterdir()] == ["keep.yaml"]  # no temp file left behind
    monkeypatch.undo()
    yamlio.write_if_changed(path, "new: true\n")
    assert path.read_text(encoding="utf-8") == "new: true\n" and (path.stat().st_mode & 0o777) == 0o640


def test_parsed_file_cache_follows_the_file(tmp_path):
    from cstool.cache import cached_parse

    path = tmp_path / "kb.yaml"
    path.write_text("a: 1.50\n", encoding="utf-8")
    calls = []

    def parse(p):
        calls.append(p)
        return dict(yamlio.load(p))

    assert cached_parse(path, parse) == {"a": Decimal("1.50")}
    assert cached_parse(path, parse) == {"a": Decimal("1.50")} and len(calls) == 1  # second read from cache
    path.write_text("a: 2\nb: 3\n", encoding="utf-8")
    assert cached_parse(path, parse) == {"a": 2, "b": 3} and len(calls) == 2
