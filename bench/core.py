"""What every figure shares: statistics of repeated timings, alternating rounds under a time
cap, child processes with their peak memory, the machine's facts, and the report."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# -- statistics ----------------------------------------------------------------------------
@dataclass
class Stat:
    """Repeated measurements of one quantity: the median and the spread (min..max)."""

    values: list[float]
    unit: str = "s"

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def text(self, with_spread: bool = True) -> str:
        if not self.values:
            return "—"
        med = _fmt(self.median, self.unit)
        if not with_spread or self.n == 1:
            return f"{med} (n={self.n})"
        lo, hi = min(self.values), max(self.values)
        return f"{med} ({_fmt(lo, self.unit, False)}–{_fmt(hi, self.unit, False)}, n={self.n})"

    def to_dict(self) -> dict:
        return {"unit": self.unit, "median": self.median, "values": self.values}


def _fmt(x: float, unit: str, with_unit: bool = True) -> str:
    if unit == "s":
        text = f"{x * 1000:.1f}" if x < 0.1 else f"{x:.3f}" if x < 10 else f"{x:.1f}"
        u = " ms" if x < 0.1 else " s"
    elif unit == "MiB":
        text, u = f"{x:.0f}", " MiB"
    elif unit == "x":
        text, u = f"{x:.2f}", "×"
    else:
        text, u = f"{x:.3g}", f" {unit}" if unit else ""
    if with_unit:
        return text + u
    if unit == "s" and x < 0.1:
        return text + " ms"
    return text


@dataclass
class Target:
    """``ratio``: measured / baseline at most ``limit``; ``max``: measured at most ``limit``
    (its unit); ``reported``: no target."""

    kind: str
    limit: float | None = None

    def text(self, unit: str = "") -> str:
        if self.kind == "ratio":
            return f"≤ {self.limit:g}×"
        if self.kind == "max":
            return f"≤ {self.limit:g} {unit}".rstrip()
        return "reported"


RATIO = lambda limit: Target("ratio", limit)  # noqa: E731
AT_MOST = lambda limit: Target("max", limit)  # noqa: E731
REPORTED = Target("reported")


@dataclass
class Row:
    """One line of the results table."""

    figure: str
    label: str
    measured: Stat
    target: Target
    baseline: Stat | None = None
    baseline_label: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline.values or not self.measured.values:
            return None
        if self.baseline.median == 0:
            return None
        return self.measured.median / self.baseline.median

    @property
    def passed(self) -> bool | None:
        if self.target.kind == "ratio":
            return None if self.ratio is None else self.ratio <= self.target.limit
        if self.target.kind == "max":
            return self.measured.median <= self.target.limit if self.measured.values else None
        return None

    def to_dict(self) -> dict:
        return {
            "figure": self.figure,
            "label": self.label,
            "measured": self.measured.to_dict(),
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "baseline_label": self.baseline_label,
            "ratio": self.ratio,
            "target": self.target.text(self.measured.unit),
            "passed": self.passed,
        }


@dataclass
class FigureResult:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    seconds: float = 0.0
    error: str | None = None


# -- rounds --------------------------------------------------------------------------------
@dataclass
class Plan:
    """How often a figure is measured: ``reps`` rounds, fewer if ``cap`` seconds are spent
    first (at least one round)."""

    reps: int
    cap: float

    def text(self) -> str:
        return f"{self.reps} rounds, capped at {self.cap:.0f} s"


def alternate(plan: Plan, *steps: Callable[[], float | None]) -> tuple[list[list[float]], int]:
    """Run ``steps`` in rounds, rotating which goes first each round (so that neither always
    meets a cold cache or the same moment of the machine's load); each returns its measured
    value (None: not measured this round). Stops after ``plan.reps`` rounds, or once the
    time cap is spent. Returns the values per step and the number of rounds run."""
    values: list[list[float]] = [[] for _ in steps]
    t0 = time.perf_counter()
    rounds = 0
    for r in range(plan.reps):
        order = list(range(len(steps)))
        k = r % len(steps)
        order = order[k:] + order[:k]
        for i in order:
            v = steps[i]()
            if v is not None:
                values[i].append(v)
        rounds += 1
        if time.perf_counter() - t0 > plan.cap:
            break
    return values, rounds


# -- child processes -----------------------------------------------------------------------
def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants now (KiB), from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(x.split()[1]) for x in f if x.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


@dataclass
class ChildRun:
    out: str
    seconds: float  # wall, from spawn to exit
    peak_mib: float  # the largest single process (wait4's ru_maxrss covers the descendants)
    tree_mib: float  # the sum over the process tree, sampled every 20 ms
    cpu: float  # user + system seconds of the child and its waited-for descendants


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def run_child(
    args: list[str], env: dict[str, str] | None = None, timeout: float | None = None
) -> ChildRun:
    """Run a child process to its end: its stdout, wall time, and peak memory two ways."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or child_env(),
        cwd=ROOT,
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    err_chunks: list[str] = []
    err_thread = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)
    err_thread.start()
    timer = None
    if timeout:
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if timer:
        timer.cancel()
    done.set()
    th.join()
    err_thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        tail = "".join(err_chunks).strip().splitlines()[-15:]
        raise RuntimeError(f"{' '.join(args[:4])}… exit {proc.returncode}:\n" + "\n".join(tail))
    return ChildRun(
        out=out,
        seconds=seconds,
        peak_mib=usage.ru_maxrss / 1024,
        tree_mib=peak[0] / 1024,
        cpu=usage.ru_utime + usage.ru_stime,
    )


def probe(name: str, *args: str, env: dict[str, str] | None = None) -> tuple[dict, ChildRun]:
    """Run ``python -m bench.probe NAME ARGS…`` (a measurement in a fresh process) and return
    the JSON it printed last, with the run."""
    run = run_child([sys.executable, "-m", "bench.probe", name, *args], env=env)
    last = [x for x in run.out.splitlines() if x.startswith("{")][-1]
    return json.loads(last), run


# -- the machine ---------------------------------------------------------------------------
def load() -> tuple[float, float, float]:
    return os.getloadavg()


def load_text(la: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in la)


def machine() -> dict[str, str]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((x.split(":", 1)[1].strip() for x in f if x.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(x for x in f if x.startswith("MemTotal")).split()[1])
            mem = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    try:
        cli = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout
        cli = cli.split()[0] if cli else "absent"
    except OSError:
        cli = "absent"
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        commit = commit + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        commit = "unknown"
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "sqlite (Python)": sqlite3.sqlite_version,
        "sqlite3 command line": cli,
        "platform": platform.platform(),
        "commit": commit,
    }


# -- the report ----------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def report(
    scale: str,
    results: list[FigureResult],
    facts: dict[str, str],
    started: dt.datetime,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    seconds: float,
) -> str:
    lines = [
        f"# khtui benchmark, scale `{scale}`",
        "",
        f"Run {started:%Y-%m-%d %H:%M} to {dt.datetime.now():%H:%M} ({seconds / 60:.1f} min), "
        f"`python -m bench --scale {scale}`.",
        "",
        "## Machine",
        "",
        "| fact | value |",
        "|---|---|",
        *(f"| {k} | {_cell(v)} |" for k, v in facts.items()),
        f"| load average before (1 / 5 / 15 min) | {load_text(load_before)} |",
        f"| load average after (1 / 5 / 15 min) | {load_text(load_after)} |",
        "",
        "## Results",
        "",
        "| figure | measured (median, spread, rounds) | baseline in the same run | ratio | target "
        "| pass |",
        "|---|---|---|---|---|---|",
    ]
    for res in results:
        if res.error:
            lines.append(f"| {res.title} | error | — | — | — | ERROR |")
            continue
        for row in res.rows:
            base = "—"
            if row.baseline is not None:
                base = f"{row.baseline_label}: {row.baseline.text()}"
            ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×"
            passed = {True: "pass", False: "FAIL", None: "—"}[row.passed]
            lines.append(
                f"| {_cell(row.label)} | {row.measured.text()} | {_cell(base)} | {ratio} | "
                f"{row.target.text(row.measured.unit)} | {passed} |"
            )
    lines += ["", "## Figures", ""]
    for res in results:
        lines += [
            f"### {res.title} (`--only {res.name}`)",
            "",
            f"{res.seconds:.0f} s; load average before {load_text(res.load_before)}, "
            f"after {load_text(res.load_after)}.",
            "",
        ]
        if res.error:
            lines += ["```", res.error, "```", ""]
        lines += [f"- {n}" for n in res.notes]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def results_json(results: list[FigureResult]) -> list[dict]:
    return [
        {
            "name": r.name,
            "title": r.title,
            "error": r.error,
            "rows": [row.to_dict() for row in r.rows],
            "notes": r.notes,
            "load_before": r.load_before,
            "load_after": r.load_after,
            "seconds": r.seconds,
        }
        for r in results
    ]
