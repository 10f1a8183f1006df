"""Interactive mode through a real terminal (pexpect pty): type, see results, pick, quit."""

from __future__ import annotations

import os
import sys

import pytest
from search_helpers import make_search_kb

pexpect = pytest.importorskip("pexpect")


def spawn(kb, home, *args, env_extra=None):
    env = dict(
        os.environ, CSTOOL_HOME=str(home), TERM="xterm", COLUMNS="100", LINES="30", **(env_extra or {})
    )
    env.pop("CSTOOL_KB", None)
    env.pop("PROMPT_TOOLKIT_NO_CPR", None)  # this terminal answers cursor-position requests itself
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cstool", "--kb", str(kb), "search", "-i", *args],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(30, 100),
    )
    return Terminal(child)


class Terminal:
    """The child in a pty that, like a real terminal, answers cursor-position requests.

    prompt_toolkit asks for the cursor position (CPR) before drawing the
    bottom bar; pexpect alone never answers, so we do.
    """

    CPR = "\x1b\\[6n"

    def __init__(self, child):
        self.child = child

    def expect(self, pattern):
        while True:
            if self.child.expect([pattern, self.CPR]) == 0:
                return
            self.child.send("\x1b[5;1R")

    def __getattr__(self, name):
        return getattr(self.child, name)


@pytest.mark.slow
def test_type_search_pick_and_quit(tmp_path, isolated_home):
    kb = make_search_kb(tmp_path / "kb")
    child = spawn(kb, isolated_home)
    child.expect("搜索>")
    child.sendline("啥时候发货")
    child.expect(r"\[1\] 什么时候发货")
    child.expect("搜索>")
    child.sendline("1")
    child.expect("剪贴板|已复制第 1 条")  # headless boxes say there is no clipboard
    child.expect("搜索>")
    child.sendline("免邮吗")  # synonym, same open index
    child.expect(r"\[1\] 包邮吗")
    child.expect("搜索>")
    child.sendline("q")
    child.child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    from cstool_quickphrase.usage import Usage

    from cstool.kb import KnowledgeBase

    usage = Usage(str(KnowledgeBase(kb).root.resolve()))
    assert usage.pick_counts() == {"ship.when": 1}


@pytest.mark.slow
def test_pick_in_interactive_mode_rotates_the_next_answer(tmp_path, isolated_home):
    kb = make_search_kb(tmp_path / "kb")
    child = spawn(kb, isolated_home, "--chat", "买家A")
    child.expect("搜索>")
    child.sendline("包邮")
    child.expect("亲，全场满 99 元包邮哦~")
    child.expect("搜索>")
    child.sendline("1")
    child.expect("搜索>")
    child.sendline("包邮")
    child.expect("本店默认包邮")
    child.expect("搜索>")
    child.sendeof()
    child.child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.slow
def test_keystrokes_show_live_matches_in_the_bottom_bar(tmp_path, isolated_home):
    kb = make_search_kb(tmp_path / "kb")
    child = spawn(kb, isolated_home)
    child.expect("搜索>")
    child.send("bzq")  # no Enter: the bar re-searches as the agent types
    child.expect("保质期多久")
    child.sendcontrol("u")
    child.sendline("q")
    child.child.expect(pexpect.EOF)


def test_interactive_without_a_terminal_is_bad_input(cli, tmp_path):
    kb = make_search_kb(tmp_path / "kb")
    result = cli("--kb", kb, "search", "-i")
    assert result.exit_code == 2
    assert "交互模式需要在终端里运行" in result.stderr
