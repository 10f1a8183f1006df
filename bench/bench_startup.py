"""Cold start of everyday commands, beside the baselines measured in the same run.

(The logbook's one-line entries are measured by bench_logbook.py, with its reports.)

Each command runs as a new process through the installed ``cstool`` console
script, as a shop's agent starts it, on the starter KB, with its own HOME and
XDG folders (so the index, the plugin table and the logbook are made in the
warm-up run, as on a machine already in use). Figures are CPU time (user +
system) medians: steadier than wall clock on a shared machine, and the ratio
to the Typer hello-world is what compares across machines: each command runs
in turns with the hello-world, and its ratio is taken against those runs.
Run: ``.venv/bin/python bench/bench_startup.py [--runs N]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CSTOOL, PY, TYPER_HELLO, cpu_beside, cpu_process, median_ms  # noqa: E402

# (label, arguments, backend, target as a multiple of the Typer hello-world)
COMMANDS: list[tuple[str, list[str], str, float | None]] = [
    ("`cstool --help`", ["--help"], "whoosh", None),
    ("`cstool search 能便宜点吗`, whoosh", ["search", "能便宜点吗"], "whoosh", 3.0),
    ("`cstool search 能便宜点吗`, tantivy", ["search", "能便宜点吗"], "tantivy", 1.5),
    ("`cstool promo quote double11 A:2 B:1`", ["promo", "quote", "double11", "A:2", "B:1"], "whoosh", None),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cstool-bench-start-"))
    # the XDG folders, not CSTOOL_HOME: a user's start goes through platformdirs
    base_env = {**os.environ, "CSTOOL_AGENT": "小暖", "HOME": str(home)}
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        base_env[f"XDG_{name}_HOME"] = str(home / name.lower())
    for name in ("CSTOOL_HOME", "CSTOOL_KB", "CSTOOL_CONFIG", "CSTOOL_DB"):
        base_env.pop(name, None)

    baselines = {  # each command below is also run in turns with the hello-world: its ratio uses those
        "`python -c pass`": median_ms(cpu_process([PY, "-c", "pass"], args.runs)),
        "Typer hello-world": median_ms(cpu_process([PY, "-c", TYPER_HELLO, "--name", "x"], args.runs)),
        "Typer hello-world `--help`": median_ms(cpu_process([PY, "-c", TYPER_HELLO, "--help"], args.runs)),
    }
    typer_ms = baselines["Typer hello-world"]
    print(
        f"CPU time (user + system) medians of {args.runs} new processes after a warm-up; "
        f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}; starter KB\n"
    )
    print("| command | CPU median | Typer hello-world in turns | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for label, ms in baselines.items():
        print(f"| baseline: {label} | {ms:.0f} ms | | {ms / typer_ms:.2f}× | |")
    hello = [PY, "-c", TYPER_HELLO, "--name", "x"]
    for label, argv, backend, target in COMMANDS:
        env = {**base_env, "CSTOOL_SEARCH_BACKEND": backend}
        runs, beside = cpu_beside([*CSTOOL, *argv], hello, args.runs, env)
        ms, base = median_ms(runs), median_ms(beside)
        goal = f"≤ {target:g}×" + (" ✓" if ms / base <= target else " ✗") if target else ""
        print(f"| {label} | {ms:.0f} ms | {base:.0f} ms | {ms / base:.2f}× | {goal} |")
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
