"""Logbook benchmarks: a one-line entry as a new process, and reports over 1,000,000 entries (SQLite).

Run: ``python bench/bench_logbook.py`` (or ``make bench``). Prints a Markdown table:
the median wall-clock time and the median CPU time (user + system) of each
process, beside ``python -c pass`` and a minimal Typer app measured in the same
run, and the weekly report in-process. On a shared machine the CPU time and the
ratio to the Typer app are what compare.

The 1M-entry database is generated once (fixed seed, executemany in one
transaction) and cached as ``bench/out/logbook-1m-v<schema>.sqlite3``; a cached
database of an older schema is copied and upgraded in place instead.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CSTOOL, PY, TYPER_HELLO, median_ms, time_call  # noqa: E402
from cstool_logbook.store import SCHEMA_VERSION, open_store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

OUT = Path(__file__).resolve().parent / "out"
TOTAL = 1_000_000
TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 5, tzinfo=TZ)  # a Monday; entries spread over 52 weeks
REPORT_DAY = "2026-06-10"
QUESTIONS = [
    f"{q}"
    for q in (
        "能便宜点吗",
        "发什么快递",
        "什么时候发货",
        "有赠品吗",
        "包邮吗",
        "有没有大码",
        "会起球吗",
        "可以开发票吗",
        "支持七天无理由吗",
        "能改地址吗",
        "有现货吗",
        "是纯棉的吗",
        "洗了会缩水吗",
        "几天能到",
        "能送到新疆吗",
        "有优惠券吗",
        "可以分期吗",
        "颜色有色差吗",
        "尺码偏大吗",
        "双十一还会降价吗",
    )
] + [f"冷门问题{i}" for i in range(200)]
INQUIRY_REASONS = ["价格", "运费", "库存/尺码", "质量顾虑", "物流时效", "比价", "其他", ""]
UNPAID_REASONS = ["价格", "运费", "比价", "忘记付款", "支付问题", "其他", ""]
AGENTS = [f"客服{i:02d}" for i in range(12)]


def generate(path: Path, total: int = TOTAL, seed: int = 11) -> None:
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    store = open_store(str(tmp))
    seconds = 52 * 7 * 86400
    recent = START + timedelta(seconds=seconds) - timedelta(days=14)
    rows = []
    for i in range(total):
        at = START + timedelta(seconds=rng.randrange(seconds))
        kind = rng.choices(("inquiry", "unpaid", "promise", "complaint"), (60, 25, 10, 5))[0]
        old = at < recent  # old entries are settled; only the last two weeks stay open
        questions, reason, fen, details, outcome, order = [], "", None, {"notes": []}, "", ""
        if kind == "inquiry":
            questions = (
                rng.sample(QUESTIONS[:20], rng.randint(1, 3))
                if rng.random() < 0.8
                else [rng.choice(QUESTIONS)]
            )
            outcome = rng.choices(("成交", "未成交", "跟进中"), (35, 55, 10 if not old else 0))[0]
            reason = rng.choice(INQUIRY_REASONS) if outcome != "成交" else ""
        elif kind == "unpaid":
            order, fen = str(3_000_000_000_000_000_000 + i), rng.randint(990, 99_900)
            outcome = rng.choices(("已付款", "已关闭", "跟进中"), (45, 45, 10 if not old else 0))[0]
            reason = rng.choice(UNPAID_REASONS)
            details["reminders"] = []
        elif kind == "promise":
            order, outcome = str(3_000_000_000_000_000_000 + i), "已履行" if old else "待履行"
            details.update(promise="送收纳袋一个", flag="红", remark="客服 送收纳袋一个 06.10")
        else:
            severity = rng.choice(("一般", "一般", "严重", "重大"))
            outcome = "已解决" if old else rng.choice(("处理中", "已解决"))
            details.update(what="物流太慢", severity=severity, major=severity == "重大", checklist={})
        stamp = at.isoformat()
        rows.append(
            (
                kind,
                int(at.timestamp()),
                stamp,
                rng.choice(AGENTS),
                f"buyer{rng.randrange(200_000)}",
                order,
                "",
                json.dumps(questions, ensure_ascii=False),
                outcome,
                reason,
                fen,
                None,
                "",
                json.dumps(details, ensure_ascii=False),
                stamp,
                stamp,
            )
        )
    columns = (
        "kind, at_epoch, at, agent, buyer, order_id, sku, questions, outcome, reason, amount_fen, followup,"
        " note, details, created_at, updated_at"
    )
    with store.db.write():
        store.db.executemany(f"INSERT INTO entries ({columns}) VALUES ({', '.join('?' * 16)})", rows)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    os.replace(tmp, path)


def cached_database() -> tuple[Path, str]:
    """The 1M-entry database of the current schema: generated, or upgraded from an older cached one."""
    OUT.mkdir(exist_ok=True)
    big = OUT / f"logbook-1m-v{SCHEMA_VERSION}.sqlite3"
    if big.exists():
        return big, ""
    began = time.perf_counter()
    older = sorted(OUT.glob("logbook-1m-v*.sqlite3"))
    if older:
        tmp = big.with_suffix(".tmp")
        shutil.copyfile(older[-1], tmp)
        open_store(str(tmp)).close()  # the migration adds what the new schema has (e.g. indexes)
        os.replace(tmp, big)
        return big, f"（本次由 {older[-1].name} 升级，用时 {time.perf_counter() - began:.1f} s）"
    generate(big)
    return big, f"（本次生成 1,000,000 条用时 {time.perf_counter() - began:.1f} s）"


def run_process(
    argv: list[str], runs: int, env: dict[str, str] | None = None, *, warm_up: bool = True
) -> tuple[float, float]:
    """Median wall-clock and median CPU (user + system) ms of ``argv`` as a new process, after a warm-up."""
    if warm_up:
        subprocess.run(argv, capture_output=True, env=env, check=True)
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=True)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def main() -> None:
    big, generated = cached_database()

    rows: list[tuple[str, float, float | None, int]] = []
    pass_wall, pass_cpu = run_process([PY, "-c", "pass"], 11)
    hello_wall, hello_cpu = run_process([PY, "-c", TYPER_HELLO, "--name", "x"], 11)
    rows.append(("python -c pass", pass_wall, pass_cpu, 11))
    rows.append(("typer hello-world", hello_wall, hello_cpu, 11))

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "CSTOOL_HOME": home, "CSTOOL_DB": str(Path(home) / "log.sqlite3")}
        entry = [
            PY,
            "-m",
            "cstool",
            "log",
            "inquiry",
            "--buyer",
            "tb_bench",
            "-q",
            "能便宜点吗",
            "-q",
            "发什么快递",
        ]
        entry += ["--outcome", "未成交", "--reason", "价格", "--agent", "小暖"]
        rows.append(("cstool log inquiry …（一行录入）", *run_process(entry, 15, env), 15))
        unpaid = [
            PY,
            "-m",
            "cstool",
            "log",
            "unpaid",
            "--order",
            "3456789012345678901",
            "--buyer",
            "tb_bench",
        ]
        unpaid += ["--amount", "199.00", "--agent", "小暖"]
        rows.append(("cstool log unpaid …（一行录入）", *run_process(unpaid, 15, env), 15))

        env_big = {**os.environ, "CSTOOL_HOME": home, "CSTOOL_DB": str(big)}
        report = [*CSTOOL, "log", "report", "--week", "--date", REPORT_DAY, "--format", "json"]
        rows.append(
            ("cstool log report --week（100 万条，含知识库缺口分析）", *run_process(report, 11, env_big), 11)
        )
        rows.append(
            ("… 知识库答案缓存每次清空（每次问搜索插件）", *report_without_cache(report, env_big, home, 7), 7)
        )
        markdown = [*report[:-1], "markdown"]
        rows.append(("cstool log report --week --format markdown", *run_process(markdown, 7, env_big), 7))
        day = [*CSTOOL, "log", "report", "--day", "--date", REPORT_DAY, "--format", "json"]
        rows.append(("cstool log report --day（100 万条）", *run_process(day, 7, env_big), 7))
        listing = [*CSTOOL, "log", "list", "--json", "--limit", "50"]
        rows.append(("cstool log list --limit 50（100 万条）", *run_process(listing, 7, env_big), 7))
        due = [*CSTOOL, "log", "due", "--json"]
        env_due = {**env_big, "CSTOOL_NOW": "2026-12-30 10:00"}
        rows.append(("cstool log due（100 万条，近两周未结约 2 万条）", *run_process(due, 7, env_due), 7))

        os.environ["CSTOOL_HOME"] = home  # the in-process runs share the processes' KB-answer cache
        weekly = weekly_in_process(big)
        weekly()  # warm-up: the KB answers are cached from here on
        rows.append(
            (
                "周报 --week 进程内（查询 + 统计 + 缺口分析，缓存命中）",
                median_ms(time_call(weekly, 11)),
                None,
                11,
            )
        )
        figures = weekly_in_process(big, gaps=False)
        rows.append(("… 其中 SQL 聚合 + 统计（不含缺口分析）", median_ms(time_call(figures, 11)), None, 11))

        pg_url = os.environ.get("CSTOOL_BENCH_PG_URL")
        if pg_url:  # optional: the same 1M entries on a PostgreSQL server (loaded once, into its own schema)
            on_pg = weekly_in_process(postgres_copy(big, pg_url))
            on_pg()  # warm-up, as above
            rows.append(
                (
                    "周报 --week 进程内，PostgreSQL（同一批 100 万条）",
                    median_ms(time_call(on_pg, 11)),
                    None,
                    11,
                )
            )

    print("| 场景 | 墙钟中位数 (ms) | CPU 中位数 (ms) | CPU ÷ typer hello-world | 次数 |")
    print("|---|---:|---:|---:|---:|")
    for name, wall, cpu, runs in rows:
        cpu_text = "" if cpu is None else f"{cpu:.0f}"
        ratio = "" if cpu is None else f"{cpu / hello_cpu:.2f}×"
        print(f"| {name} | {wall:.0f} | {cpu_text} | {ratio} | {runs} |")
    print(f"\n数据库：{big.name}，{TOTAL:,} 条，52 周{generated}；周报所在周 {REPORT_DAY}。")


def report_without_cache(argv: list[str], env: dict[str, str], home: str, runs: int) -> tuple[float, float]:
    """``argv`` with the KB-answer cache removed before every run (the search plugin answers each time)."""
    from cstool_logbook.kbgaps import CACHE_FILE

    cache = Path(home) / "cache" / "logbook" / CACHE_FILE
    wall, cpu = [], []
    for _ in range(runs):
        cache.unlink(missing_ok=True)
        w, c = run_process(argv, 1, env, warm_up=False)
        wall.append(w)
        cpu.append(c)
    return statistics.median(wall), statistics.median(cpu)


def postgres_copy(big: Path, url: str) -> str:
    """A URL whose ``entries`` hold the SQLite database's rows (schema ``bench_1m_v<schema>``, kept)."""
    import sqlite3
    from urllib.parse import quote

    import psycopg

    schema = f"bench_1m_v{SCHEMA_VERSION}"
    target = f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}', safe='')}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    with open_store(target) as store:
        if store.count() == TOTAL:
            return target
    columns = (
        "kind, at_epoch, at, agent, buyer, order_id, sku, questions, outcome, reason, amount_fen, followup,"
        " note, details, created_at, updated_at"
    )
    source = sqlite3.connect(str(big))
    with psycopg.connect(target) as conn:
        conn.execute("TRUNCATE entries CASCADE")
        with conn.cursor() as cur, cur.copy(f"COPY entries ({columns}) FROM STDIN") as copy:
            for row in source.execute(f"SELECT {columns} FROM entries"):
                copy.write_row(row)
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE entries")
    return target


def weekly_in_process(path: Path | str, *, gaps: bool = True):  # type: ignore[no-untyped-def]
    """What ``cstool log report --week`` computes, as a function to time in this process."""
    from datetime import date

    from cstool_logbook.kbgaps import answered
    from cstool_logbook.report import period_for, report_from_store

    from cstool.context import AppState
    from cstool.plugins import make_plugin_manager

    state = AppState(pm=make_plugin_manager())
    period = period_for("week", date.fromisoformat(REPORT_DAY), TZ)

    def run() -> dict:
        with open_store(str(path)) as store:
            return report_from_store(store, period, answer=(lambda qs: answered(state, qs)) if gaps else None)

    return run


if __name__ == "__main__":
    main()
