"""The coding stage inside a run: units, human + machine codings, themes, report section."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from microcred import ingest, pipeline, study
from microcred.qual.stage import allowed_codes, code_study, effective_matrix

CODEBOOK = """\
id: demo
name: Demo codebook
codes:
  - id: likes
    name: Likes
    codable: false
    children:
      - id: community
        name: {en: Community, es: Comunidad}
        definition: Help from other people, the community.
        examples: [The community helps me, La comunidad es genial, friendly people help]
      - id: speed
        name: {en: Speed, es: Velocidad}
        definition: Fast, quick, speed of running code.
        examples: [It runs fast, Es muy rápido, quick results]
"""

TEXTS = [
    "The community is friendly and helps", "Great community of people",
    "people in the community help", "community help forums", "helpful community",
    "friendly community", "It is fast", "very fast and quick", "quick to run and fast",
    "speed is great and fast", "fast results", "runs quick",
]


def write(folder: Path, human: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["id,What do you like?"] + [f"r{i},{t}" for i, t in enumerate(TEXTS)]
    (folder / "answers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    coding = "coding:\n  codebook: codebook.yaml\n  items: {like: [likes]}\n  embedder: tfidf\n"
    if human:
        lines = ["unit_id,community:H1,speed:H1"]
        for i, text in enumerate(TEXTS):
            community = int("communit" in text)
            lines.append(f"like:r{i},{community},{1 - community}")
        (folder / "human.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        coding += "  human:\n    - {path: human.csv, unit_column: unit_id}\n"
    (folder / "study.yaml").write_text(
        "study: {id: demo, title: Demo}\n"
        "sources: [{id: s, path: answers.csv}]\n"
        "respondent_id: {column: id}\n"
        "items:\n  - {id: like, type: open_text, column: What do you like?}\n"
        "privacy: {k: 3}\n" + coding,
        encoding="utf-8",
    )
    return folder / "study.yaml"


def test_allowed_codes_expand_categories(tmp_path):
    from microcred.qual.codebook_io import load_codebook

    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    codebook = load_codebook(tmp_path / "cb.yaml")
    assert [c.id for c in allowed_codes(codebook, ["likes"])] == ["community", "speed"]
    assert [c.id for c in allowed_codes(codebook, ["speed"])] == ["speed"]
    assert [c.id for c in allowed_codes(codebook, [])] == ["community", "speed"]


@pytest.fixture()
def loaded(tmp_path):
    path = write(tmp_path / "s", human=True)
    instrument = study.load(path)
    data = ingest.read(instrument)
    return instrument, data


def test_human_codings_win_and_themes_have_wilson_cis(loaded):
    instrument, data = loaded
    qual = code_study(instrument, data.answers, data.respondents)
    # Six answers mention the community, coded so by H1: 6 of the 12 respondents.
    row = qual.themes.set_index("code_id").loc["community"]
    assert (row["n"], row["base"]) == (6, 12)
    low, high = proportion_confint(6, 12, method="wilson")
    assert row["ci_low"] == pytest.approx(low) and row["ci_high"] == pytest.approx(high)
    human = qual.codings[qual.codings["origin"] == "human"]
    assert len(human) == 24 and set(human["status"]) == {"human"}
    # The effective decision is the human one wherever a human coded.
    matrix = qual.effective
    for text_index, text in enumerate(TEXTS):
        assert matrix.loc[f"like:r{text_index}", "community"] == int("communit" in text)
    assert qual.quotes["community"] and all(q["origin"] == "human"
                                            for q in qual.quotes["community"])


def test_effective_matrix_prefers_humans_over_machine():
    units = pd.DataFrame({"unit_id": ["u1", "u2"], "document": ["d", "d"]})
    codings = pd.DataFrame(
        {
            "unit_id": ["u1", "u1", "u2"],
            "code_id": ["c", "c", "c"],
            "coder": ["H1", "machine", "machine"],
            "origin": ["human", "machine", "machine"],
            "present": [0, 1, 1],
            "status": ["human", "proposed", "proposed"],
        }
    )
    matrix = effective_matrix(units, codings, {"d": ["c"]})
    assert matrix.loc["u1", "c"] == 0 and matrix.loc["u2", "c"] == 1


def test_run_with_coding_writes_the_themes_section(tmp_path):
    path = write(tmp_path / "s", human=False)
    out = tmp_path / "out"
    outcome = pipeline.run(path, out)
    assert "report.html" in outcome.outputs
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="themes"' in html and "Community" in html
    results = json.loads((out / "results.json").read_text())
    themes = results["extra"]["qual"]["themes"]
    assert {t["code_id"] for t in themes} == {"community", "speed"}
    assert all(t["base"] == 12 for t in themes)
    # Quotes are pseudonymised: no raw respondent id survives in the quotes.
    quotes = results["extra"]["qual"]["quotes"]
    ids = {q["respondent_id"] for qs in quotes.values() for q in qs}
    assert ids and not ids & {f"r{i}" for i in range(len(TEXTS))}
    # Themes held by fewer than k = 3 respondents have their quotes withheld; their
    # counts are shown as "<3" in results.json as in the report.
    sizes = {t["code_id"]: t["n"] for t in themes}
    hidden = {code: isinstance(n, str) for code, n in sizes.items()}
    assert all(sizes[c] == "<3" for c in sizes if hidden[c])
    for code, shown in quotes.items():
        assert (len(shown) > 0) == (not hidden[code] and sizes[code] >= 3)
    assert (results["extra"]["privacy"]["withheld_quotes"] > 0) == any(hidden.values())
    # Theme counts from 1 to k - 1 are shown as "<3" in the report, and said so.
    small = sum(hidden.values())
    assert results["extra"]["privacy"]["primary_cells"] >= small
    if small:
        assert "&lt;3" in html
        assert "No table was checked" not in html


def test_codings_persist_and_stored_human_codings_survive_a_rerun(tmp_path):
    from microcred.qual.codings import coding_frame
    from microcred.store.codings import load_codings, save_codings

    path = write(tmp_path / "s", human=False)
    out = tmp_path / "out"
    pipeline.run(path, out)
    url = f"sqlite:///{out / 'microcred.db'}"
    units, stored = load_codings(url, "demo")
    assert len(units) == len(TEXTS)
    assert set(stored["origin"]) == {"machine"} and set(stored["status"]) == {"proposed"}
    # A human decides on one unit (as a review would), contradicting the machine.
    machine = stored[(stored["unit_id"] == "like:r6") & (stored["code_id"] == "speed")]
    decision = coding_frame(pd.DataFrame({
        "unit_id": ["like:r6"], "code_id": ["speed"], "coder": ["ana"], "origin": ["human"],
        "present": [1 - int(machine["present"].iloc[0])], "status": ["human"],
    }))
    save_codings(url, "demo", units, pd.concat([stored, decision], ignore_index=True))
    pipeline.run(path, out)
    _, after = load_codings(url, "demo")
    kept = after[(after["coder"] == "ana")]
    assert len(kept) == 1 and kept["present"].iloc[0] == decision["present"].iloc[0]
    results = json.loads((out / "results.json").read_text())
    speed = next(t for t in results["extra"]["qual"]["themes"] if t["code_id"] == "speed")
    # one human-coded unit: fewer than k = 3, shown as "<3"
    assert speed["n_human"] == ("<3" if decision["present"].iloc[0] == 1 else 0)
