"""Logbook benchmarks: a one-line entry as a new process, and reports over 1,000,000 entries (SQLite).

Run: ``python bench/bench_logbook.py`` (or ``make bench``). Prints a Markdown table.
The 1M-entry database is generated once (fixed seed, executemany in one
transaction) and cached as ``bench/out/logbook-1m-v<schema>.sqlite3``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PY, baselines, median_ms, time_call, time_process  # noqa: E402
from cstool_logbook.store import SCHEMA_VERSION, open_store  # noqa: E402

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


def main() -> None:
    OUT.mkdir(exist_ok=True)
    big = OUT / f"logbook-1m-v{SCHEMA_VERSION}.sqlite3"
    generated = ""
    if not big.exists():
        began = time.perf_counter()
        generate(big)
        generated = f"（本次生成 1,000,000 条用时 {time.perf_counter() - began:.1f} s）"
    rows = [(name, ms, 11) for name, ms in baselines().items()]

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
            "--outcome",
            "未成交",
            "--reason",
            "价格",
            "--agent",
            "小暖",
        ]
        rows.append(("cstool log inquiry …（一行录入，新进程）", median_ms(time_process(entry, 15, env)), 15))
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
            "--amount",
            "199.00",
            "--agent",
            "小暖",
        ]
        rows.append(("cstool log unpaid …（一行录入，新进程）", median_ms(time_process(unpaid, 15, env)), 15))

        env_big = {**os.environ, "CSTOOL_HOME": home, "CSTOOL_DB": str(big)}
        report = [PY, "-m", "cstool", "log", "report", "--week", "--date", REPORT_DAY, "--format", "json"]
        rows.append(
            ("cstool log report --week（100 万条，新进程）", median_ms(time_process(report, 7, env_big)), 7)
        )
        markdown = [*report[:-1], "markdown"]
        rows.append(
            (
                "cstool log report --week --format markdown（100 万条）",
                median_ms(time_process(markdown, 7, env_big)),
                7,
            )
        )
        day = [PY, "-m", "cstool", "log", "report", "--day", "--date", REPORT_DAY, "--format", "json"]
        rows.append(
            ("cstool log report --day（100 万条，新进程）", median_ms(time_process(day, 7, env_big)), 7)
        )
        listing = [PY, "-m", "cstool", "log", "list", "--json", "--limit", "50"]
        rows.append(
            ("cstool log list --limit 50（100 万条）", median_ms(time_process(listing, 7, env_big)), 7)
        )
        due = [PY, "-m", "cstool", "log", "due", "--json"]
        env_due = {**env_big, "CSTOOL_NOW": "2026-12-30 10:00"}
        rows.append(
            ("cstool log due（100 万条，近两周未结约 2 万条）", median_ms(time_process(due, 7, env_due)), 7)
        )

    rows.append(
        ("周报计算（进程内：查询 + 统计）", median_ms(time_call(lambda: weekly_in_process(big), 7)), 7)
    )

    print("| 场景 | 中位数 (ms) | 次数 |")
    print("|---|---:|---:|")
    for name, ms, runs in rows:
        print(f"| {name} | {ms:.0f} | {runs} |")
    print(f"\n数据库：{big.name}，{TOTAL:,} 条，52 周{generated}")


def weekly_in_process(path: Path) -> dict:
    from datetime import date

    from cstool_logbook.report import build_report, period_for

    period = period_for("week", date.fromisoformat(REPORT_DAY), TZ)
    with open_store(str(path)) as store:
        entries = store.query(start=period.start, end=period.end, newest_first=False)
        complaints = store.query(kind="complaint", outcome="处理中", end=period.end)
    return build_report(entries, complaints, period)


if __name__ == "__main__":
    main()
