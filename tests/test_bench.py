"""The benchmark command at its small scale: a smoke check that every figure's code runs and
the report holds every figure (no timings are asserted: they belong to the machine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.figures import FIGURES

ROOT = Path(__file__).resolve().parents[1]


def test_bench_small_runs_every_figure(tmp_path):
    out = tmp_path / "report.md"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "small",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    # 0: every target met, 1: one missed (a small scale says nothing of speed); 2 would be a
    # figure that could not be measured
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    doc = json.loads(out.with_suffix(".json").read_text())
    assert doc["scale"] == "small"
    assert [f["name"] for f in doc["figures"]] == list(FIGURES)
    for figure in doc["figures"]:
        assert figure["error"] is None, figure["error"]
        assert figure["rows"], figure["name"]
        for row in figure["rows"]:
            assert row["measured"]["values"], row["label"]
            if row["baseline"] is not None:
                assert row["baseline"]["values"], row["label"]
                assert row["ratio"] is not None and row["ratio"] > 0, row["label"]
            if row["target"] != "reported":
                assert row["passed"] in (True, False), row["label"]
    text = out.read_text()
    assert "## Machine" in text and "| cores |" in text
    for title, _fn in FIGURES.values():
        assert f"### {title}" in text
    failed = [r for f in doc["figures"] for r in f["rows"] if r["passed"] is False]
    assert (run.returncode == 1) == bool(failed)


def test_bench_refuses_a_city_run_without_a_report_file():
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "city"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 2
    assert "--out" in run.stderr


def test_the_cache_folder_is_made_with_the_run(tmp_path):
    """A figure run alone on a new machine (``--only import``) worked in a cache folder that
    did not exist yet."""
    from bench.figures import SCALES, Ctx

    cache = tmp_path / "new" / "cache"
    Ctx(SCALES["small"], cache)
    assert cache.is_dir()
