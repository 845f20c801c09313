"""Bench: importing order lines vs the sqlite3 command line's `.import` of the same CSV.

    python bench/bench_import.py --repeat 5      # 1M lines: ratios (and median), peak RSS
    python bench/bench_import.py --lines 10000000 --no-baseline   # 10M lines: peak RSS

Each run happens in a fresh child process (peak RSS of its largest process from wait4, and of
all its processes together sampled from /proc: the import writes from a second process); the
CSV is generated once
into --work (default /tmp/khtui-bench) and reused. The import is `khtui.data.importers.
import_file` into a new database, timed from opening the store to closing it; the baseline is
`sqlite3 DB ".import --csv --skip 1 FILE t"` into a bare table, in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEADER = "客户编码,订货日期,卷烟编码,卷烟名称,订货量(条),金额(元),批发价\n"


def generate(path: Path, lines: int, retailers: int = 2000, seed: int = 7) -> None:
    """Weekly orders: each retailer has a repertoire of brands and orders ~10 of them a week."""
    rnd = random.Random(seed)
    brands = [(f"69010280{i:05d}", f"品牌{i:03d}", rnd.choice([98, 130, 160, 215, 380])) for i in range(150)]  # fmt: skip
    codes = [f"3701021{j:05d}" for j in range(retailers)]
    repertoire = {c: rnd.sample(brands, 16) for c in codes}
    start = dt.date(2020, 1, 6)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(HEADER)
        n = 0
        week = 0
        while n < lines:
            chunk = []
            for k, c in enumerate(codes):
                day = (start + dt.timedelta(days=week * 7 + k % 5)).isoformat()
                for b, name, price in rnd.sample(repertoire[c], 10):
                    q = rnd.randint(1, 30)
                    chunk.append(f"{c},{day},{b},{name},{q},{q * price:.2f},{price:.2f}\n")
                    n += 1
                    if n >= lines:
                        break
                if n >= lines:
                    break
            f.write("".join(chunk))
            week += 1
    tmp.replace(path)


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


def run_child(args: list[str], env: dict | None = None) -> tuple[str, int, int]:
    """Run a child process: its stdout, the peak RSS of any one process of it (wait4's
    ru_maxrss covers the child and its children: the largest one) and the peak of the sum
    over the process tree (the import's writer runs in a grandchild beside the reader),
    sampled every 20 ms, both in MiB."""
    import threading

    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    th.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child failed: {' '.join(args)}\n{err}")
    return out, usage.ru_maxrss // 1024, peak[0] // 1024


def baseline(csv_path: Path, work: Path) -> tuple[float, int]:
    db = work / "bare.db"
    db.unlink(missing_ok=True)
    cols = ", ".join(f"c{i} TEXT" for i in range(7))
    t0 = time.perf_counter()
    _, rss, _ = run_child(
        ["sqlite3", str(db), f"CREATE TABLE t ({cols});", f".import --csv --skip 1 {csv_path} t"]
    )
    return time.perf_counter() - t0, rss


CHILD = """
import sys, time
from pathlib import Path
from khtui.data.store import Store
from khtui.data.importers import import_file
from khtui.i18n import Translator
tr = Translator("zh")
db = Path(sys.argv[1])
t0 = time.perf_counter()
store = Store(db, create=True)
r = import_file(store, sys.argv[2], "orders", tr=tr)
store.close()
print(time.perf_counter() - t0)
print(r.summary(tr))
assert r.rejected == 0, r.summary(tr)
"""


def khtui_import(csv_path: Path, work: Path) -> tuple[float, int, int, str]:
    db = work / "khtui.db"
    for p in work.glob("khtui.db*"):
        p.unlink()
    # The generated weeks run from 2020 into the future (10M lines reach 2029): the import
    # rejects order dates past today plus a margin, so "today" is set after the file's last
    # date and every line is imported, as before that rule existed.
    env = {**os.environ, "KHTUI_TODAY": "2031-01-01"}
    out, rss, tree = run_child([sys.executable, "-c", CHILD, str(db), str(csv_path)], env=env)
    seconds, summary = out.strip().splitlines()[:2]
    return float(seconds), rss, tree, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/khtui-bench"))
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    csv_path = args.work / f"orders-{args.lines}.csv"
    if not csv_path.exists():
        print(f"generating {csv_path} …", flush=True)
        generate(csv_path, args.lines)
    size = csv_path.stat().st_size / 2**20
    print(f"{args.lines:,} lines, {size:.0f} MiB")
    if not args.no_baseline and shutil.which("sqlite3") is None:
        raise SystemExit("sqlite3 command-line tool not found (apt-get install sqlite3)")
    ratios = []
    for _ in range(args.repeat):
        if not args.no_baseline:
            base, base_rss = baseline(csv_path, args.work)
            print(f"sqlite3 .import into a bare table: {base:.2f} s, peak RSS {base_rss} MiB")
        secs, rss, tree, summary = khtui_import(csv_path, args.work)
        print(
            f"khtui import orders:               {secs:.2f} s, peak RSS {rss} MiB "
            f"(largest process), {tree} MiB (all its processes together)"
        )
        print(f"  {summary}")
        if not args.no_baseline:
            ratios.append(secs / base)
            print(f"ratio: {secs / base:.2f}x (must be <= 2.00x)")
    if len(ratios) > 1:
        print(f"median ratio of {len(ratios)} rounds: {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
