"""Problems a new user found in the command line: folds, missing coder columns,
doubled error prefixes, unechoed review decisions, warnings on stderr, slow help."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from typer.testing import CliRunner

from microcred.cli import app
from microcred.errors import InputError
from microcred.qual.autocode import SupervisedCoder
from microcred.qual.codings import read_presence_matrix, read_review_decisions
from microcred.qual.embed import TfidfEmbedder
from microcred.qual.evaluate import evaluate, fold_count

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
PATTERN = r"annotator_(?P<coder>H[12])_(?P<code>[a-z_]+)"


def sight_like(folder: Path, n: int = 24, drop: str | None = None) -> Path:
    """A SIGHT-layout matrix: code "career" in half the units, "cost" in 3 of them."""
    rows = []
    for i in range(n):
        career, cost = i % 2, int(i < 3)
        words = ["job salary" if career else "hobby fun", "price fee" if cost else "free"]
        rows.append({"comment_id": f"c{i}", "comment": " ".join(words) + f" {i}",
                     **{f"annotator_{c}_{code}": v for c in ("H1", "H2")
                        for code, v in (("career", career), ("cost", cost))}})
    frame = pd.DataFrame(rows)
    if drop:
        frame = frame.drop(columns=drop)
    path = folder / "coded.csv"
    frame.to_csv(path, index=False)
    return path


def evaluate_cli(path: Path, out: Path, *args: str):
    return runner.invoke(app, ["code", "evaluate", str(path), "--embedder", "tfidf",
                               "--out", str(out), "-q", *args])


# ------------------------------------------------------------------------- code evaluate


@pytest.mark.parametrize("folds", ["0", "1", "-3"])
def test_fewer_than_two_folds_is_refused(tmp_path, folds):
    result = evaluate_cli(sight_like(tmp_path), tmp_path / "out", "--folds", folds)
    assert result.exit_code == 2
    assert "--folds" in result.output and "2" in result.output
    assert not (tmp_path / "out").exists()


def test_more_folds_than_units_is_an_input_error_naming_the_file(tmp_path):
    path = sight_like(tmp_path)
    result = evaluate_cli(path, tmp_path / "out", "--folds", "100")
    assert result.exit_code == 2
    assert str(path) in result.output and "--folds 100" in result.output
    assert "24 units" in result.output
    assert not (tmp_path / "out").exists()


def test_codes_with_few_units_in_a_class_get_fewer_folds_and_say_so(tmp_path):
    out = tmp_path / "out"
    result = evaluate_cli(sight_like(tmp_path), out, "--folds", "5")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "evaluation.csv").set_index("code")
    # career: 12 of 24 units, 5 folds possible; cost: 3 positives, so 3 folds
    # (StratifiedKFold needs a unit of each class in every fold)
    assert table.loc["career", "folds"] == 5
    assert table.loc["cost", "folds"] == 3
    assert "fewer folds" in result.output and "cost: 3" in result.output
    assert "career: " not in result.output.split("fewer folds", 1)[1]


def test_fold_count_follows_stratified_k_fold():
    from sklearn.model_selection import StratifiedKFold

    y = np.array([1] * 3 + [0] * 21)
    k = fold_count(y, 10)
    assert k == 3
    # the reference: StratifiedKFold splits with k folds and every test fold has a positive
    assert all(y[test].sum() >= 1 for _, test in StratifiedKFold(k).split(np.zeros(24), y))
    assert fold_count(np.array([1, 0, 0, 0]), 5) == 0  # one positive: no split
    assert fold_count(np.array([1, 1, 0, 0]), 1) == 2


def test_evaluate_refuses_fewer_than_two_folds_and_more_than_units():
    units = pd.DataFrame({"unit_id": ["a", "b", "c", "d"], "text": ["x y"] * 4})
    codings = pd.DataFrame({"unit_id": list("abcd"), "code_id": "k", "coder": "H1",
                            "present": [1, 1, 0, 0]})
    with pytest.raises(ValueError, match="at least 2"):
        evaluate(units, codings, TfidfEmbedder(), ["k"], coders=["H1"], folds=1)
    with pytest.raises(ValueError, match="cannot exceed"):
        evaluate(units, codings, TfidfEmbedder(), ["k"], coders=["H1"], folds=5)


def test_a_renamed_coder_column_is_an_input_error_naming_it(tmp_path):
    path = sight_like(tmp_path, drop="annotator_H1_cost")
    result = evaluate_cli(path, tmp_path / "out")
    assert result.exit_code == 2
    assert str(path) in result.output and "'annotator_H1_cost'" in result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="annotator_H1_cost") as error:
        read_presence_matrix(path, unit_column="comment_id", text_column="comment",
                             column_pattern=PATTERN, coders=["H1", "H2"])
    assert error.value.row == 1
    # without coders= the layout is read as it is (one coder may code only some codes)
    _, codings = read_presence_matrix(path, unit_column="comment_id", column_pattern=PATTERN)
    assert set(codings.loc[codings["code_id"] == "cost", "coder"]) == {"H2"}


def test_every_missing_coder_column_is_listed(tmp_path):
    frame = pd.DataFrame({"id": ["u1", "u2"], "career:H1": [1, 0], "cost:H1": [0, 1]})
    frame.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(InputError) as error:
        read_presence_matrix(tmp_path / "m.csv", unit_column="id", coders=["H1", "H2"])
    assert "'career:H2'" in str(error.value) and "'cost:H2'" in str(error.value)


# ------------------------------------------------------------------------------ messages

STUDY = """\
study: {id: demo, title: Demo}
sources: [{id: s, path: answers.csv}]
respondent_id: {column: id}
items:
  - id: motivation
    type: single_choice
    column: Why?
    options:
      - {id: career, labels: Career}
      - {id: interest, labels: Interest}
"""


def test_strict_run_does_not_double_the_error_prefix(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "study.yaml").write_text(STUDY, encoding="utf-8")
    (folder / "answers.csv").write_text("id,Why?\nr1,Career\nr2,Because\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(folder / "study.yaml"), "--out",
                                 str(tmp_path / "out"), "--strict", "-q"])
    assert result.exit_code == 2
    assert "error: error:" not in result.output
    assert "error: " in result.output and "row 3" in result.output
    assert "stopped (--strict): validation found 1 error(s)" in result.output


def review_inputs(tmp_path: Path, word: str) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    units = pd.DataFrame({"unit_id": ["u1", "u2"]})
    codings = pd.DataFrame({"unit_id": ["u1", "u2"], "code_id": ["career", "career"],
                            "origin": ["machine", "machine"]})
    path = tmp_path / "decisions.csv"
    pd.DataFrame({"unit_id": ["u1", "u2"], "code_id": ["career", "career"],
                  "decision": ["yes", word]}).to_csv(path, index=False)
    return path, units, codings


def test_a_bad_review_decision_is_echoed_cut_to_40_characters(tmp_path):
    word = "only if the answer mentions a salary rise or a new job"
    path, units, codings = review_inputs(tmp_path, word)
    with pytest.raises(InputError) as error:
        read_review_decisions(path, units, codings)
    message = str(error.value)
    assert "not a decision" in message and "row 3" in message
    assert f"[value: {word[:39] + '…'!r}]" in message
    path, units, codings = review_inputs(tmp_path, "maybe")
    with pytest.raises(InputError, match=r"\[value: 'maybe'\]"):
        read_review_decisions(path, units, codings)


def test_convergence_warnings_of_the_coder_become_notes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 8))
    y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # escaping would fail the test
        starved = SupervisedCoder(embedder=None, max_iter=1).fit_matrix(X, {"career": y})
        default = SupervisedCoder(embedder=None).fit_matrix(X, {"career": y})
    assert len(starved.notes) == 1 and "'career'" in starved.notes[0]
    assert "did not converge in 1 iterations" in starved.notes[0]
    assert default.notes == []


# --------------------------------------------------------------------------------- help

HEAVY = ("pandas", "numpy", "sqlalchemy", "pydantic", "scipy", "sklearn", "rich",
         "microcred.study", "microcred.pipeline")


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["code", "evaluate", "--help"],
                                  ["code", "--help"]])
def test_help_imports_nothing_heavy(args):
    script = (
        "import sys\n"
        "from microcred.cli import app\n"
        f"try:\n    app({args!r}, prog_name='microcred')\nexcept SystemExit:\n    pass\n"
        f"heavy = {HEAVY!r}\n"
        "import json\n"
        "print(json.dumps(sorted({m for m in sys.modules for h in heavy\n"
        "                         if m == h or m.startswith(h + '.')})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    *help_text, loaded = done.stdout.strip().splitlines()
    assert "Usage: microcred" in "\n".join(help_text)
    assert json.loads(loaded) == []
