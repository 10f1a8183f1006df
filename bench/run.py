"""``make bench``: run every bench/bench_*.py in turn; each prints its own Markdown table.

Each benchmark measures its own baseline in the same run (a bare ``python -c
pass``, a minimal Typer app) so figures from different machines compare.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = set(sys.argv[1:])
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        if only and script.stem.removeprefix("bench_") not in only:
            continue
        print(f"\n## {script.stem}\n", flush=True)
        status |= subprocess.call([sys.executable, str(script)])
    return status


if __name__ == "__main__":
    sys.exit(main())
