"""Prompted entry: the real questionary prompts, driven through a pseudo-terminal with pexpect."""

from __future__ import annotations

import os
import sys

import pexpect
import pytest
from cstool_logbook.store import open_store

DOWN = "\x1b[B"
ENTER = "\r"


@pytest.fixture
def terminal(tmp_path, isolated_home):
    db = tmp_path / "log.sqlite3"
    env = {
        **os.environ,
        "CSTOOL_DB": str(db),
        "CSTOOL_HOME": str(isolated_home),
        "TERM": "xterm",
        "CSTOOL_NOW": "2026-11-11 10:00",
        "CSTOOL_AGENT": "小暖",
    }

    def spawn(*args: str) -> pexpect.spawn:
        child = pexpect.spawn(
            sys.executable,
            ["-m", "cstool", "log", *args],
            env=env,
            encoding="utf-8",
            timeout=30,
            dimensions=(40, 160),
        )
        return child

    def entries():
        if not db.exists():
            return []
        with open_store(str(db)) as store:
            return store.query(newest_first=False)

    spawn.entries = entries
    return spawn


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0)


def test_inquiry_asks_for_missing_fields(terminal):
    child = terminal("inquiry", "--buyer", "tb_小明")
    child.expect("咨询问题1")
    child.send("能便宜点吗" + ENTER)
    child.expect("咨询问题2")
    child.send("发什么快递" + ENTER)
    child.expect("咨询问题3")
    child.send(ENTER)  # empty answer ends the list
    child.expect("结果")
    child.send(DOWN + ENTER)  # default 未成交 -> one down: 跟进中
    child.expect("未成交原因")
    child.send(DOWN + ENTER)  # 价格 -> 运费
    child.expect("跟进日期")
    child.send("2026-11-12" + ENTER)
    child.expect("已记录 #1")
    assert finish(child) == 0
    [entry] = terminal.entries()
    assert entry.buyer == "tb_小明"
    assert entry.questions == ["能便宜点吗", "发什么快递"]
    assert (entry.outcome, entry.reason, entry.followup.isoformat()) == ("跟进中", "运费", "2026-11-12")
    assert entry.agent == "小暖"


def test_prompt_validates_and_asks_again(terminal):
    child = terminal("unpaid", "--buyer", "tb_abc")
    child.expect("订单号")
    child.send("12 34" + ENTER)
    child.expect("订单号格式不对")
    child.send("\x15" + "3456789012345678901" + ENTER)  # Ctrl-U clears the line
    child.expect("金额")
    child.send("19.999" + ENTER)
    child.expect("最多两位小数")
    child.send("\x15" + "199.00" + ENTER)
    child.expect("未付款原因")
    child.send(ENTER)  # 暂不清楚
    child.expect("已记录")
    assert finish(child) == 0
    [entry] = terminal.entries()
    assert (entry.order, str(entry.amount), entry.reason) == ("3456789012345678901", "199.00", "")


def test_ctrl_c_mid_entry_writes_nothing(terminal):
    child = terminal("unpaid", "--order", "3456789012345678901", "--buyer", "tb_abc")
    child.expect("金额")
    child.send("199")
    child.sendintr()
    child.expect("已取消")
    assert finish(child) == 130
    assert terminal.entries() == []


def test_promise_prompts_pick_the_flag_from_the_promise(terminal):
    child = terminal("promise", "--order", "3456789012345678901", "--buyer", "tb_abc")
    child.expect("承诺内容")
    child.send("指定发顺丰" + ENTER)
    child.expect("旗帜颜色")
    child.send(ENTER)  # default suggested from the keywords: 黄
    child.expect("小暖 指定发顺丰 11.11")
    assert finish(child) == 0
    [entry] = terminal.entries()
    assert entry.details["flag"] == "黄"
