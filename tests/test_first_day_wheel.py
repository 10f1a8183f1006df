"""The product as a team gets it: built, installed into a fresh venv outside the repo, used from outside it.

Runs ``.ci/smoke-wheel`` (sdist → wheel, a fresh venv in a temp folder, every check from a
folder outside the repo, then the sdist and an editable install): the tests above all run
on the repository's editable install, which hides packaging mistakes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_sdist_and_editable_installs_work_outside_the_repo(tmp_path):
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSTOOL_")}
    env.update(PYTHON=sys.executable, TMPDIR=str(tmp_path))
    proc = subprocess.run(
        [str(REPO / ".ci" / "smoke-wheel")],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "smoke passed: wheel, sdist and editable installs" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # its temp folder is cleaned up
