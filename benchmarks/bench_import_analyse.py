"""Speed and memory of import + analysis on 100k and 1M respondents, and of `--help`.

Builds surveys of N respondents by resampling (with replacement, fixed seed) the rows of
the real progfun export in ../shared/data, then times, in a fresh process per size:
reading + mapping + validation, storing in SQLite, the quantitative analysis, and the
report; and records the process's peak resident memory. Prints one line per size.

Targets (README): 1M respondents in <= 60 s and <= 4 GB on 2 cores; `microcred --help`
in <= 0.3 s.

Usage: python benchmarks/bench_import_analyse.py [--sizes 100000 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROGFUN = ROOT / ".." / "shared" / "data" / "coursera-progfun-2013" / "progfun-nov2013.tsv"
STUDY = ROOT / "examples" / "coursera-progfun-2013" / "study.yaml"


def build(n: int, folder: Path) -> Path:
    """Write a study file and an N-row TSV resampled from the progfun export."""
    import numpy as np
    import pandas as pd

    table = pd.read_csv(PROGFUN, sep="\t", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(20131124)
    sample = table.iloc[rng.integers(0, len(table), size=n)]
    data = folder / f"progfun-{n}.tsv"
    sample.to_csv(data, sep="\t", index=False)
    text = STUDY.read_text(encoding="utf-8").replace(
        "../../../shared/data/coursera-progfun-2013/progfun-nov2013.tsv", data.name
    )
    study = folder / f"study-{n}.yaml"
    study.write_text(text, encoding="utf-8")
    return study


def child(study_path: Path, out: Path) -> dict[str, float]:
    """Run each stage once and return its timings (s) and the peak RSS (MB)."""
    from microcred import ingest, quant, report, store, study
    from microcred.pipeline import library_versions

    timings: dict[str, float] = {}
    start = time.perf_counter()
    instrument = study.load(study_path)
    data = ingest.read(instrument)
    timings["read_validate_s"] = time.perf_counter() - start

    start = time.perf_counter()
    project = store.Project(store.Project.default_url(out))
    project.import_answers(
        instrument.study.id, instrument.study.title, "bench",
        [store.SourceFile(f.source_id, f.path, f.sha256, f.format, f.n_rows) for f in data.files],
        data.answers, data.respondents,
    )
    project.close()
    timings["store_s"] = time.perf_counter() - start

    start = time.perf_counter()
    results = quant.analyse(instrument, data.answers, data.respondents, asked=data.asked)
    timings["analyse_s"] = time.perf_counter() - start

    start = time.perf_counter()
    provenance = {"microcred_version": "bench", "run_at": "", "libraries": library_versions(),
                  "inputs": [], "database": "", "study_file": str(study_path),
                  "study_sha256": ""}
    report.render(instrument, results, data.report, provenance, out)
    timings["report_s"] = time.perf_counter() - start
    timings["answers"] = float(len(data.answers))
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return timings


def help_time(repeats: int = 5) -> float:
    """Best wall time (s) of `microcred --help` over a few runs."""
    exe = Path(sys.executable).with_name("microcred")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([str(exe), "--help"], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Print the figures for each size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="keep generated files in this folder")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.child.parent / "out")))
        return

    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    print(f"microcred --help: {help_time():.3f} s (best of 5)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            study_path = build(n, folder)
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(study_path)],
                check=True, capture_output=True, text=True,
            )
            wall = time.perf_counter() - start
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"n={n:>9,}  answers={int(figures['answers']):>11,}  "
                f"read+validate {figures['read_validate_s']:6.1f} s  "
                f"store {figures['store_s']:6.1f} s  analyse {figures['analyse_s']:6.1f} s  "
                f"report {figures['report_s']:5.1f} s  total (process) {wall:6.1f} s  "
                f"peak RSS {figures['peak_rss_mb']:,.0f} MB"
            )


if __name__ == "__main__":
    main()
