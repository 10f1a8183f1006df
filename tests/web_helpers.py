"""Starting a real ``cstool serve`` for the browser tests, the benchmark and the docs screenshots."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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
        [sys.executable, "-m", "cstool", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
