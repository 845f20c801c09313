"""``python -m bench``: build (or reuse) the data at a scale, run the figures, write a report.

    python -m bench --scale city --out bench/city-run.md       # the committed run: hours
    python -m bench --scale small                               # a smoke run: about a minute
    python -m bench --scale city --only import recompute        # some figures

Each figure is measured against its baseline in the same run (rounds alternating which goes
first), as a median with its spread over a stated number of rounds and a time cap. The report
(markdown) gives each figure with its baseline, ratio, target and pass/fail, and the machine's
facts (cores, load average before and after). Data are built once and cached by their
parameters in ``--cache`` (a demo of 50,000 retailers takes minutes; never commit them).
``--scale small`` writes its report to a temporary file unless ``--out`` is given.

Exit status: 0 when every figure with a target met it, 1 when one missed its target, 2 when a
figure could not be measured (the report says why).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

from bench import core
from bench.figures import FIGURES, SCALES, Ctx, run_figure


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0].strip("`")
    )
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        choices=list(FIGURES),
        default=None,
        help="these figures only: " + ", ".join(FIGURES),
    )
    ap.add_argument("--out", type=Path, help="the report (markdown); a JSON file beside it")
    ap.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "khtui-bench",
        help="where the data are built and kept (default: %(default)s)",
    )
    ap.add_argument("--reps", type=int, help="rounds of every figure (overrides the scale's)")
    args = ap.parse_args(argv)

    scale = SCALES[args.scale]
    out = args.out
    if out is None:
        if args.scale == "city":
            ap.error("--scale city needs --out FILE")
        out = Path(tempfile.mkstemp(prefix="khtui-bench-", suffix=".md")[1])
    ctx = Ctx(scale, args.cache.resolve(), args.reps)
    names = [n for n in FIGURES if args.only is None or n in args.only]
    facts = core.machine()
    started = dt.datetime.now()
    before = core.load()
    t0 = time.perf_counter()
    results = []
    for name in names:
        print(f"{name} … (load {core.load_text(core.load())})", flush=True)
        res = run_figure(name, ctx)
        results.append(res)
        for row in res.rows:
            ratio = "" if row.ratio is None else f" {row.ratio:.2f}x"
            print(f"  {row.label}: {row.measured.text()}{ratio} {row.passed}", flush=True)
        out.write_text(
            core.report(
                scale.name, results, facts, started, before, core.load(), time.perf_counter() - t0
            )
        )
    after = core.load()
    text = core.report(scale.name, results, facts, started, before, after, time.perf_counter() - t0)
    out.write_text(text)
    out.with_suffix(".json").write_text(
        json.dumps(
            {
                "scale": scale.name,
                "machine": facts,
                "load_before": before,
                "load_after": after,
                "figures": core.results_json(results),
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    print(f"report: {out}")
    if any(r.error for r in results):
        return 2
    if any(row.passed is False for r in results for row in r.rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
