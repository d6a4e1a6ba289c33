"""Importing human codings, merging codings and reviewing machine proposals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.errors import InputError
from microcred.qual.codebook import Codebook
from microcred.qual.codings import (
    SIGHT_CODES,
    coding_frame,
    merge_codings,
    read_coder_files,
    read_presence_matrix,
    read_sight,
    review,
)
from microcred.qual.units import CODING_COLUMNS, UNIT_COLUMNS

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CASE_10 = SHARED / "cases" / "10-agreement-single-category" / "coding_career_theme.csv"
SIGHT = SHARED / "data" / "sight-ocw-comments-coded" / "sample_dataset_human_coded.csv"


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


CODEBOOK = Codebook.model_validate({
    "id": "motives", "name": "Motives",
    "codes": [
        {"id": "motivation", "name": "Motivation", "codable": False, "children": [
            {"id": "career", "name": "Career"}, {"id": "price", "name": "Price"},
        ]},
    ],
})


# --------------------------------------------------------------------------------- SIGHT


@pytest.mark.skipif(not SIGHT.exists(), reason="SIGHT sample not available")
def test_read_sight_h1_h2_ten_codes():
    units, codings = read_sight(SIGHT)
    raw = pd.read_csv(SIGHT)  # independent reading of the same file
    assert list(units.columns[: len(UNIT_COLUMNS)]) == list(UNIT_COLUMNS)
    assert len(units) == 289 and units["unit_id"].is_unique
    assert units["text"].notna().all() and "datasplit" in units
    assert tuple(codings.columns) == CODING_COLUMNS
    assert set(codings["coder"]) == {"H1", "H2"}
    assert set(codings["code_id"]) == set(SIGHT_CODES) and len(SIGHT_CODES) == 10
    assert (codings["origin"] == "human").all() and (codings["status"] == "human").all()
    # One row per non-blank cell: 289 comments x 10 codes x 2 coders minus 27 blanks.
    human_columns = [c for c in raw if c.startswith(("annotator_H1_", "annotator_H2_"))]
    assert len(codings) == raw[human_columns].notna().sum().sum() == 289 * 20 - 27
    for coder in ("H1", "H2"):
        for code in SIGHT_CODES:
            mine = codings[(codings["coder"] == coder) & (codings["code_id"] == code)]
            assert mine["present"].sum() == raw[f"annotator_{coder}_{code}"].sum(), (coder, code)
    # First comment: H1 and H2 both code gratitude; H2 also codes na, H1 does not.
    first = codings[codings["unit_id"] == "54.0"].set_index(["coder", "code_id"])["present"]
    assert first[("H1", "gratitude")] == 1 and first[("H2", "gratitude")] == 1
    assert first[("H2", "na")] == 1 and first[("H1", "na")] == 0


# ------------------------------------------------------------------------------- layouts


def test_one_column_per_coder_case10():
    units, codings = read_presence_matrix(
        CASE_10, unit_column="answer_id", text_column="answer_text", code="career",
        column_pattern=r"coder_(?P<coder>.+)",
    )
    assert len(units) == 12 and units["text"].notna().all()
    assert units["document"].iloc[0] == "coding_career_theme"
    assert len(codings) == 36 and set(codings["coder"]) == {"A", "B", "C"}
    assert (codings["present"] == 1).all() and set(codings["code_id"]) == {"career"}


def test_one_column_per_coder_without_pattern(tmp_path):
    path = write_csv(tmp_path / "career.csv", "id,Ana,Ben\nr1,1,0\nr2,,1\n")
    _, codings = read_presence_matrix(path, unit_column="id", code="career")
    assert sorted(zip(codings["unit_id"], codings["coder"], codings["present"],
                      strict=True)) == [("r1", "Ana", 1), ("r1", "Ben", 0), ("r2", "Ben", 1)]


def test_code_coder_columns_default(tmp_path):
    path = write_csv(tmp_path / "m.csv",
                     "unit,text,career:H1,career:H2,price:H1,price:H2\n"
                     "u1,first answer,1,1,0,\nu2,second answer,0,1,1,1.0\n")
    units, codings = read_presence_matrix(path, unit_column="unit", text_column="text",
                                          codebook=CODEBOOK)
    assert list(units["unit_id"]) == ["u1", "u2"]
    assert len(codings) == 7  # one blank cell: u1 price by H2 is missing, not 0
    got = codings.set_index(["unit_id", "code_id", "coder"])["present"]
    assert got[("u2", "price", "H2")] == 1 and ("u1", "price", "H2") not in got.index


def test_one_file_per_coder_csv_and_xlsx(tmp_path):
    h1 = write_csv(tmp_path / "h1.csv", "unit,career,price,notes\nu1,1,0,x\nu2,0,0,y\n")
    h2 = write_xlsx(tmp_path / "h2.xlsx", [["unit", "career", "price", "notes"],
                                          ["u1", 1, 1, "z"], ["u3", 0.0, None, None]])
    units, codings = read_coder_files({"H1": h1, "H2": h2}, unit_column="unit",
                                      ignore_columns=["notes"], codebook=CODEBOOK)
    assert sorted(units["unit_id"]) == ["u1", "u2", "u3"]
    got = codings.set_index(["unit_id", "code_id", "coder"])["present"]
    assert got[("u1", "price", "H2")] == 1 and got[("u3", "career", "H2")] == 0
    assert ("u3", "price", "H2") not in got.index and len(codings) == 7


# -------------------------------------------------------------------------------- errors


def test_bad_value_names_file_row_and_column(tmp_path):
    path = write_csv(tmp_path / "m.csv", "unit,text,career:H1\nu1,a,1\nu2,b,2\nu3,c,yes\n")
    with pytest.raises(InputError) as caught:
        read_presence_matrix(path, unit_column="unit", text_column="text")
    error = caught.value
    assert (error.file, error.row, error.column) == (str(path), 3, "career:H1")
    assert "1 more" in str(error) and "row 4" in str(error)


def test_error_never_quotes_cell_text(tmp_path):
    path = write_csv(tmp_path / "m.csv", "unit,career:H1\nu1,I hate my boss Maria\n")
    with pytest.raises(InputError) as caught:
        read_presence_matrix(path, unit_column="unit")
    assert "Maria" not in str(caught.value) and caught.value.row == 2


def test_unknown_code_with_codebook(tmp_path):
    path = write_csv(tmp_path / "m.csv", "unit,career:H1,salary:H1\nu1,1,0\n")
    with pytest.raises(InputError, match="unknown code 'salary'") as caught:
        read_presence_matrix(path, unit_column="unit", codebook=CODEBOOK)
    assert (caught.value.row, caught.value.column) == (1, "salary:H1")
    # A category (codable: false) is not a code either.
    path = write_csv(tmp_path / "n.csv", "unit,motivation:H1\nu1,1\n")
    with pytest.raises(InputError, match="unknown code 'motivation'"):
        read_presence_matrix(path, unit_column="unit", codebook=CODEBOOK)


def test_duplicate_and_blank_unit_ids(tmp_path):
    path = write_csv(tmp_path / "m.csv", "unit,career:H1\nu1,1\nu2,0\nu1,1\n")
    with pytest.raises(InputError, match="duplicate unit id 'u1' \\(first in row 2\\)") as caught:
        read_presence_matrix(path, unit_column="unit")
    assert (caught.value.row, caught.value.column) == (4, "unit")
    path = write_csv(tmp_path / "b.csv", "unit,career:H1\nu1,1\n,0\n")
    with pytest.raises(InputError, match="blank unit id") as caught:
        read_presence_matrix(path, unit_column="unit")
    assert caught.value.row == 3


def test_column_problems(tmp_path):
    path = write_csv(tmp_path / "m.csv", "unit,career:H1,career-H2\nu1,1,0\n")
    with pytest.raises(InputError, match="code:coder") as caught:
        read_presence_matrix(path, unit_column="unit")
    assert caught.value.column == "career-H2"
    with pytest.raises(InputError, match="no unit id column 'id'"):
        read_presence_matrix(path, unit_column="id")
    with pytest.raises(InputError, match="no column matches"):
        read_presence_matrix(path, unit_column="unit",
                             column_pattern=r"x_(?P<code>.+)_(?P<coder>.+)")


# --------------------------------------------------------------------- merge and review


def coding(unit, code, coder, origin, present, status=None, confidence=None):
    return {"unit_id": unit, "code_id": code, "coder": coder, "origin": origin,
            "present": present, "status": status or ("human" if origin == "human" else "proposed"),
            "confidence": confidence}


def test_machine_never_overwrites_human():
    existing = coding_frame([coding("u1", "career", "H1", "human", 0)])
    incoming = coding_frame([
        coding("u1", "career", "auto", "machine", 1, confidence=0.9),
        coding("u1", "career", "H1", "machine", 1, confidence=0.9),  # same coder name
        coding("u2", "career", "auto", "machine", 1, confidence=0.7),
    ])
    merged = merge_codings(existing, incoming).set_index(["unit_id", "code_id", "coder"])
    human = merged.loc[("u1", "career", "H1")]
    assert (human["origin"], human["present"], human["status"]) == ("human", 0, "human")
    machine = merged.loc[("u1", "career", "auto")]
    # Human wins: the proposal is decided against the human coding, keeping its values.
    assert (machine["status"], machine["present"], machine["confidence"]) == ("rejected", 1, 0.9)
    assert merged.loc[("u2", "career", "auto"), "status"] == "proposed"
    assert len(merged) == 3


def test_machine_rerun_replaces_only_unreviewed_proposals():
    existing = coding_frame([
        coding("u1", "career", "auto", "machine", 1, "proposed", 0.6),
        coding("u2", "career", "auto", "machine", 1, "confirmed", 0.6),
    ])
    incoming = coding_frame([
        coding("u1", "career", "auto", "machine", 0, "proposed", 0.2),
        coding("u2", "career", "auto", "machine", 0, "proposed", 0.2),
    ])
    merged = merge_codings(existing, incoming).set_index(["unit_id", "coder"])
    assert merged.loc[("u1", "auto"), "confidence"] == 0.2
    assert merged.loc[("u2", "auto"), "status"] == "confirmed"
    assert merged.loc[("u2", "auto"), "present"] == 1


def test_human_revises_own_coding_and_decides_proposals():
    existing = coding_frame([
        coding("u1", "career", "H1", "human", 0),
        coding("u1", "career", "auto", "machine", 1),
        coding("u2", "career", "auto", "machine", 1),
    ])
    incoming = coding_frame([coding("u1", "career", "H1", "human", 1),
                             coding("u2", "career", "H1", "human", 1),
                             coding("u2", "career", "H2", "human", 0)])
    merged = merge_codings(existing, incoming).set_index(["unit_id", "coder"])
    assert merged.loc[("u1", "H1"), "present"] == 1
    assert merged.loc[("u1", "auto"), "status"] == "confirmed"
    assert merged.loc[("u2", "auto"), "status"] == "proposed"  # humans disagree


def test_merge_rejects_bad_rows():
    good = coding_frame([coding("u1", "career", "H1", "human", 1)])
    bad = coding_frame([coding("u1", "career", "auto", "machine", 1, status="human")])
    with pytest.raises(InputError, match="does not fit origin"):
        merge_codings(good, bad)
    with pytest.raises(InputError, match="more than once"):
        merge_codings(good, pd.concat([good, good]))


# Origin drawn independently of the coder name, so that a machine row can share its
# (unit, code, coder) key with a human row: the hardest case for the merge rule.
_rows = st.lists(
    st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.sampled_from(["career", "price"]),
              st.sampled_from(["H1", "H2", "auto"]), st.integers(0, 1),
              st.sampled_from(["human", "proposed", "confirmed", "rejected"])),
    max_size=20, unique_by=lambda r: r[:3],
)


def _frame(rows):
    return coding_frame([
        coding(u, c, who, "human" if status == "human" else "machine", p,
               None if status == "human" else status)
        for u, c, who, p, status in rows
    ])


@settings(max_examples=60, deadline=None)
@given(existing=_rows, incoming=_rows)
def test_property_no_human_coding_is_lost_or_changed_by_a_machine(existing, incoming):
    old, new = _frame(existing), _frame(incoming)
    merged = merge_codings(old, new)
    key = ["unit_id", "code_id", "coder"]
    assert not merged.duplicated(key).any()
    merged_by_key = merged.set_index(key)
    new_human_keys = set(map(tuple, new[new["origin"] == "human"][key].to_numpy().tolist()))
    for row in old[old["origin"] == "human"].itertuples(index=False):
        k = (row.unit_id, row.code_id, row.coder)
        kept = merged_by_key.loc[k]
        assert kept["origin"] == "human"
        if k not in new_human_keys:
            assert kept["present"] == row.present
    # A reviewed machine row (confirmed/rejected) is not replaced by a machine row.
    for row in old[old["status"].isin(["confirmed", "rejected"])].itertuples(index=False):
        k = (row.unit_id, row.code_id, row.coder)
        if k not in new_human_keys:
            assert merged_by_key.loc[k, "present"] == row.present
    # Every human row of the result comes from a human row of an input.
    human_in = pd.concat([old, new])
    human_in = set(map(tuple, human_in[human_in["origin"] == "human"][key + ["present"]]
                       .to_numpy().tolist()))
    for row in merged[merged["origin"] == "human"][key + ["present"]].to_numpy().tolist():
        assert tuple(row) in human_in


def test_review_confirm_reject_and_presence():
    codings = coding_frame([
        coding("u1", "career", "auto", "machine", 1, confidence=0.55),
        coding("u2", "career", "auto", "machine", 1, confidence=0.51),
        coding("u3", "career", "auto", "machine", 0, confidence=0.49),
    ])
    before = codings.copy()
    out = review(codings, "u1", "career", "confirm", "H1", created_at="2026-01-01T00:00:00")
    out = review(out, "u2", "career", "reject", "H1")
    out = review(out, "u3", "career", 1, "H2")
    pd.testing.assert_frame_equal(codings, before)  # the input is untouched
    got = out.set_index(["unit_id", "coder"])
    assert got.loc[("u1", "auto"), "status"] == "confirmed"
    assert got.loc[("u1", "H1"), "present"] == 1
    assert got.loc[("u1", "H1"), "created_at"] == "2026-01-01T00:00:00"
    assert got.loc[("u2", "auto"), "status"] == "rejected" and got.loc[("u2", "H1"), "present"] == 0
    assert got.loc[("u3", "auto"), "status"] == "rejected" and got.loc[("u3", "H2"), "present"] == 1
    assert (got.xs("H1", level="coder")["origin"] == "human").all()
    # A later machine run cannot undo the reviewed decisions.
    rerun = coding_frame([coding(u, "career", "auto", "machine", 0, confidence=0.1)
                          for u in ("u1", "u2", "u3")])
    merged = merge_codings(out, rerun).set_index(["unit_id", "coder"])
    assert merged.loc[("u1", "auto"), "present"] == 1
    assert merged.loc[("u1", "H1"), "present"] == 1


def test_review_errors():
    codings = coding_frame([coding("u1", "career", "auto", "machine", 1),
                            coding("u1", "career", "llm", "machine", 0)])
    with pytest.raises(InputError, match="disagree"):
        review(codings, "u1", "career", "confirm", "H1")
    with pytest.raises(InputError, match="no machine coding"):
        review(codings, "u9", "career", "confirm", "H1")
    with pytest.raises(InputError, match="machine coder"):
        review(codings, "u1", "career", 1, "auto")
    with pytest.raises(InputError, match="unknown review decision"):
        review(codings, "u1", "career", "maybe", "H1")
    out = review(codings, "u1", "career", 0, "H1").set_index("coder")
    assert out.loc["auto", "status"] == "rejected" and out.loc["llm", "status"] == "confirmed"
