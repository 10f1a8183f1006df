"""Helpers shared by the benchmarks: repeated timing with medians and percentiles."""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def time_process(argv: Sequence[str], runs: int = 11, env: dict[str, str] | None = None) -> list[float]:
    """Wall-clock seconds of ``argv`` as a new process, ``runs`` times (after one warm-up)."""
    subprocess.run(argv, capture_output=True, env=env, check=False)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=False)
        samples.append(time.perf_counter() - start)
    return samples


def time_call(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index] * 1000


PY = sys.executable
# How a shop's agent starts cstool: the console script pip installed beside the interpreter.
_SCRIPT = Path(PY).parent / "cstool"
CSTOOL = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "cstool"]
REPO = Path(__file__).resolve().parent.parent


def compile_sources() -> None:
    """Byte-compile cstool as an installed wheel is: a process that recompiled the modules on
    every start (PYTHONDONTWRITEBYTECODE, an edited checkout) would be measured against a
    pre-compiled Typer."""
    for folder in ("cstool", "plugins"):
        compileall.compile_dir(str(REPO / folder), quiet=1)


compile_sources()  # every benchmark imports this module before it measures
TYPER_HELLO = (
    "import typer\napp = typer.Typer()\n@app.command()\ndef hello(name: str = 'x'):\n    print(name)\napp()\n"
)


def baselines(runs: int = 11) -> dict[str, float]:
    """Median ms of a bare interpreter and a minimal Typer app, measured now."""
    return {
        "python -c pass": median_ms(time_process([PY, "-c", "pass"], runs)),
        "typer hello-world": median_ms(time_process([PY, "-c", TYPER_HELLO, "--name", "x"], runs)),
    }


def cpu_of(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """CPU seconds (user + system) of one run of ``argv`` as a new process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, capture_output=True, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def cpu_process(argv: Sequence[str], runs: int = 11, env: dict[str, str] | None = None) -> list[float]:
    """CPU seconds of ``argv`` as a new process, ``runs`` times (after one warm-up):
    steadier than wall clock on a machine shared with other jobs."""
    cpu_of(argv, env)
    return [cpu_of(argv, env) for _ in range(runs)]


def cpu_beside(
    argv: Sequence[str], baseline: Sequence[str], runs: int = 11, env: dict[str, str] | None = None
) -> tuple[list[float], list[float]]:
    """CPU seconds of ``argv`` and of ``baseline``, run in turns (after one warm-up each):
    a machine that slows down or speeds up mid-run moves both, so their ratio holds."""
    cpu_of(argv, env)
    cpu_of(baseline)
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        samples[0].append(cpu_of(argv, env))
        samples[1].append(cpu_of(baseline))
    return samples


def cpu_baselines(runs: int = 11) -> dict[str, float]:
    """Median CPU ms of a bare interpreter and a minimal Typer app, measured now."""
    return {
        "python -c pass": median_ms(cpu_process([PY, "-c", "pass"], runs)),
        "typer hello-world": median_ms(cpu_process([PY, "-c", TYPER_HELLO, "--name", "x"], runs)),
    }
