"""Run every example study whose data exists and print where its report is.

Used by ``make report``; ``python examples/run_examples.py --out out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from microcred import pipeline, study
from microcred.errors import MicrocredError


def main() -> int:
    """Run each ``examples/*/study.yaml`` into ``OUT/<example>/``; exit 2 on a failure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args()
    failed = 0
    for study_file in sorted(Path(__file__).parent.glob("*/study.yaml")):
        name = study_file.parent.name
        instrument = study.load(study_file)
        missing = [s.path for s in instrument.sources if not instrument.source_path(s).exists()]
        if missing:
            print(f"{name}: skipped, data not found ({', '.join(missing)})")
            continue
        try:
            outcome = pipeline.run(study_file, args.out / name)
        except MicrocredError as error:
            print(f"{name}: FAILED\n{error}", file=sys.stderr)
            failed += 1
            continue
        errors = len(outcome.validation.errors)
        print(f"{name}: {(args.out / name / 'report.html').resolve()}  "
              f"(validation: {errors} error(s), {len(outcome.validation.warnings)} warning(s))")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
