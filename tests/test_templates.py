"""The `uoc-2023` study template and `init`.

The template reconstructs the instrument of Bruguera, Fitó & Pagés (2023), "Exploring
Learners' Motivations and Preferences for Micro-Credentials: A Mixed-Method Study",
Ubiquity Proceedings, https://doi.org/10.5334/uproc.67. These tests check it at the
level of the study models only (matching export cells to options belongs to ingest).
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from microcred.errors import MicrocredError
from microcred.study import Item, Study, load
from microcred.study.templates import TemplateError, available, init

LANGUAGES = ("en", "es", "ca")
CONSTRUCTS = (
    "motivation",
    "duration",
    "weekly_hours",
    "content_orientation",
    "modality",
    "live_sessions",
    "modularity",
    "credential",
)
PREFERENCE_CONSTRUCTS = CONSTRUCTS[1:]
REPO = Path(__file__).parents[1]


@pytest.fixture()
def study(tmp_path: Path) -> Study:
    written = init("uoc-2023", tmp_path / "my-study")
    assert written == [tmp_path / "my-study" / "study.yaml"]
    return load(written[0])


def _column(item: Item, language: str) -> str:
    assert item.column is not None, item.id
    return item.column[language] if isinstance(item.column, dict) else item.column


def _has(labels: dict[str, str], language: str) -> bool:
    """A label exists in ``language``: given for it, or given once for every language."""
    key = language if language in labels else "*"
    return bool(labels.get(key, "").strip())


# --- available / init -----------------------------------------------------------------


def test_available_lists_the_seed_template() -> None:
    assert "uoc-2023" in available()
    assert available() == sorted(available())


def test_init_copies_the_packaged_file_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "my-study"
    written = init("uoc-2023", target)
    packaged = files("microcred.study").joinpath("templates", "uoc-2023", "study.yaml")
    assert [p.relative_to(target).as_posix() for p in written] == ["study.yaml"]
    assert written[0].read_bytes() == packaged.read_bytes()


def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "my-study"
    (path,) = init("uoc-2023", target)
    path.write_text("my edits\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="overwrite") as info:
        init("uoc-2023", target)
    assert str(path) in str(info.value)
    assert isinstance(info.value, MicrocredError)
    assert path.read_text(encoding="utf-8") == "my edits\n"

    assert init("uoc-2023", target, force=True) == [path]
    assert load(path).study.id == "uoc-2023"


def test_init_refuses_when_the_directory_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "my-study"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(TemplateError, match="in the way"):
        init("uoc-2023", target, force=True)
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_unknown_template_lists_the_available_ones(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as info:
        init("uoc-2024", tmp_path / "x")
    message = str(info.value)
    assert "'uoc-2024'" in message
    for name in available():
        assert name in message
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("name", ["../templates", "uoc-2023/..", "", "."])
def test_template_names_cannot_escape_the_templates_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(TemplateError):
        init(name, tmp_path / "x")


# --- the uoc-2023 instrument -------------------------------------------------------------


def test_template_header_cites_the_paper_and_says_it_is_a_reconstruction() -> None:
    text = (
        files("microcred.study")
        .joinpath("templates", "uoc-2023", "study.yaml")
        .read_text(encoding="utf-8")
    )
    header = text.split("\nstudy:", 1)[0]
    assert "10.5334/uproc.67" in header
    assert "Bruguera" in header and "Fitó" in header
    assert "RECONSTRUCTION" in header and "NOT the authors' verbatim" in header


def test_metadata_and_source(study: Study) -> None:
    assert study.study.id == "uoc-2023"
    assert study.study.languages == list(LANGUAGES)
    assert study.study.citation and "10.5334/uproc.67" in study.study.citation
    (source,) = study.sources
    assert source.path == "data/responses.csv"
    assert source.format == "auto"
    assert source.language in LANGUAGES
    assert not study.source_path(source).exists()  # the template ships no data


def test_every_construct_of_the_paper_exists_and_has_items(study: Study) -> None:
    constructs = {c.id: c for c in study.constructs}
    for cid in (*CONSTRUCTS, "demographics"):
        assert cid in constructs, cid
        assert constructs[cid].items, cid
    for construct in study.constructs:
        for language in LANGUAGES:
            assert _has(construct.label, language), (construct.id, language)
    for item in study.items:
        assert study.construct_of(item.id) is not None, item.id


def test_motivation_items(study: Study) -> None:
    motivation = study.item("motivation")
    assert motivation.type == "multi_choice"
    assert [o.id for o in motivation.options] == [
        "personal_interest",
        "career",
        "social",
        "academic",
    ]
    assert motivation.other.allowed
    for option in motivation.options:
        likert = study.item(f"importance_{option.id}")
        assert likert.type == "likert"
        assert study.construct_of(likert.id) == "motivation"
        points = likert.effective_options()
        assert [p.value for p in points] == [1, 2, 3, 4, 5]
        assert points[0].label("en") == "Not at all important"
        assert points[-1].label("en") == "Extremely important"


def test_ordinal_bands_are_in_order(study: Study) -> None:
    duration = [o.label("en") for o in study.item("duration").scored_options()]
    assert duration == [
        "Less than 1 month",
        "1-2 months",
        "2-3 months",
        "3-6 months",
        "More than 6 months",
    ]
    hours = [o.label("en") for o in study.item("weekly_hours").scored_options()]
    assert hours == [
        "Fewer than 3 hours",
        "3-5 hours",
        "6-10 hours",
        "11-15 hours",
        "More than 15 hours",
    ]
    orientation = study.item("content_orientation").scored_options()
    assert orientation[0].id == "mainly_theoretical" and orientation[-1].id == "mainly_applied"
    assert [o.value for o in orientation] == [1, 2, 3, 4, 5]
    assert [o.code for o in orientation] == [1, 2, 3, 4, 5]


def test_preference_items_have_the_options_the_paper_reports(study: Study) -> None:
    def ids(item_id: str) -> set[str]:
        return {o.id for o in study.item(item_id).effective_options()}

    assert {"online_asynchronous", "online_synchronous", "blended", "face_to_face"} <= ids(
        "modality"
    )
    assert {"none", "optional_qa", "weekly_mandatory"} <= ids("live_sessions")
    assert {"modular_levels", "stackable"} <= ids("modularity")
    assert {"certificate_of_completion", "digital_badge", "ects_micro_credential"} <= ids(
        "credential_type"
    )
    assert study.item("credential_official").type == "likert"
    assert {
        "age_band",
        "gender",
        "education_level",
        "employment_status",
        "prior_online_learning",
    } <= set(next(c.items for c in study.constructs if c.id == "demographics"))
    open_items = [i for i in study.items if i.type == "open_text"]
    assert len(open_items) == 2 and all(not i.required for i in open_items)


def test_every_text_label_and_column_exists_in_every_language(study: Study) -> None:
    for item in study.items:
        for language in LANGUAGES:
            assert item.text.get(language, "").strip(), (item.id, language)
            assert isinstance(item.column, dict), item.id
            assert _column(item, language).strip(), (item.id, language)
            for option in item.effective_options():
                assert _has(option.labels, language), (item.id, option.id, language)
            if item.other.allowed:
                assert _has(item.other.labels, language), (item.id, "other", language)
        if item.scale is not None:  # every point labelled, not just the ends
            points = range(int(item.scale.min), int(item.scale.max) + 1)
            assert sorted(item.scale.anchors) == [float(p) for p in points], item.id


def test_spanish_and_catalan_are_written_properly(study: Study) -> None:
    es = " ".join(t for i in study.items for t in [i.text["es"], _column(i, "es")])
    ca = " ".join(t for i in study.items for t in [i.text["ca"], _column(i, "ca")])
    for item in study.items:
        # Spanish questions open with an inverted question mark; Catalan ones do not.
        if item.text["es"].endswith("?"):
            assert item.text["es"].startswith("¿"), item.id
        assert "¿" not in item.text["ca"], item.id
    assert any(ch in es for ch in "áéíóúñ")
    assert any(ch in ca for ch in "àèéíòóúç·")
    assert "microcredencial" in es and "microcredencial" in ca


def test_headers_and_labels_are_unambiguous_in_every_language(study: Study) -> None:
    for language in LANGUAGES:
        headers = [_column(i, language) for i in study.items]
        assert len(headers) == len(set(headers)), language
        for item in study.items:
            labels = [o.label(language).casefold() for o in item.effective_options()]
            assert len(labels) == len(set(labels)), (item.id, language)
            if item.type == "multi_choice":  # joined by the separator in one cell
                assert not any(item.separator in label for label in labels), item.id


def test_segments_and_comparisons(study: Study) -> None:
    segments = {s.id: s for s in study.segments}
    expected = {
        "career_motivated": "career",
        "personally_motivated": "personal_interest",
        "socially_motivated": "social",
        "academically_motivated": "academic",
    }
    assert set(segments) == set(expected)
    for sid, option in expected.items():
        (condition,) = segments[sid].where
        assert condition.item == "motivation" and condition.options == [option]
        for language in LANGUAGES:
            assert _has(segments[sid].label, language), (sid, language)
    by = {c.by: c for c in study.comparisons}
    assert set(by) == {"career_motivated", "personally_motivated"}
    preference_items = {
        i for c in study.constructs if c.id in PREFERENCE_CONSTRUCTS for i in c.items
    }
    for comparison in by.values():
        assert set(comparison.items) == preference_items


def test_examples_folder_holds_only_the_readme() -> None:
    folder = REPO / "examples" / "uoc-2023"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md"]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "microcred init --template uoc-2023 my-study" in readme
    assert "microcred validate my-study/study.yaml" in readme
    assert "microcred run my-study/study.yaml --out out/" in readme


# --- a Spanish Google Forms export against the model ------------------------------------


def _fake_spanish_export(study: Study, path: Path, n: int = 37) -> None:
    """Write ``n`` fake responses as Google Forms would export a Spanish form."""
    rng = random.Random(2023)
    start = datetime(2023, 3, 1, 9, 0, 0)
    header = ["Marca temporal", *(_column(i, "es") for i in study.items)]
    rows = []
    for r in range(n):
        stamp = start + timedelta(hours=7 * r, minutes=rng.randrange(60))
        meridiem = "a. m." if stamp.hour < 12 else "p. m."
        row = [f"{stamp:%Y/%m/%d} {stamp.hour % 12 or 12}:{stamp:%M:%S} {meridiem} GMT+1"]
        for item in study.items:
            labels = [o.label("es") for o in item.effective_options()]
            if item.type == "open_text":
                cell = rng.choice(["", "Que el horario sea flexible, y el precio", "=1+1"])
            elif item.type == "multi_choice":
                ticked = rng.sample(labels, rng.randint(1, len(labels)))
                if r % 9 == 0:
                    ticked.append("Aprender por placer")  # free text given for "Otro"
                cell = item.separator.join(ticked)
            elif not item.required and r % 12 == 5:
                cell = ""
            else:
                cell = rng.choice(labels)
            row.append(cell)
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def test_a_spanish_google_forms_export_of_37_responses_fits_the_model(study: Study) -> None:
    # The user sets the source language to Spanish; the model must accept that.
    data = study.model_dump(by_alias=True)
    data["sources"][0]["language"] = "es"
    data["sources"][0]["format"] = "google-forms"
    spanish = Study.model_validate(data).model_copy(update={"base_dir": study.base_dir})
    source = spanish.sources[0]
    path = spanish.source_path(source)
    assert path == (study.base_dir / "data" / "responses.csv").resolve()
    _fake_spanish_export(spanish, path)

    with path.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    assert len(rows) == 37
    by_header = {_column(i, source.language): i for i in spanish.items}
    assert set(header) - set(by_header) == {"Marca temporal"}  # every question is found
    assert set(by_header) <= set(header)

    others = 0
    for row in rows:
        for column, cell in zip(header, row, strict=True):
            item = by_header.get(column)
            if item is None or item.type == "open_text":
                continue
            if not cell:
                assert not item.required, item.id
                continue
            known = {o.label(source.language): o.id for o in item.effective_options()}
            parts = cell.split(item.separator) if item.type == "multi_choice" else [cell]
            unknown = [p for p in parts if p not in known]
            assert len(unknown) <= (1 if item.other.allowed else 0), (item.id, cell)
            others += len(unknown)
    assert others == 5  # rows 0, 9, 18, 27, 36 gave "Otro" text
