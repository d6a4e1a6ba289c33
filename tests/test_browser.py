"""``report.html`` in a real browser: renders without console errors, every chart visible.

The report is built by :func:`microcred.pipeline.run` from a small study written here,
and from the Coursera progfun example when ``../shared/data`` is present, then opened in
headless Chromium (see ``tests/browser.py``). A full-page screenshot is saved under
``tmp_path`` and its path printed (``pytest -s`` shows it).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from browser import chromium, only_formats, visit
from microcred import pipeline

ROOT = Path(__file__).resolve().parents[1]
PROGFUN = ROOT / "examples" / "coursera-progfun-2013" / "study.yaml"
PROGFUN_DATA = ROOT / ".." / "shared" / "data" / "coursera-progfun-2013" / "progfun-nov2013.tsv"

STUDY = """\
study: {id: browser, title: Browser check, institution: microcred tests}
sources:
  - {id: s1, path: responses.csv, format: auto}
respondent_id: {column: id}
constructs:
  - {id: motivation, label: Motivation, items: [motivation]}
  - {id: dedication, label: Weekly dedication, items: [hours]}
items:
  - id: motivation
    type: multi_choice
    text: Why do you want a micro-credential?
    column: Why?
    options:
      - {id: personal_interest, labels: Personal interest}
      - {id: career, labels: Career}
      - {id: degree, labels: Towards a degree}
  - id: hours
    type: ordinal
    text: Hours per week
    column: Hours
    options:
      - {id: low, labels: "1-5"}
      - {id: mid, labels: "6-15"}
      - {id: high, labels: "16+"}
  - id: worth
    type: likert
    text: Courses should be practical
    column: Practical
    scale: {min: 1, max: 5, anchors: {1: Strongly disagree, 5: Strongly agree}}
  - id: modality
    type: single_choice
    text: Preferred modality
    column: Modality
    options:
      - {id: online, labels: Online}
      - {id: blended, labels: Blended}
  - id: age
    type: numeric
    text: Age
    column: Age
  - id: comments
    type: open_text
    text: Comments
    column: Comments
segments:
  - {id: career_motivated, label: Career-motivated,
     where: {item: motivation, options: [career]}}
comparisons:
  - {by: career_motivated, items: [hours, worth, modality]}
"""

MOTIVES = ["Personal interest", "Career", "Personal interest, Career", "Towards a degree",
           "Career, Towards a degree"]
HOURS = ["1-5", "6-15", "16+", "6-15"]
MODALITY = ["Online", "Blended", "Online"]


def small_study(folder: Path, n: int = 40) -> Path:
    """A study of ``n`` respondents covering every chart type of the report."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [["id", "Why?", "Hours", "Practical", "Modality", "Age", "Comments"]]
    for i in range(n):
        rows.append([f"r{i}", MOTIVES[i % 5], HOURS[i % 4], str(1 + (i * 7) % 5),
                     MODALITY[i % 3], str(20 + (i * 13) % 40), f"comment {i}" if i % 2 else ""])
    with (folder / "responses.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    (folder / "study.yaml").write_text(STUDY, encoding="utf-8")
    return folder / "study.yaml"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


CHARTS_JS = """
() => Array.from(document.querySelectorAll('figure')).map(f => {
  const svg = f.querySelector('svg');
  const where = (f.closest('section[id]') || {}).id || '?';
  if (!svg) return {where, missing: true};
  const r = svg.getBoundingClientRect();
  const s = getComputedStyle(svg);
  return {where, width: r.width, height: r.height, right: r.right,
          display: s.display, visibility: s.visibility,
          visible: svg.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}),
          marks: svg.querySelectorAll('path, rect, line, text').length};
})
"""


def invisible(charts: list[dict]) -> list[dict]:
    return [
        c for c in charts
        if c.get("missing") or not c["visible"] or c["display"] == "none"
        or c["visibility"] != "visible" or c["width"] <= 0 or c["height"] <= 0 or c["marks"] == 0
    ]


def check_report(context, html: Path, screenshot: Path) -> list[dict]:
    """Open ``html``; check no console error, every chart visible; save a screenshot."""
    seen = visit(context, html)
    page = seen.page
    try:
        assert seen.problems() == []
        assert seen.outside_requests() == []
        assert page.locator("h1").count() == 1
        charts = page.evaluate(CHARTS_JS)
        assert charts, "the report has no chart"
        assert invisible(charts) == []
        page.screenshot(path=str(screenshot), full_page=True)
        print(f"screenshot: {screenshot}")
        assert screenshot.stat().st_size > 10_000
        # On a phone-sized screen the charts shrink to fit instead of overflowing.
        page.set_viewport_size({"width": 390, "height": 800})
        narrow = page.evaluate(CHARTS_JS)
        assert invisible(narrow) == []
        assert [c["where"] for c in narrow if c["right"] > 390.5] == []
    finally:
        page.close()
    return charts


def test_small_study_report_renders_with_every_chart_visible(browser, tmp_path):
    study = small_study(tmp_path / "study")
    with only_formats("html"):
        outcome = pipeline.run(study, tmp_path / "out")
    charts = check_report(browser, outcome.outputs["report.html"], tmp_path / "report.png")
    where = {c["where"] for c in charts}
    # Motivations ranking, and one chart per choice, ordinal and Likert item.
    assert {"motivations", "item-motivation", "item-hours", "item-worth",
            "item-modality"} <= where


@pytest.mark.skipif(not PROGFUN_DATA.exists(), reason="../shared/data is not present")
def test_progfun_example_report_renders_with_every_chart_visible(browser, tmp_path):
    with only_formats("html"):
        outcome = pipeline.run(PROGFUN, tmp_path / "out")
    charts = check_report(browser, outcome.outputs["report.html"], tmp_path / "progfun.png")
    where = {c["where"] for c in charts}
    assert {"motivations", "item-motivation", "item-weekly_hours", "item-worth_time"} <= where
    assert len(charts) >= 8
