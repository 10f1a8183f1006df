"""Workbench benchmark: ``/api/search`` server time, keystroke-to-results in a browser, beside the CLI.

Starts ``cstool serve`` as a new process on the starter KB and on a generated
10,000-entry KB (bench_search's generator), then reports

- the server's own time per ``/api/search`` request (its ``Server-Timing``
  header: from the request arriving to the JSON ready), p50/p99, and the
  round trip seen by an HTTP client on the same machine;
- keystroke-to-results in Debian's chromium: from the ``input`` event to the
  results in the page (timed inside the page);
- a cold ``cstool search --json`` as a new process on the same KB.

Run: ``.venv/bin/python bench/bench_web.py`` (``make bench`` runs it too);
``--entries N`` changes the generated KB, ``--queries N`` the request count.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

from bench_search import base_entries, generate_kb, interactive_queries  # noqa: E402
from common import CSTOOL, percentile_ms, time_process  # noqa: E402
from web_helpers import CHROMIUM, launch_browser, running_server  # noqa: E402

KEYSTROKE = """
async (q) => {
  const box = document.getElementById('q');
  const before = document.body.getAttribute('data-searched');
  const t0 = performance.now();
  box.value = q;
  box.dispatchEvent(new Event('input'));
  await new Promise((done) => {
    const watch = new MutationObserver(() => {
      if (document.body.getAttribute('data-searched') !== before) { watch.disconnect(); done(); }
    });
    watch.observe(document.body, { attributes: true });
  });
  return performance.now() - t0;
}
"""


def server_times(url: str, queries: list[str]) -> tuple[list[float], list[float]]:
    import httpx

    app, trip = [], []
    with httpx.Client(base_url=url, timeout=30) as client:
        for q in queries[:50]:  # warm-up: first touch of the index segments
            client.get("/api/search", params={"q": q})
        for q in queries:
            start = time.perf_counter()
            response = client.get("/api/search", params={"q": q})
            trip.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
            timing = response.headers["server-timing"]
            app.append(float(timing.split("dur=")[1]) / 1000)
    return app, trip


def browser_times(url: str, queries: list[str]) -> list[float] | None:
    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page()
        page.goto(url)
        for q in queries[:10]:
            page.evaluate(KEYSTROKE, q)
        samples = [page.evaluate(KEYSTROKE, q) / 1000 for q in queries]
        browser.close()
    return samples


def measure(
    label: str,
    kb: Path | None,
    queries: list[str],
    browser_queries: list[str],
    runs: int,
    env: dict[str, str],
) -> list[str]:
    kb_args = ["--kb", str(kb)] if kb else []
    cold = time_process([*CSTOOL, *kb_args, "search", "能便宜点吗", "--json"], runs, env)
    with running_server(*kb_args, env=env, timeout=600) as url:
        app, trip = server_times(url, queries)
        keys = browser_times(url, browser_queries)
    rows = [
        f"| {label}: `/api/search` server time p50 / p99 ({len(app)} requests) | "
        f"{percentile_ms(app, 50):.2f} / {percentile_ms(app, 99):.2f} ms |",
        f"| {label}: … round trip from an HTTP client, p50 / p99 | {percentile_ms(trip, 50):.2f} / {percentile_ms(trip, 99):.2f} ms |",
    ]
    if keys is not None:
        rows.append(
            f"| {label}: keystroke to results in chromium, p50 / p99 ({len(keys)} queries) | "
            f"{percentile_ms(keys, 50):.1f} / {percentile_ms(keys, 99):.1f} ms |"
        )
    else:
        rows.append(f"| {label}: keystroke to results in chromium | (no {CHROMIUM}) |")
    rows.append(
        f"| {label}: cold `cstool search --json`, new process (median of {runs}) | {percentile_ms(cold, 50):.0f} ms |"
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--browser-queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cstool-bench-web-"))
    env = {"CSTOOL_HOME": str(work / "home")}
    os.environ.update(env)
    queries = interactive_queries(base_entries(), args.queries)
    browser_queries = queries[: args.browser_queries]
    rows = measure("starter KB", None, queries, browser_queries, args.runs, env)
    big = generate_kb(work / "kb", args.entries)
    rows += measure(f"{args.entries:,} entries", big, queries, browser_queries, args.runs, env)

    print(f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}\n")
    print("| measurement | result |")
    print("|---|---:|")
    print("\n".join(rows))
    print("\ntargets: server p99 ≤ 5 ms on the starter KB, ≤ 15 ms on 10k entries")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
