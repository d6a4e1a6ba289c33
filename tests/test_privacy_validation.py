"""Validation issues in shared outputs: values scrubbed, ids pseudonymised (issue 5).

The reference values are the project's own pseudonym function (HMAC-SHA256, RFC 2104)
with the project key, and the scrubber's placeholders (:mod:`microcred.privacy.scrub`).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from microcred.ingest.validate import Issue, ValidationReport
from microcred.pipeline import run
from microcred.privacy import load_or_create_key, pseudonymise, share_validation

EMAIL = "ana.pons@example.org"
PHONE = "+34 612 345 678"
ODD = f"write to {EMAIL} or call {PHONE}"

STUDY = """\
study: {id: leak, title: Leak study}
sources:
  - {id: s1, path: responses.csv, format: auto}
respondent_id: {column: id}
items:
  - id: motivation
    type: single_choice
    column: Why did you enrol?
    options:
      - {id: personal_interest, labels: Personal interest}
      - {id: career, labels: Career}
"""


def _write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["id,Why did you enrol?"]
    rows += [f"r{i},{'Career' if i % 2 else 'Personal interest'}" for i in range(12)]
    rows += [f'r12,"{ODD}"', f"{EMAIL},Career", f"{EMAIL},Personal interest"]
    (folder / "responses.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "study.yaml").write_text(STUDY, encoding="utf-8")
    return folder / "study.yaml"


def test_share_validation_scrubs_values_pseudonymises_ids_and_relativises_files(tmp_path):
    key = b"k" * 32
    report = ValidationReport([
        Issue("error", "unknown_label", "no option", file=str(tmp_path / "data" / "a.csv"),
              column="Q1", item_id="q1", value=ODD, rows=[5], count=1),
        Issue("error", "duplicate_id", "duplicate", file="/elsewhere/b.csv", column="id",
              value=EMAIL, rows=[7, 9], count=2),
        Issue("warning", "missing_id", "empty id", rows=[3]),
    ])  # fmt: skip
    shared, counts, n_texts = share_validation(report, key=key, folder=tmp_path)
    first, second, third = shared.issues
    assert first.value == "write to [email] or call [phone]"
    assert (first.rows, first.column, first.file) == ([5], "Q1", "data/a.csv")
    assert second.value == pseudonymise(pd.Series([EMAIL]), key).iloc[0]
    assert second.file == "b.csv" and second.rows == [7, 9] and second.count == 2
    assert third.value is None and third.rows == [3]
    assert n_texts == 1
    assert dict(zip(counts["kind"], counts["n"], strict=True))["email"] == 1
    assert report.issues[0].value == ODD  # the analyst's copy is unchanged


def test_shared_outputs_never_echo_the_raw_values(tmp_path):
    study = _write(tmp_path / "study")
    out = tmp_path / "out"
    outcome = run(study, out)
    kinds = {i.kind for i in outcome.validation.issues}
    assert {"unknown_label", "duplicate_id"} <= kinds  # the fixture triggers both
    key = load_or_create_key(f"sqlite:///{out / 'microcred.db'}", "leak")
    pseudonym = pseudonymise(pd.Series([EMAIL]), key).iloc[0]

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    values = {v["kind"]: v for v in data["validation"]}
    assert values["unknown_label"]["value"] == "write to [email] or call [phone]"
    assert values["unknown_label"]["rows"] == [14]
    assert values["duplicate_id"]["value"] == pseudonym
    for issue in data["validation"]:
        assert not Path(str(issue.get("file") or "x")).is_absolute(), issue["file"]

    texts = {
        "results.json": (out / "results.json").read_text(encoding="utf-8"),
        "report.html": (out / "report.html").read_text(encoding="utf-8"),
    }
    with zipfile.ZipFile(out / "report.docx") as docx:
        texts["report.docx"] = docx.read("word/document.xml").decode("utf-8")
    book = load_workbook(out / "tables.xlsx", read_only=True)
    texts["tables.xlsx"] = " ".join(
        str(c) for row in book["Validation"].iter_rows(values_only=True) for c in row
    )
    for name, text in texts.items():
        assert EMAIL not in text and "612 345 678" not in text, name
        assert str(tmp_path) not in text, name
    assert pseudonym in texts["report.html"] and pseudonym in texts["tables.xlsx"]

    # the privacy section counts the echoed answers it scrubbed (issue 5, point 3)
    privacy = data["extra"]["privacy"]
    assert privacy["texts_by_source"]["validation"] >= 1
    assert privacy["scrubbed"]["email"] >= 1 and privacy["scrubbed"]["phone"] >= 1
    assert not any("none was found" in s for s in privacy["sentences"])
