"""SPSS .sav: user-missing values become NA with their reason; definitions are kept.

Case 04 (``shared/cases/04-spss-user-missing``) gives the expected cells and reasons;
the other fixture is written here with ``pyreadstat.write_sav``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from microcred.errors import InputError
from microcred.ingest.detect import read_table
from microcred.ingest.formats.spss import numbers_as_text
from microcred.study.models import Source

CASE_04 = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "cases"
    / "04-spss-user-missing"
    / "learner_survey_missing.sav"
)


def read(path: Path, **declared):
    return read_table(path, Source(id="s", path=path.name, **declared))


def by_id(table, column: str, frame=None) -> dict[str, object]:
    frame = table.data if frame is None else frame
    ids = table.data[table.headers.index("resp_id")].tolist()
    values = frame[table.headers.index(column)].tolist()
    return {i: (None if pd.isna(v) else v) for i, v in zip(ids, values, strict=True)}


def test_case_04_user_missing_cells_and_reasons():
    table = read(CASE_04)
    assert table.format == "sav"
    assert table.headers == ["resp_id", "q_satisf", "hours_wk", "segment"]
    assert table.texts[1] == "Overall satisfaction with the last short course"
    assert table.rows == list(range(2, 14))

    satisf = by_id(table, "q_satisf")
    # CASE.md: L003 and L007 chose "No answer" (9), L010 is system-missing
    assert [k for k, v in satisf.items() if v is None] == ["L003", "L007", "L010"]
    valid = [int(v) for v in satisf.values() if v is not None]
    assert len(valid) == 9 and np.mean(valid) == pytest.approx(3.6667, abs=1e-4)
    reasons = {k: v for k, v in by_id(table, "q_satisf", table.missing).items() if v}
    assert reasons == {"L003": "No answer (9)", "L007": "No answer (9)"}  # L010 has none

    hours = by_id(table, "hours_wk")
    assert [k for k, v in hours.items() if v is None] == ["L003", "L005", "L008", "L011"]
    valid_hours = [float(v) for v in hours.values() if v is not None]
    assert np.mean(valid_hours) == pytest.approx(6.75)  # CASE.md: mean 6.75, n = 8
    assert np.std(valid_hours, ddof=1) == pytest.approx(3.0589, abs=1e-4)
    hour_reasons = {k: v for k, v in by_id(table, "hours_wk", table.missing).items() if v}
    assert hour_reasons == {
        "L003": "Not applicable (not studying now) (-9)",
        "L005": "Don't know (99)",
        "L008": "Not applicable (not studying now) (-9)",
        "L011": "Don't know (99)",
    }
    # definitions kept as pyreadstat gives them (meta.missing_ranges)
    assert table.missing_definitions == {
        1: [{"lo": 9.0, "hi": 9.0}],
        2: [{"lo": 98.0, "hi": 99.0}, {"lo": -9.0, "hi": -9.0}],
    }
    assert table.value_labels[1]["4"] == "Satisfied"
    assert table.value_labels[1]["9"] == "No answer"
    assert table.value_labels[3] == {"1": "Career-driven", "2": "Personal interest"}
    # numbers as text without ".0"
    assert satisf["L001"] == "5" and hours["L002"] == "10"


def test_written_sav_with_range_labels_strings_and_dates(tmp_path):
    import pyreadstat

    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", ""],
            "q": [1.0, 98.0, np.nan, 2.5],
            "when": [dt.datetime(2024, 5, 2, 9, 14, 3), None, dt.datetime(2024, 1, 1), None],
            "code": ["x", "NA", "y", "z"],
        }
    )
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={"q": "How useful?"},
        variable_value_labels={"q": {1: "Not at all", 2: "Somewhat", 98: "Refused"}},
        missing_ranges={"q": [{"lo": 97, "hi": 99}], "code": ["NA"]},
    )
    table = read(path)
    data = table.data.where(table.data.notna(), None).to_numpy().tolist()
    assert data == [
        ["a", "1", "2024-05-02T09:14:03", "x"],
        ["b", None, None, None],
        ["c", None, "2024-01-01T00:00:00", "y"],
        [None, "2.5", None, "z"],
    ]
    reasons = table.missing.where(table.missing.notna(), None).to_numpy().tolist()
    assert reasons[1] == [None, "Refused (98)", None, "user-missing (NA)"]
    assert all(r is None for r in reasons[2])  # system-missing: no reason
    assert table.missing_definitions[1] == [{"lo": 97.0, "hi": 99.0}]
    assert table.value_labels == {1: {"1": "Not at all", "2": "Somewhat", "98": "Refused"}}
    assert table.texts == [None, "How useful?", None, None]


def test_numbers_as_text():
    values = np.array([4.0, -9.0, 6.75, 0.1, np.nan, 1e20])
    assert numbers_as_text(values).tolist()[:4] == ["4", "-9", "6.75", "0.1"]
    assert pd.isna(numbers_as_text(values)[4])


def test_not_a_sav_file(tmp_path):
    path = tmp_path / "broken.sav"
    path.write_bytes(b"this is not SPSS")
    with pytest.raises(InputError, match="SPSS") as caught:
        read(path)
    assert caught.value.file.endswith("broken.sav")
