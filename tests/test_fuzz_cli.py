"""A seeded CLI fuzz: hostile values through ``promo``, ``log``, ``kb`` and ``search``.

Every invocation goes through the real entry point (``cstool.cli.run``) in-process, and a few
as real processes, in a temp CSTOOL_HOME with a temp copy of the team KB. Each must:
exit 0, 1 or 2; print no traceback and no ``内部错误``; and after a refusal (exit 2) leave every
file under the home, the KB and the scratch folder exactly as it was.

``make test`` runs CSTOOL_FUZZ_N=300 (the default); ``make fuzz`` runs 5,000.
CSTOOL_FUZZ_SEED picks another sequence; a failure prints the seed, the index and the argv.

KNOWN may list failure kinds whose fix is in flight: a generated case that fails only in one of
these ways is counted, not failed, and the test ends as xfail naming them. It is empty on main:
every kind the fuzz names (promo limits, --out, ids, database URLs, money, argv UTF-8, kb init
targets) fails the test.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
N = int(os.environ.get("CSTOOL_FUZZ_N", "300"))
SEED = int(os.environ.get("CSTOOL_FUZZ_SEED", "9"))
PROCESSES = int(os.environ.get("CSTOOL_FUZZ_PROCESSES", "6"))
STRICT = bool(os.environ.get("CSTOOL_FUZZ_STRICT"))  # 1: KNOWN kinds fail too (to see them)
HANG_SECONDS = 30

# Failure kinds fixed on other branches (owner in brackets). Remove an entry once merged.
# Every kind below is fixed on main; they stay named so a regression is reported by kind.
# A kind listed here would be counted, not failed (xfail): keep it empty unless a fix is in flight.
KNOWN: dict[str, str] = {}

# Generator branches not run at all until their branch merges: they hang or take gigabytes
# (a 30-second alarm cannot interrupt one long C-level computation). Remove once merged.
SKIP: dict[str, str] = {}

BAD_UTF8 = os.fsdecode(b"\xff\xfe\xe6\x97")  # what Python makes of invalid UTF-8 in argv
HYPERLINK = '=HYPERLINK("http://evil.example/?x","点我")'

NUMBERS = [
    "１２",
    "１０００００００００",
    "99999999999999999999",
    "9" * 400,
    "1E400",
    "1e3",
    "-0",
    "0",
    "-1",
    "1_000",
    "٣",
    "NaN",
    "inf",
    "-inf",
    "0.001",
    "12.345",
    "¥99",
    "100000000",
    "10000000.01",
    "2",
    "3",
    "",
    " ",
    BAD_UTF8,
]
TEXTS = [
    HYPERLINK,
    "=1+1",
    "=cmd|' /C calc'!A0",
    "+86 138 0013 8000",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "手机号１８６１２３９８７６５",
    "找陈静13987651234处理",
    "{agent.__class__.__mro__[1].__subclasses__}",
    "{agent:>1000000000}",
    "'; DROP TABLE entries; --",
    "../../etc/passwd",
    "发货",
    "小王",
    "包邮吗",
    "a\nb",
    "  ",
    "",
    BAD_UTF8,
    "-",
    "－１",
    "ｆｈ",
    "價格",
    "*a0",
    "&a0 [x]",
]
DATES = [
    "2026-11-11 10:00",
    "2026-13-40",
    "１２:００",
    "yesterday",
    "9999-12-31 23:59",
    "0000-00-00",
    "",
    "2026-11-11T10:00:00+99:00",
    BAD_UTF8,
    "1E400",
]
FORMATS = ["csv", "xlsx", "json", "markdown", "table", "pdf", "", "CSV", BAD_UTF8]
KINDS = ["inquiry", "unpaid", "promise", "complaint", "询盘", "", BAD_UTF8]
OUTCOMES = ["成交", "未成交", "跟进中", "已付款", "已关闭", "赢了", "", BAD_UTF8]
REASONS = ["价格", "运费", "不存在的原因", "", HYPERLINK]


def long_text(r: random.Random) -> str:
    return r.choice(["包", "9", "a", "=", "１"]) * r.choice([1_000, 20_000, 100_000])


@dataclass
class Scratch:
    """Hostile paths, made once per run (in a folder that is snapshotted too)."""

    root: Path

    def make(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "existing.csv").write_text("旧内容\n", encoding="utf-8")
        (self.root / "folder").mkdir(exist_ok=True)
        os.mkfifo(self.root / "fifo")
        os.symlink(self.root / "existing.csv", self.root / "link.csv")
        os.symlink(self.root / "nowhere", self.root / "dangling")
        with contextlib.suppress(OSError):  # a copy of /dev/full: the tool may clobber it, harming nothing
            os.mknod(self.root / "full", stat.S_IFCHR | 0o666, os.makedev(1, 7))
        (self.root / "cart.yaml").write_text(
            "items:\n  - A:2\n  - B:1\nat: 2026-11-11 10:00\n", encoding="utf-8"
        )
        (self.root / "bomb.yaml").write_text("x: &a [1, 1]\ny: &b [*a, *a]\nz: [*b, *b]\n", encoding="utf-8")
        (self.root / "import.csv").write_text("买家,问题\n" + HYPERLINK + ",=1+1\n", encoding="utf-8")

    def special(self) -> dict[str, str]:
        """Targets that must be refused as ``--out`` (exit 2, unchanged)."""
        targets = {
            "fifo": str(self.root / "fifo"),
            "folder": str(self.root / "folder"),
            "symlink": str(self.root / "link.csv"),
            "dangling": str(self.root / "dangling"),
            "existing": str(self.root / "existing.csv"),
            "missing-parent": str(self.root / "no" / "such" / "out.csv"),
        }
        if (self.root / "full").exists():
            targets["device"] = str(self.root / "full")
        return targets

    def out_path(self, r: random.Random) -> tuple[str, str | None]:
        """(path, kind) where kind names a target that must be refused."""
        if r.random() < 0.3:
            return str(self.root / f"new-{r.randrange(10**6)}.{r.choice(['csv', 'xlsx', 'json'])}"), None
        if r.random() < 0.1:
            return r.choice(["-", "", BAD_UTF8]), None
        kind, path = r.choice(sorted(self.special().items()))
        return path, kind

    def in_path(self, r: random.Random) -> str:
        return r.choice(
            [
                "/dev/null",
                str(self.root / "fifo"),
                str(self.root / "folder"),
                str(self.root / "link.csv"),
                str(self.root / "dangling"),
                str(self.root / "nowhere.yaml"),
                str(self.root / "cart.yaml"),
                str(self.root / "bomb.yaml"),
                "/proc/xx",
                BAD_UTF8,
                "",
                str(self.root / "full"),
            ]
        )


def gen_search(r: random.Random, s: Scratch) -> list[str]:
    query = r.choice(TEXTS + NUMBERS + [long_text(r)])
    args = ["search", query]
    if r.random() < 0.3:
        args += ["--limit", r.choice(NUMBERS)]
    if r.random() < 0.3:
        args += ["--stage", r.choice(["ship", "物流", "nowhere", "", BAD_UTF8, HYPERLINK])]
    if r.random() < 0.2:
        args += ["--tag", r.choice(TEXTS)]
    if r.random() < 0.5:
        args.append("--json")
    if r.random() < 0.05:
        args += ["--pick", r.choice(NUMBERS)]
    return args


def gen_kb(r: random.Random, s: Scratch) -> list[str]:
    choice = r.random()
    if choice < 0.45:
        args = ["kb", "add"]
        for option, values in (
            (
                "--file",
                ["ship.yaml", "新主题.yaml", "../escape.yaml", "/etc/passwd", "x.txt", "", BAD_UTF8, "ship"],
            ),
            ("--id", ["ship.fuzz", "ship.when", "Bad Id", "", "ship." + "x" * 300, BAD_UTF8, "=1+1"]),
            ("--title", TEXTS),
            ("--reply", TEXTS),
            ("--question", TEXTS),
            ("--stage", ["ship", "nowhere", "", BAD_UTF8]),
            ("--shortcut", ["fh9", "", "ｆｈ", BAD_UTF8, "x" * 500]),
            ("--tag", TEXTS),
        ):
            if r.random() < 0.75:
                args += [option, r.choice(values) if r.random() < 0.9 else long_text(r)]
        return args
    if choice < 0.6:
        return ["kb", "lint", *r.sample(["--json", "--strict"], r.randrange(3))]
    if choice < 0.8:
        target = r.choice(
            [
                s.in_path(r),
                str(s.root / f"newkb-{r.randrange(10**6)}"),
                str(s.root / "dangling"),
                str(s.root / "existing.csv"),
                str(s.root / "folder"),
            ]
        )
        return ["kb", "init", target]
    return ["kb", "stats", *r.sample(["--json", "--unused"], r.randrange(3))]


def gen_promo(r: random.Random, s: Scratch) -> list[str]:
    campaign = r.choice(
        [
            "double11",
            "double11",
            "anniversary",
            "双11大促",
            "nowhere",
            "",
            BAD_UTF8,
            str(s.root / "bomb.yaml"),
            "/dev/null",
            str(s.root / "fifo"),
            "../kb.yaml",
        ]
    )
    sub = r.choice(["quote", "quote", "quote", "refund", "check", "suggest", "summary"])

    def item() -> str:
        sku = r.choice(["A", "B", "C", "H", "Z", "", "ａ", BAD_UTF8])
        return f"{sku}:{r.choice(NUMBERS)}" + (f"@{r.choice(NUMBERS)}" if r.random() < 0.2 else "")

    if sub == "quote":
        args = ["promo", "quote", campaign, *[item() for _ in range(r.randrange(1, 4))]]
        if r.random() < 0.3:
            args += ["--at", r.choice(DATES)]
        if r.random() < 0.15:
            args += ["--cart", s.in_path(r)]
        if r.random() < 0.15:
            args += ["--region", r.choice(["新疆", "", BAD_UTF8, HYPERLINK])]
        if r.random() < 0.15:
            args += ["--coupons", r.choice(["c1,c2", "", ",,,", BAD_UTF8])]
        return args
    if sub == "refund":
        return ["promo", "refund", campaign, "--cart", s.in_path(r), "--return", item()]
    if sub == "check":
        args = ["promo", "check", campaign]
        if r.random() < 0.4:
            args += ["--aov", r.choice(NUMBERS)]
        if r.random() < 0.3:
            args += ["--catalog", s.in_path(r)]
        return args
    if sub == "suggest":
        return [
            "promo",
            "suggest",
            "--aov",
            r.choice(NUMBERS),
            "--stage",
            r.choice(["growth", "mature", "", BAD_UTF8]),
        ]
    return ["promo", "summary", campaign]


def gen_log(r: random.Random, s: Scratch) -> list[str]:
    sub = r.choice(
        [
            "inquiry",
            "unpaid",
            "promise",
            "complaint",
            "list",
            "show",
            "update",
            "buyer",
            "due",
            "report",
            "export",
            "import",
            "campaign-list",
        ]
    )
    text = lambda: r.choice(TEXTS) if r.random() < 0.9 else long_text(r)  # noqa: E731
    args = ["log", sub]
    if sub == "inquiry":
        args += [
            "--buyer",
            text(),
            "-q",
            text(),
            "--outcome",
            r.choice(OUTCOMES),
            "--reason",
            r.choice(REASONS),
        ]
        if r.random() < 0.3:
            args += ["--at", r.choice(DATES)]
        if r.random() < 0.3:
            args += ["--note", text()]
    elif sub == "unpaid":
        args += ["--order", r.choice(NUMBERS + TEXTS), "--buyer", text(), "--amount", r.choice(NUMBERS)]
        if r.random() < 0.5:
            args += ["--reason", r.choice(REASONS)]
    elif sub == "promise":
        args += ["--order", r.choice(NUMBERS), "--buyer", text(), "--promise", text()]
        if r.random() < 0.3:
            args += ["--flag", r.choice(["红", "purple", "", BAD_UTF8])]
    elif sub == "complaint":
        args += [
            "--buyer",
            text(),
            "--what",
            text(),
            "--severity",
            r.choice(["一般", "重大", "致命", "", BAD_UTF8]),
        ]
    elif sub in ("show", "update"):
        args.append(r.choice(NUMBERS + ["1", "1", "2"]))
        if sub == "update":
            for option, values in (
                ("--note", TEXTS),
                ("--remind", TEXTS),
                ("--outcome", OUTCOMES),
                ("--followup", DATES),
                ("--at", DATES),
            ):
                if r.random() < 0.4:
                    args += [option, r.choice(values)]
    elif sub == "buyer":
        args.append(text())
    elif sub in ("list", "campaign-list"):
        if r.random() < 0.5:
            args += ["--limit", r.choice(NUMBERS)]
        if sub == "list" and r.random() < 0.4:
            args += ["--kind", r.choice(KINDS), "--from", r.choice(DATES)]
    elif sub in ("report", "export"):
        args += ["--format", r.choice(FORMATS)]
        if sub == "report":
            args += [r.choice(["--week", "--day"])]
            if r.random() < 0.3:
                args += ["--date", r.choice(DATES)]
        if r.random() < 0.8:
            out, _ = s.out_path(r)
            args += ["--out", out]
            if r.random() < 0.15:
                args.append("--force")
    elif sub == "import":
        args += [
            r.choice(
                [
                    str(s.root / "import.csv"),
                    "/dev/null",
                    str(s.root / "folder"),
                    str(s.root / "nowhere.csv"),
                    str(s.root / "bomb.yaml"),
                    BAD_UTF8,
                    str(s.root / "fifo"),
                ]
            )
        ]
        args += ["--kind", r.choice(KINDS)]
    if r.random() < 0.08:
        args += [
            "--db",
            r.choice(
                [
                    "postgresql://cstool:cstool@127.0.0.1:99999/x",
                    "postgresql://",
                    "mysql://x",
                    str(s.root / "folder"),
                    "/dev/null",
                    BAD_UTF8,
                    "",
                    str(s.root / "existing.csv"),
                ]
            ),
        ]
    if r.random() < 0.3:
        args.append("--json")
    return args


GENERATORS: list[Callable[[random.Random, Scratch], list[str]]] = [gen_search, gen_kb, gen_promo, gen_log]


# ---------------------------------------------------------------- judging one run


def snapshot(*roots: Path) -> dict[str, tuple]:
    """Every entry under ``roots``: kind, and content hash for regular files (never reads FIFOs/devices).

    ``cache`` folders are left out: the search index and parsed-file caches are rebuilt from the
    KB at any time (a refused ``search --stage nowhere`` may refresh a stale index first)."""
    seen: dict[str, tuple] = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not (d == "cache" and Path(dirpath) == root)]
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                st = path.lstat()
                if stat.S_ISREG(st.st_mode):
                    seen[str(path)] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mode)
                elif stat.S_ISLNK(st.st_mode):
                    seen[str(path)] = ("link", os.readlink(path))
                elif stat.S_ISDIR(st.st_mode):
                    seen[str(path)] = ("dir",)
                else:
                    seen[str(path)] = ("special", stat.S_IFMT(st.st_mode), st.st_rdev)
    return seen


def known_kind(
    argv: list[str], output: str, problem: str, out_kind: str | None, diff: list[str]
) -> str | None:
    """Which KNOWN failure kind explains this failure (None: a new failure)."""
    has_bad_utf8 = any(BAD_UTF8 in a for a in argv)
    if has_bad_utf8 and ("surrogates not allowed" in output or "UnicodeEncodeError" in output):
        return "argv-utf8"
    if out_kind is not None and problem in ("out-not-refused", "internal", "changed-after-refusal"):
        return "log-out"
    if argv[0] == "promo" and problem in ("internal", "traceback", "hang"):
        return "promo-limits"
    if argv[0] == "log":
        if "OverflowError" in output or "too large to convert" in output or "Python int too large" in output:
            return "log-ids"
        if "--db" in argv and problem == "internal":
            return "log-db-url"
        if "--amount" in argv and problem in ("internal", "accepted-bad-money"):
            return "log-money"
    if argv[:2] == ["kb", "init"] and problem in ("internal", "changed-after-refusal"):
        return "kb-init-target"
    return None


def skip_kind(argv: list[str]) -> str | None:
    """Which SKIP branch this argv belongs to (None: run it)."""
    return None


class Hung(BaseException):
    """Raised by the alarm: the command waited (a FIFO) or worked far too long."""


@dataclass
class Outcome:
    code: int
    output: str


def invoke_in_process(argv: list[str], capsys) -> Outcome:
    from cstool.cli import run
    from cstool.config import load_user_config

    load_user_config.cache_clear()

    def hung(signum, frame):
        raise Hung()

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_SECONDS)
    capsys.readouterr()
    escaped = ""
    try:
        code = run(argv)
    except Hung:
        code = -1
    except Exception as exc:  # escaped run() itself: a real process would print a traceback
        code, escaped = 1, f"\nTraceback (escaped run): {type(exc).__name__}: {exc}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = (b.decode("utf-8", "replace") for b in capsys.readouterr())  # xlsx on stdout is binary
    return Outcome(code, out + err + escaped + ("\n<hang>" if code == -1 else ""))


def invoke_process(argv: list[str], env: dict[str, str]) -> Outcome:
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "cstool", *[os.fsencode(a) for a in argv]],
            capture_output=True,
            env=env,
            cwd=env["CSTOOL_FUZZ_CWD"],
            timeout=HANG_SECONDS * 2,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return Outcome(-1, "<hang>")
    return Outcome(proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace"))


def judge(argv: list[str], outcome: Outcome, changed: bool, out_kind: str | None) -> str | None:
    """The problem with this run, or None."""
    if outcome.code == -1:
        return "hang"
    if "Traceback" in outcome.output:
        return "traceback"
    if "内部错误" in outcome.output:
        return "internal"
    if outcome.code not in (0, 1, 2):
        return f"exit-{outcome.code}"
    must_refuse = out_kind is not None and not (out_kind == "existing" and "--force" in argv)
    if must_refuse and (outcome.code != 2 or changed):  # the contract: exit 2 and the target untouched
        return "out-not-refused"
    if outcome.code == 2 and changed:
        return "changed-after-refusal"
    return None


# ---------------------------------------------------------------- the test


@pytest.fixture
def fuzz_env(tmp_path, isolated_home, monkeypatch):
    kb = tmp_path / "kb"
    shutil.copytree(REPO / "kb", kb)
    scratch = Scratch(tmp_path / "scratch")
    scratch.make()
    env = {
        "CSTOOL_KB": str(kb),
        "CSTOOL_DB": str(isolated_home / "log.db"),
        "CSTOOL_NOW": "2026-11-11 10:00",
        "CSTOOL_AGENT": "小测",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # noqa: SIM115 - never a terminal
    cwd = tmp_path / "cwd"  # a relative --db or --out lands here (snapshotted too), never in the repo
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return kb, scratch, isolated_home, {**os.environ, **env, "CSTOOL_FUZZ_CWD": str(cwd)}


def test_hostile_cli_values_never_crash_or_clobber(fuzz_env, capsysbinary):
    capsys = capsysbinary
    kb, scratch, home, env = fuzz_env
    r = random.Random(SEED)
    unknown: list[str] = []
    known: Counter[str] = Counter()
    codes: Counter[int] = Counter()
    per_group: Counter[str] = Counter()
    slowest: list[tuple[float, int, list[str]]] = []
    skipped: Counter[str] = Counter()
    number = -1
    while sum(per_group.values()) < N:  # N invocations run (skipped branches do not count)
        number += 1
        if number and number % 500 == 0:
            print(
                f"fuzz: {number} generated, {sum(per_group.values())} run, {len(unknown)} new failures",
                file=sys.stderr,
            )
        generate = GENERATORS[number % len(GENERATORS)]
        argv = generate(r, scratch)
        out_kind = None
        if "--out" in argv:
            target = argv[argv.index("--out") + 1]
            out_kind = next((k for k, p in scratch.special().items() if p == target), None)
        skipped_kind = skip_kind(argv)
        if skipped_kind is not None and skipped_kind in SKIP:
            skipped[skipped_kind] += 1
            continue
        before = snapshot(kb, home, scratch.root, Path(env["CSTOOL_FUZZ_CWD"]))
        started = time.perf_counter()
        as_process = number < PROCESSES * len(GENERATORS) and number % 10 < 2  # a handful, every group
        outcome = invoke_process(argv, env) if as_process else invoke_in_process(argv, capsys)
        slowest.append((time.perf_counter() - started, number, argv[:3]))
        after = snapshot(kb, home, scratch.root, Path(env["CSTOOL_FUZZ_CWD"]))
        changed = after != before
        codes[outcome.code] += 1
        per_group[argv[0]] += 1
        problem = judge(argv, outcome, changed, out_kind)
        if problem is None:
            continue
        diff = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        kind = known_kind(argv, outcome.output, problem, out_kind, diff)
        if kind is not None and kind in KNOWN and not STRICT:
            known[kind] += 1
        else:
            shown = [a if len(a) < 80 else a[:40] + f"…({len(a)} chars)" for a in argv]
            unknown.append(
                f"#{number} seed={SEED} {problem}: {shown}\n    {outcome.output.strip()[-400:]}\n    changed: {diff[:5]}"
            )
        if changed and any(str(scratch.root) in a for a in argv):  # later cases start from the same paths
            _restore_scratch(scratch)
    print(
        f"\nfuzz: {N} runs ({number + 1} generated), seed {SEED}, per group {dict(per_group)}, exit codes {dict(codes)}, "
        f"known failures {dict(known)}, skipped {dict(skipped)}; slowest {[(round(t, 2), n, a) for t, n, a in sorted(slowest)[-12:]]}"
    )
    assert min(per_group.values()) >= N // len(GENERATORS) // 2
    assert not unknown, f"{len(unknown)} new failures:\n" + "\n".join(unknown[:20])
    if known:
        pytest.xfail(
            "failures fixed on other branches: " + ", ".join(f"{k} ×{n}" for k, n in sorted(known.items()))
        )


def _restore_scratch(scratch: Scratch) -> None:
    shutil.rmtree(scratch.root, ignore_errors=True)
    scratch.make()
