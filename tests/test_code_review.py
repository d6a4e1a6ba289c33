"""``microcred code review``: export the review queue, apply human decisions, re-run safely."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from microcred.cli import app
from microcred.qual.autocode import codings_frame
from microcred.qual.codings import (
    REVIEW_SHEET_COLUMNS,
    coding_frame,
    proposal_thresholds,
    review,
    review_many,
)

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

CODEBOOK = """\
id: demo
name: Demo codebook
codes:
  - id: community
    name: {en: Community}
    definition: Help from other people, the community.
    examples: [The community helps me, friendly people help]
  - id: speed
    name: {en: Speed}
    definition: Fast, quick, speed of running code.
    examples: [It runs fast, quick results]
"""

TEXTS = [
    "The community is friendly and helps", "Great community of people",
    "people in the community help", "community help forums", "helpful community",
    "friendly community", "It is fast", "very fast and quick", "=1+2 quick to run and fast",
    "speed is great and fast", "fast results", "runs quick",
]


def write_study(folder: Path, coding: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "answers.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "What do you like?"])
        writer.writerows([f"r{i}", text] for i, text in enumerate(TEXTS))
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    text = (
        "study: {id: demo, title: Demo}\n"
        "sources: [{id: s, path: answers.csv}]\n"
        "respondent_id: {column: id}\n"
        "items:\n  - {id: like, type: open_text, column: What do you like?}\n"
        "privacy: {k: 3}\n"
    )
    if coding:
        text += "coding:\n  codebook: codebook.yaml\n  items: {like: []}\n  embedder: tfidf\n"
    (folder / "study.yaml").write_text(text, encoding="utf-8")
    return folder / "study.yaml"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One run of the study (machine proposals only), copied afresh for each test."""
    base = tmp_path_factory.mktemp("run")
    study = write_study(base / "study")
    result = runner.invoke(app, ["run", str(study), "--out", str(base / "out"), "-q"])
    assert result.exit_code == 0, result.output
    return base


@pytest.fixture()
def project(first_run, tmp_path):
    shutil.copytree(first_run / "study", tmp_path / "study")
    shutil.copytree(first_run / "out", tmp_path / "out")
    return tmp_path / "study" / "study.yaml", tmp_path / "out"


def stored(out: Path) -> pd.DataFrame:
    with sqlite3.connect(out / "microcred.db") as con:
        return pd.read_sql("select * from codings order by unit_id, code_id, coder", con)


def review_cli(study: Path, out: Path, *args: str):
    return runner.invoke(app, ["code", "review", str(study), "--out", str(out), *args])


def read_sheet(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def with_decisions(sheet: pd.DataFrame, decisions: dict[int, str], path: Path) -> Path:
    sheet = sheet.copy()
    for position, decision in decisions.items():
        sheet.loc[position, "decision"] = decision
    sheet.to_csv(path, index=False)
    return path


# ------------------------------------------------------------------------------- export


def test_export_lists_proposals_least_confident_first(project, tmp_path):
    study, out = project
    result = review_cli(study, out, "--export", str(tmp_path / "queue.csv"))
    assert result.exit_code == 0, result.output
    sheet = read_sheet(tmp_path / "queue.csv")
    assert tuple(sheet.columns) == REVIEW_SHEET_COLUMNS
    assert (sheet["decision"] == "").all()
    db = stored(out)
    machine = db[db["origin"] == "machine"]
    assert len(sheet) == len(machine) == len(TEXTS) * 2  # every unit x code is proposed
    # Reference ordering (uncertainty sampling, Lewis & Gale 1994): distance of the
    # probability to the code's threshold, which lies between the highest probability
    # called absent and the lowest called present; ties by unit then code.
    reference = []
    for code, rows in machine.groupby("code_id"):
        threshold = (rows.loc[rows["present"] == 1, "confidence"].min()
                     + rows.loc[rows["present"] == 0, "confidence"].max()) / 2
        for row in rows.itertuples():
            reference.append((abs(row.confidence - threshold), row.unit_id, code))
    assert list(zip(sheet["unit_id"], sheet["code_id"], strict=True)) == [
        (u, c) for _, u, c in sorted(reference)
    ]
    assert sheet["rank"].tolist() == [str(i) for i in range(1, len(sheet) + 1)]
    by_unit = dict(zip(machine["unit_id"] + machine["code_id"], machine["present"], strict=True))
    for row in sheet.itertuples():
        applies = by_unit[row.unit_id + row.code_id] == 1
        assert row.proposal == ("applies" if applies else "does not apply")
    # The respondent's text is there for the reviewer, with formulas neutralised (OWASP).
    texts = dict(zip(sheet["unit_id"], sheet["text"], strict=False))
    assert texts["like:r8"] == "'=1+2 quick to run and fast"
    assert texts["like:r0"] == TEXTS[0]
    assert set(sheet["code"]) == {"Community", "Speed"}
    # --limit keeps the least confident ones.
    limited = review_cli(study, out, "--export", str(tmp_path / "five.csv"), "--limit", "5")
    assert limited.exit_code == 0 and "5 machine coding(s)" in limited.output
    pd.testing.assert_frame_equal(read_sheet(tmp_path / "five.csv"), sheet.head(5))
    # The texts are personal data: never printed.
    assert "community" not in (result.output + limited.output).lower()


def test_export_needs_csv_or_xlsx(project, tmp_path):
    study, out = project
    result = review_cli(study, out, "--export", str(tmp_path / "queue.json"))
    assert result.exit_code == 2 and ".csv or .xlsx" in result.output


def test_proposal_thresholds_recover_the_coder_threshold():
    rng = np.random.default_rng(3)
    proba = rng.uniform(size=(200, 2))
    frame = codings_frame([f"u{i}" for i in range(200)], ["a", "b"], proba,
                          {"a": 0.3, "b": 0.7}, "auto", "m", "1")
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(200)], "document": "d"})
    got = proposal_thresholds(units, coding_frame(frame.drop(columns="threshold")))
    for code, true in (("a", 0.3), ("b", 0.7)):
        p = proba[:, 0 if code == "a" else 1]
        low, high = p[p < true].max(), p[p >= true].min()  # the gap holding the threshold
        values = got[frame["code_id"] == code].unique()
        assert len(values) == 1 and values[0] == pytest.approx((low + high) / 2)
        assert low < values[0] <= high


# -------------------------------------------------------------------------------- apply


def test_apply_confirms_and_rejects_and_is_idempotent(project, tmp_path):
    study, out = project
    assert review_cli(study, out, "--export", str(tmp_path / "q.csv")).exit_code == 0
    sheet = read_sheet(tmp_path / "q.csv")
    words = {0: "confirm", 1: "Reject", 2: "yes", 3: "no", 4: "1", 5: "0"}
    decisions = with_decisions(sheet, words, tmp_path / "decided.csv")
    result = review_cli(study, out, "--apply", str(decisions), "--coder", "ana")
    assert result.exit_code == 0, result.output
    assert "6 decision(s) by ana: 3 confirmed, 3 rejected (0 already recorded)" in result.output
    db = stored(out).set_index(["unit_id", "code_id", "coder"])
    for position, word in words.items():
        unit, code = sheet.loc[position, "unit_id"], sheet.loc[position, "code_id"]
        machine = db.loc[(unit, code)].query("origin == 'machine'").iloc[0]
        confirm = word.lower() in ("confirm", "yes", "1")
        assert machine["status"] == ("confirmed" if confirm else "rejected")
        human = db.loc[(unit, code, "ana")]
        assert human["origin"] == "human" and human["status"] == "human"
        assert human["present"] == (machine["present"] if confirm else 1 - machine["present"])
    untouched = sheet.loc[6:, ["unit_id", "code_id"]]
    for unit, code in untouched.itertuples(index=False):
        assert db.loc[(unit, code)].query("origin == 'machine'")["status"].iloc[0] == "proposed"
    # Applying the same file again changes nothing, not even the decisions' times.
    before = stored(out)
    again = review_cli(study, out, "--apply", str(decisions), "--coder", "ana")
    assert again.exit_code == 0 and "(6 already recorded)" in again.output
    pd.testing.assert_frame_equal(stored(out), before)
    # The decided codings have left the queue.
    assert review_cli(study, out, "--export", str(tmp_path / "q2.csv")).exit_code == 0
    left = read_sheet(tmp_path / "q2.csv")
    assert len(left) == len(sheet) - 6
    assert set(zip(left["unit_id"], left["code_id"], strict=True)) == set(
        zip(sheet["unit_id"][6:], sheet["code_id"][6:], strict=True)
    )


def test_apply_reads_xlsx_and_keeps_formulas_as_text(project, tmp_path):
    from openpyxl import load_workbook

    study, out = project
    path = tmp_path / "queue.xlsx"
    assert review_cli(study, out, "--export", str(path)).exit_code == 0
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert tuple(header) == REVIEW_SHEET_COLUMNS
    text_col = header.index("text") + 1
    formula = [r[text_col - 1] for r in sheet.iter_rows(min_row=2)
               if str(r[text_col - 1].value).startswith("'=")]
    assert len(formula) == 2 and all(c.data_type == "s" for c in formula)  # 2 codes
    decision_col = header.index("decision") + 1
    sheet.cell(row=2, column=decision_col, value="confirm")
    sheet.cell(row=3, column=decision_col, value=0)
    first = (sheet.cell(row=2, column=2).value, sheet.cell(row=2, column=4).value)
    book.save(path)
    result = review_cli(study, out, "--apply", str(path), "--coder", "ana")
    assert result.exit_code == 0, result.output
    assert "2 decision(s) by ana: 1 confirmed, 1 rejected" in result.output
    db = stored(out)
    human = db[db["coder"] == "ana"]
    assert len(human) == 2 and first in set(zip(human["unit_id"], human["code_id"], strict=True))


@pytest.mark.parametrize(
    ("position", "column", "value", "message"),
    [
        (2, "decision", "maybe", "row 4, column 'decision'"),
        (0, "unit_id", "like:r99", "row 2, column 'unit_id': unknown unit 'like:r99'"),
        (1, "code_id", "price", "row 3, column 'code_id': unit"),
    ],
)
def test_bad_decisions_name_file_row_and_column_and_apply_nothing(
    project, tmp_path, position, column, value, message
):
    study, out = project
    assert review_cli(study, out, "--export", str(tmp_path / "q.csv")).exit_code == 0
    sheet = read_sheet(tmp_path / "q.csv")
    sheet["decision"] = "confirm"
    sheet.loc[position, column] = value
    path = tmp_path / "bad.csv"
    sheet.to_csv(path, index=False)
    before = stored(out)
    result = review_cli(study, out, "--apply", str(path), "--coder", "ana")
    assert result.exit_code == 2
    assert str(path) in result.output and message in result.output
    pd.testing.assert_frame_equal(stored(out), before)  # all or nothing


def test_apply_refuses_a_machine_name_and_a_file_without_decisions(project, tmp_path):
    study, out = project
    assert review_cli(study, out, "--export", str(tmp_path / "q.csv")).exit_code == 0
    sheet = read_sheet(tmp_path / "q.csv")
    path = with_decisions(sheet, {0: "confirm"}, tmp_path / "d.csv")
    machine_name = stored(out)["coder"].iloc[0]
    result = review_cli(study, out, "--apply", str(path), "--coder", machine_name)
    assert result.exit_code == 2 and "machine coder" in result.output
    sheet.drop(columns="decision").to_csv(tmp_path / "nodecision.csv", index=False)
    result = review_cli(study, out, "--apply", str(tmp_path / "nodecision.csv"), "--coder", "a")
    assert result.exit_code == 2 and "no decision column 'decision'" in result.output


def test_usage_errors_exit_2(project, tmp_path):
    study, out = project
    neither = review_cli(study, out)
    both = review_cli(study, out, "--export", str(tmp_path / "a.csv"), "--apply", "b.csv")
    no_coder = review_cli(study, out, "--apply", str(tmp_path / "b.csv"))
    for result in (neither, both, no_coder):
        assert result.exit_code == 2
    assert "--coder" in no_coder.output


def test_review_needs_a_run_first(tmp_path):
    study = write_study(tmp_path / "study")
    empty = tmp_path / "never-run"
    result = review_cli(study, empty, "--export", str(tmp_path / "q.csv"))
    assert result.exit_code == 2 and "run `microcred run" in result.output
    assert not empty.exists() and not (tmp_path / "q.csv").exists()
    # A database without this study's codings says the same.
    from microcred.store import Project

    url = Project.default_url(tmp_path / "other")
    Project(url).close()
    result = review_cli(study, tmp_path / "other", "--apply", "x.csv", "--coder", "ana")
    assert result.exit_code == 2 and "no codings of study 'demo'" in result.output
    # A study without a coding section has nothing to review.
    plain = write_study(tmp_path / "plain", coding=False)
    result = review_cli(plain, tmp_path / "other", "--export", str(tmp_path / "q.csv"))
    assert result.exit_code == 2 and "no coding section" in result.output


# ----------------------------------------------------------------------- across re-runs


def test_rejected_stays_rejected_after_the_pipeline_runs_again(project, tmp_path):
    study, out = project
    results = json.loads((out / "results.json").read_text())
    n_before = {t["code_id"]: t["n"] for t in results["extra"]["qual"]["themes"]}
    assert review_cli(study, out, "--export", str(tmp_path / "q.csv")).exit_code == 0
    sheet = read_sheet(tmp_path / "q.csv")
    applies = sheet.index[(sheet["proposal"] == "applies") & (sheet["code_id"] == "speed")]
    rejected, confirmed = applies[0], applies[1]
    path = with_decisions(sheet, {rejected: "reject", confirmed: "confirm"}, tmp_path / "d.csv")
    assert review_cli(study, out, "--apply", str(path), "--coder", "ana").exit_code == 0
    decided = stored(out)
    for _ in range(2):  # the machine proposes again, twice
        again = runner.invoke(app, ["run", str(study), "--out", str(out), "-q"])
        assert again.exit_code == 0, again.output
    after = stored(out)
    key = ["unit_id", "code_id", "coder"]
    reviewed = decided[decided["status"].isin(["confirmed", "rejected", "human"])]
    pd.testing.assert_frame_equal(
        after.merge(reviewed[key], on=key).reset_index(drop=True),
        reviewed.reset_index(drop=True),
    )
    unit = sheet.loc[rejected, "unit_id"]
    machine = after[(after["unit_id"] == unit) & (after["code_id"] == "speed")
                    & (after["origin"] == "machine")]
    assert machine["status"].tolist() == ["rejected"]
    # Not proposed again: the queue no longer holds it.
    assert review_cli(study, out, "--export", str(tmp_path / "q2.csv")).exit_code == 0
    left = read_sheet(tmp_path / "q2.csv")
    assert not ((left["unit_id"] == unit) & (left["code_id"] == "speed")).any()
    # The themes follow the human decision: one respondent fewer with "speed".
    results = json.loads((out / "results.json").read_text())
    n_after = {t["code_id"]: t["n"] for t in results["extra"]["qual"]["themes"]}
    # (results.json shows counts below k = 3 as "<3": the exact count is not published)
    fewer = n_before["speed"] - 1
    assert n_after == {**n_before, "speed": fewer if fewer >= 3 else "<3"}


def test_save_codings_replaces_unreviewed_proposals_of_an_earlier_model(tmp_path):
    from microcred.store.codings import load_codings, save_codings

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    units = pd.DataFrame({"unit_id": ["u1", "u2"], "document": ["d", "d"]})

    def machine(coder, unit, status="proposed"):
        return {"unit_id": unit, "code_id": "c", "coder": coder, "origin": "machine",
                "present": 1, "confidence": 0.6, "status": status}

    save_codings(url, "s", units, coding_frame([machine("zero", "u1"),
                                                machine("zero", "u2", "rejected")]))
    save_codings(url, "s", units, coding_frame([machine("logreg", "u1"),
                                                machine("logreg", "u2")]))
    _, now = load_codings(url, "s")
    got = set(zip(now["coder"], now["unit_id"], now["status"], strict=True))
    # The unreviewed proposal of the earlier model is gone; the reviewed one stays.
    assert got == {("logreg", "u1", "proposed"), ("logreg", "u2", "proposed"),
                   ("zero", "u2", "rejected")}


def test_review_many_equals_reviews_one_at_a_time():
    rng = np.random.default_rng(0)
    proba = rng.uniform(size=(6, 2))
    base = coding_frame(codings_frame([f"u{i}" for i in range(6)], ["a", "b"], proba,
                                      {"a": 0.5, "b": 0.5}, "auto", "m", "1")
                        .drop(columns="threshold"))
    decisions = pd.DataFrame({
        "unit_id": ["u0", "u1", "u2", "u3", "u0"],
        "code_id": ["a", "a", "b", "b", "b"],
        "decision": pd.Series(["confirm", "reject", 1, "absent", "reject"], dtype=object),
    })
    stamp = "2026-01-01T00:00:00+00:00"
    one_by_one = base
    for row in decisions.itertuples(index=False):
        one_by_one = review(one_by_one, row.unit_id, row.code_id, row.decision, "H", stamp)
    at_once = review_many(base, decisions, "H", stamp)
    key = ["unit_id", "code_id", "coder"]
    pd.testing.assert_frame_equal(
        at_once.sort_values(key).reset_index(drop=True),
        one_by_one.sort_values(key).reset_index(drop=True),
    )


# ------------------------------------------------------------------------- documentation


def _commands(group, prefix: str = "microcred") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group of subcommands
            names += _commands(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


def test_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _commands(typer.main.get_command(app))
    assert "microcred code review" in commands
    for command in commands:
        assert f"`{command} " in readme, f"README does not document `{command}`"
