"""Starting a real ``cstool serve`` for the browser tests, the benchmark and the docs screenshots."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-11T10:00:00+08:00"
XSS = "<script>alert(1)</script>"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def in_ci() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("CSTOOL_REQUIRE_PG") == "1"


@contextmanager
def running_server(*args: str, env: dict[str, str] | None = None, timeout: float = 90) -> Iterator[str]:
    """``cstool serve --port 0 ARGS`` as a new process; yields its URL; stops it with SIGTERM."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "cstool", *args, "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"cstool serve did not start: {url!r} {err}")
        if time.monotonic() > deadline:
            raise RuntimeError("cstool serve took too long")
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def launch_browser(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def cli_json(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    import json

    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "cstool", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


PHRASES = textwrap.dedent(
    """\
    topic: 测试
    entries:
      - id: ship.when
        title: 什么时候发货
        tags: [发货]
        shortcut: fh
        questions: [什么时候发货, 啥时候发, 今天能发吗]
        replies:
          - 亲，付款后 48 小时内发货哦~
          - 亲，今天下午四点前付款当天就能发出~
      - id: bargain.discount
        title: 能便宜点吗
        tags: [议价, "<b>粗体</b>"]
        questions: [能便宜点吗, 可以优惠吗]
        replies:
          - 亲，价格已经很实在啦~
      - id: xss.demo
        title: 脚本测试
        questions: [脚本测试回复]
        replies:
          - "亲，<script>alert(1)</script> 这是原样文字"
    """
)


def make_team_kb(kb: Path) -> Path:
    """A team KB on disk: three phrases (one with a <script> reply), the bundled logbook lists and campaigns."""
    (kb / "phrases").mkdir(parents=True)
    (kb / "kb.yaml").write_text("name: 测试店\nstages:\n  ship: 物流\n  bargain: 议价\n", encoding="utf-8")
    (kb / "phrases" / "main.yaml").write_text(PHRASES, encoding="utf-8")
    for name in ("logbook.yaml", "catalog.csv", "promo-limits.yaml"):
        shutil.copy(REPO / "kb" / name, kb / name)
    shutil.copytree(REPO / "kb" / "promos", kb / "promos")
    return kb
