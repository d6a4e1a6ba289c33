"""Fuzz every importer of microcred and print inputs tried, crashes and time per importer.

Usage (from the repository root, with the project's virtual environment)::

    .venv/bin/python fuzz/run.py                       # 10,000 inputs per importer
    .venv/bin/python fuzz/run.py --per-importer 500 --seconds 60 --importers csv,xlsx
    .venv/bin/python fuzz/run.py --json out/fuzz/summary.json

Importers: ``read_table`` with each declared format (auto, csv, tsv, google-forms,
limesurvey, qualtrics, xlsx, sav), the mapping (``microcred.ingest.read`` of a small
study pointing at the fuzzed file, then a store round trip) and the study-file parser
(``microcred.study.load``). Each importer runs in its own process, so a segmentation
fault or a hang inside a C extension is caught and reported like any other crash: a
watchdog kills a process whose current input has run for longer than
``--hang-timeout`` seconds. Crashing inputs are saved under ``--crash-dir``.

Inputs are drawn by hypothesis (:mod:`fuzz.inputs`) and judged by
:func:`fuzz.targets.run_input`: an outcome is fine when it is a
:class:`microcred.errors.MicrocredError` or a correct import. The exit code is 0 when
there was no crash, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``fuzz`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.inputs import IMPORTERS, FuzzInput, edge_cases, havoc, strategy  # noqa: E402
from fuzz.targets import Crash, run_input  # noqa: E402

__all__ = ["Summary", "fuzz_importer", "main"]

DEFAULT_PER_IMPORTER = 10_000
INPUT_TIMEOUT = 20.0
"""Seconds one generated input may take (they are at most a few kilobytes)."""
EDGE_TIMEOUT = 300.0
"""Seconds one edge case may take (some are tens of megabytes)."""


@dataclass
class Summary:
    """What one importer's run did."""

    importer: str
    tried: int = 0
    imported: int = 0
    rejected: int = 0
    crashes: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0
    edge_cases: list[dict[str, object]] = field(default_factory=list)
    restarts: int = 0

    @property
    def n_crashes(self) -> int:
        return sum(1 for c in self.crashes if c["kind"] != "hang")

    @property
    def n_hangs(self) -> int:
        return sum(1 for c in self.crashes if c["kind"] == "hang")


class _StopFuzzing(BaseException):
    """Raised inside the hypothesis test when the time budget is spent."""


def _save_crash(
    crash_dir: Path, importer: str, item: FuzzInput, crash: Crash, seen: dict[str, int]
) -> dict[str, object]:
    """Record a crash; keep the first 3 inputs of each kind of crash on disk."""
    record: dict[str, object] = {
        "importer": importer, "kind": crash.kind, "detail": crash.detail,
        "where": crash.where, "how": item.how, "source": item.source, "input": None,
    }
    key = hashlib.sha1(crash.signature.encode()).hexdigest()[:10]
    seen[key] = seen.get(key, 0) + 1
    if seen[key] <= 3:
        folder = crash_dir / importer
        folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(item.name).suffix or ".bin"
        target = folder / f"{key}-{seen[key]}{suffix}"
        target.write_bytes(item.data)
        record["input"] = str(target)
        meta = {**record, "trace": crash.trace, "file_name": item.name}
        target.with_suffix(target.suffix + ".json").write_text(
            json.dumps(meta, indent=1, default=str)
        )
        record["input"] = str(target)
    return record


def fuzz_importer(
    importer: str,
    n: int,
    *,
    seconds: float = 0,
    seed: int = 0,
    workdir: Path,
    crash_dir: Path,
    edge: bool = True,
    huge: bool = True,
    heartbeat: Path | None = None,
    status: Path | None = None,
    input_timeout: float = INPUT_TIMEOUT,
    mutants: int = 4,
) -> Summary:
    """Run ``n`` generated inputs (plus the edge cases) through one importer, in process.

    Parameters
    ----------
    importer : str
        One of :data:`fuzz.inputs.IMPORTERS`.
    n : int
        Generated inputs to try (hypothesis ``max_examples``).
    seconds : float
        Stop generating after this many seconds (0: no limit).
    seed : int
        Hypothesis seed (the same seed gives the same inputs).
    workdir : pathlib.Path
        Scratch folder.
    crash_dir : pathlib.Path
        Where crashing inputs are saved.
    edge, huge : bool
        Run the edge cases; include those of tens of megabytes.
    heartbeat : pathlib.Path, optional
        File rewritten before each input (name and time) for the watchdog.
    status : pathlib.Path, optional
        File rewritten with the summary as JSON every few hundred inputs.
    input_timeout : float
        Seconds a generated input may take before it counts as a hang.
    mutants : int
        Inputs per hypothesis example: the example itself, then ``mutants - 1`` mutants
        of it (:func:`fuzz.inputs.havoc`).

    Returns
    -------
    Summary
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    summary = Summary(importer)
    seen: dict[str, int] = {}
    start = time.perf_counter()
    scratch = workdir / "input"
    scratch.mkdir(parents=True, exist_ok=True)

    def one(item: FuzzInput, timeout: float) -> None:
        if heartbeat is not None:
            heartbeat.write_text(json.dumps({"at": time.time(), "name": item.name,
                                             "timeout": timeout}))
            if len(item.data) < 1 << 20:
                (workdir / "current.bin").write_bytes(item.data)
        summary.tried += 1
        try:
            outcome = run_input(importer, item, scratch, timeout)
        except Crash as crash:
            summary.crashes.append(_save_crash(crash_dir, importer, item, crash, seen))
        else:
            if outcome == "imported":
                summary.imported += 1
            else:
                summary.rejected += 1
        if status is not None and summary.tried % 250 == 0:
            summary.seconds = time.perf_counter() - start
            status.write_text(json.dumps(asdict(summary)))

    if edge:
        for case in edge_cases(importer, include_huge=huge):
            t0 = time.perf_counter()
            crashes_before = len(summary.crashes)
            one(case.build(importer), EDGE_TIMEOUT)
            summary.edge_cases.append({
                "name": case.name, "seconds": round(time.perf_counter() - t0, 2),
                "ok": len(summary.crashes) == crashes_before,
            })

    generated_start = time.perf_counter()
    n_edge = summary.tried

    @hypothesis_seed(seed)
    @settings(
        max_examples=max(-(-n // mutants), 1),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )
    @given(strategy(importer), st.randoms(use_true_random=False))
    def generated(item: FuzzInput, rng: random.Random) -> None:
        for variant in range(mutants):
            if summary.tried - n_edge >= n:
                raise _StopFuzzing
            if seconds and time.perf_counter() - generated_start > seconds:
                raise _StopFuzzing
            one(item if variant == 0 else havoc(item, rng), input_timeout)

    if n > 0:
        with contextlib.suppress(_StopFuzzing):
            generated()
    summary.seconds = time.perf_counter() - start
    if status is not None:
        status.write_text(json.dumps(asdict(summary)))
    return summary


# --------------------------------------------------------------------------- processes

def _child(args: argparse.Namespace) -> int:
    limit = args.memory_mb * (1 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    workdir = Path(args.workdir)
    fuzz_importer(
        args.child, args.per_importer, seconds=args.seconds, seed=args.seed, workdir=workdir,
        crash_dir=Path(args.crash_dir), edge=args.edge, huge=args.huge,
        heartbeat=workdir / "heartbeat.json", status=workdir / "status.json",
        input_timeout=args.input_timeout, mutants=args.mutants,
    )
    return 0


def _supervise(importer: str, args: argparse.Namespace, crash_dir: Path) -> Summary:
    """Run one importer in child processes, restarting after a fatal crash or a hang."""
    total = Summary(importer)
    remaining = args.per_importer
    seed = args.seed
    edge = args.edge
    start = time.perf_counter()
    while True:
        workdir = Path(tempfile.mkdtemp(prefix=f"microcred-fuzz-{importer}-"))
        budget = max(0.0, args.seconds - (time.perf_counter() - start)) if args.seconds else 0
        command = [
            sys.executable, str(Path(__file__).resolve()), "--child", importer,
            "--per-importer", str(remaining), "--seconds", str(budget), "--seed", str(seed),
            "--workdir", str(workdir), "--crash-dir", str(crash_dir),
            "--memory-mb", str(args.memory_mb), "--input-timeout", str(args.input_timeout),
            "--mutants", str(args.mutants),
        ] + ([] if edge else ["--no-edge"]) + ([] if args.huge else ["--no-huge"])
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        killed_for_hang = False
        heartbeat = workdir / "heartbeat.json"
        while process.poll() is None:
            time.sleep(0.5)
            try:
                beat = json.loads(heartbeat.read_text())
            except (OSError, ValueError):
                continue
            if time.time() - beat["at"] > 2 * float(beat["timeout"]) + 30:
                process.kill()
                process.wait()
                killed_for_hang = True
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        try:
            part = json.loads((workdir / "status.json").read_text())
        except (OSError, ValueError):
            part = asdict(Summary(importer))
        for key in ("tried", "imported", "rejected"):
            setattr(total, key, getattr(total, key) + part[key])
        total.crashes += part["crashes"]
        total.edge_cases += part["edge_cases"]
        finished = process.returncode == 0 and not killed_for_hang
        if not finished:
            try:
                beat = json.loads(heartbeat.read_text())
                name = str(beat["name"])
            except (OSError, ValueError):
                name = "unknown.bin"
            current = workdir / "current.bin"
            saved = None
            if current.exists():
                folder = crash_dir / importer
                folder.mkdir(parents=True, exist_ok=True)
                saved = folder / f"fatal-{total.restarts}{Path(name).suffix or '.bin'}"
                shutil.copyfile(current, saved)
            kind = "hang" if killed_for_hang else "exception"
            detail = (
                "the process stopped answering (hang inside a C extension?)"
                if killed_for_hang
                else f"the process died (exit code {process.returncode}): "
                + (stderr.strip().splitlines() or ["no message"])[-1][:300]
            )
            total.crashes.append({"importer": importer, "kind": kind, "detail": detail,
                                  "where": "child process", "input": str(saved)})
            total.tried += 1  # the input it died on was not yet counted as done
            total.restarts += 1
        shutil.rmtree(workdir, ignore_errors=True)
        remaining = args.per_importer - (total.tried - len(total.edge_cases))
        out_of_time = args.seconds and time.perf_counter() - start >= args.seconds
        if finished or remaining <= 0 or out_of_time or total.restarts > 5:
            break
        seed += 1  # do not draw the same inputs again
        edge = False
    total.seconds = time.perf_counter() - start
    return total


def _table(summaries: list[Summary]) -> str:
    lines = [
        f"{'importer':<14}{'inputs':>9}{'imported':>10}{'rejected':>10}{'crashes':>9}"
        f"{'hangs':>7}{'seconds':>9}{'inputs/s':>10}",
    ]
    for s in summaries:
        rate = s.tried / s.seconds if s.seconds else 0.0
        lines.append(
            f"{s.importer:<14}{s.tried:>9}{s.imported:>10}{s.rejected:>10}{s.n_crashes:>9}"
            f"{s.n_hangs:>7}{s.seconds:>9.1f}{rate:>10.0f}"
        )
    tried = sum(s.tried for s in summaries)
    seconds = sum(s.seconds for s in summaries)
    lines.append(
        f"{'total':<14}{tried:>9}{sum(s.imported for s in summaries):>10}"
        f"{sum(s.rejected for s in summaries):>10}{sum(s.n_crashes for s in summaries):>9}"
        f"{sum(s.n_hangs for s in summaries):>7}{seconds:>9.1f}"
        f"{(tried / seconds if seconds else 0):>10.0f}"
    )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Fuzz microcred's importers: inputs tried, crashes and time per importer."
    )
    parser.add_argument("--per-importer", type=int, default=DEFAULT_PER_IMPORTER,
                        help="generated inputs per importer (default 10000)")
    parser.add_argument("--seconds", type=float, default=0,
                        help="time budget per importer in seconds (default: none)")
    parser.add_argument("--importers", default=",".join(IMPORTERS),
                        help="comma-separated subset of: " + ", ".join(IMPORTERS))
    parser.add_argument("--seed", type=int, default=20240502, help="hypothesis seed")
    parser.add_argument("--no-edge", dest="edge", action="store_false",
                        help="skip the deterministic edge cases")
    parser.add_argument("--no-huge", dest="huge", action="store_false",
                        help="skip the edge cases of tens of megabytes")
    parser.add_argument("--jobs", type=int, default=1, help="importers fuzzed at once")
    parser.add_argument("--memory-mb", type=int, default=8000,
                        help="address-space limit of each fuzzing process")
    parser.add_argument("--input-timeout", type=float, default=INPUT_TIMEOUT,
                        help="seconds a generated input may run before it counts as a hang")
    parser.add_argument("--mutants", type=int, default=4,
                        help="inputs per hypothesis example: it and its havoc mutants")
    parser.add_argument("--crash-dir", default="out/fuzz/crashes",
                        help="where crashing inputs are saved")
    parser.add_argument("--json", help="also write the summary to this JSON file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when no input crashed or hung, 1 otherwise, 2 on a usage error.
    """
    args = _parser().parse_args(argv)
    if args.child:
        return _child(args)
    importers = [name.strip() for name in args.importers.split(",") if name.strip()]
    unknown = [name for name in importers if name not in IMPORTERS]
    if unknown:
        print(f"unknown importer(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    crash_dir = Path(args.crash_dir).absolute()
    started = time.perf_counter()
    print(f"fuzzing {len(importers)} importer(s), {args.per_importer} generated inputs each"
          + (f", at most {args.seconds:g} s each" if args.seconds else "")
          + (" plus edge cases" if args.edge else ""), flush=True)
    summaries: list[Summary] = []
    if args.jobs > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(args.jobs) as pool:
            summaries = list(pool.map(lambda i: _supervise(i, args, crash_dir), importers))
    else:
        for importer in importers:
            summaries.append(_supervise(importer, args, crash_dir))
            s = summaries[-1]
            print(f"  {importer}: {s.tried} inputs, {s.n_crashes} crashes, {s.n_hangs} hangs, "
                  f"{s.seconds:.1f} s", flush=True)
    print()
    print(_table(summaries))
    edge = [(s.importer, e) for s in summaries for e in s.edge_cases]
    if edge:
        slow = sorted(edge, key=lambda pair: -float(pair[1]["seconds"]))[:5]  # type: ignore[arg-type]
        print(f"\nedge cases: {len(edge)} run, {sum(1 for _, e in edge if not e['ok'])} failed; "
              "slowest: " + "; ".join(f"{e['name']} ({i}) {e['seconds']} s" for i, e in slow))
    crashes = [c for s in summaries for c in s.crashes]
    if crashes:
        print(f"\n{len(crashes)} crash(es); inputs saved under {crash_dir}:")
        groups: dict[str, list[dict[str, object]]] = {}
        for crash in crashes:
            groups.setdefault(f"{crash['importer']} {crash['kind']} {crash['detail']!s:.120} "
                              f"at {crash['where']}", []).append(crash)
        for key, group in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(group):>5} x {key}")
    print(f"\nwall time {time.perf_counter() - started:.1f} s; Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPU(s)")
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(
            {"importers": [asdict(s) for s in summaries],
             "wall_seconds": time.perf_counter() - started,
             "per_importer": args.per_importer, "seed": args.seed},
            indent=1, default=str,
        ))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
