"""Encoding detection of text exports that are not UTF-8, and the warning it leaves.

A Western survey export that is not UTF-8 is, in practice, Excel's "CSV" on Windows
(cp1252). Short files with a few accented words fit many code pages; charset-normalizer
alone ranked cp775, cp1006 or ``mac_*`` first ("Für … café" read as "F³r … cafķ").
Fixtures are built here, encoded with Python's own codecs (the reference decoding).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred import ingest, study
from microcred.cli import app
from microcred.errors import InputError
from microcred.ingest.detect import read_table
from microcred.ingest.encoding import describe, guess_encoding
from microcred.ingest.formats.delimited import decode
from microcred.study.models import Source

WESTERN = {
    "german-french": "Für mich … ein café",
    "german": "Größe der Übungen: schön",
    "french": "Très intéressant, à revoir. Ça dépend; œuvre",
    "spanish": "¿Por qué no? Aprendí muchísimo este año – “genial”",
    "catalan": "Això és molt útil. Què en penses de l'àmbit?",
    "portuguese": "Não sei: informação útil, ação",
}

OTHERS = {
    "cp1250": "Zażółć gęślą jaźń. Było świetnie, ale łatwo się zgubić.",
    "cp1251": "Курс был очень полезным, спасибо за материалы.",
    "cp1253": "Το μάθημα ήταν πολύ χρήσιμο για τη δουλειά μου.",
}


def csv_bytes(answer: str, codec: str) -> bytes:
    return f"id,comment\r\n1,{answer}\r\n2,ok\r\n".encode(codec)


@pytest.mark.parametrize("name", sorted(WESTERN))
def test_short_cp1252_files_decode_as_cp1252(name):
    raw = csv_bytes(WESTERN[name], "cp1252")
    text, codec = decode(raw, "auto", "a.csv")
    assert codec == "cp1252"
    assert text == raw.decode("cp1252")


@pytest.mark.parametrize("text", [
    "id,comment\n1,Für … café\n",  # the reported file: was read as cp775 / cp1006
    "id,q1,comment\n1,Für,café\n",
    "id,comment\n1,Für\n2,…\n3,café\n",
])
def test_the_reported_short_files_read_as_written(text):
    assert decode(text.encode("cp1252"), "auto", "a.csv") == (text, "cp1252")


@pytest.mark.parametrize("codec", sorted(OTHERS))
def test_other_scripts_are_still_recognised(codec):
    # cp1252 decodes these bytes too, but into nonsense (mess ratio 0.6-1.1)
    raw = csv_bytes(OTHERS[codec], codec)
    text, found = decode(raw, "auto", "a.csv")
    assert text == raw.decode(codec)
    assert found == codec


def test_utf8_utf16_and_bom_are_not_guesses():
    text = "id,comment\n1,Für … café\n"
    for raw in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("utf-16")):
        assert decode(raw, "auto", "a.csv")[0] == text


def test_guess_names_a_codec_that_decodes_everything():
    raw = csv_bytes("Für mich … ein café", "cp1252") + bytes([0x81])  # 0x81: not cp1252
    codec = guess_encoding(raw)
    assert codec is not None and codec != "cp1252"
    raw.decode(codec)
    assert describe("cp1252") == "cp1252 (Windows Western European)"


def test_read_table_records_the_guessed_code_page(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes(WESTERN["german-french"], "cp1252"))
    table = read_table(path, Source(id="s", path="a.csv"))
    assert table.data.iat[0, 1] == WESTERN["german-french"]
    assert table.guessed_encoding == "cp1252"
    declared = read_table(path, Source(id="s", path="a.csv", encoding="cp1252"))
    assert declared.guessed_encoding is None
    path.write_bytes(csv_bytes(WESTERN["german-french"], "utf-8"))
    assert read_table(path, Source(id="s", path="a.csv")).guessed_encoding is None


def test_a_declared_encoding_that_does_not_fit_names_the_row(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes(WESTERN["spanish"], "cp1252"))
    with pytest.raises(InputError, match="not valid utf-8") as error:
        read_table(path, Source(id="s", path="a.csv", encoding="utf-8"))
    assert error.value.row == 2


STUDY = """\
study: {id: enc, title: Encoding}
sources:
  - {id: survey, path: answers.csv%s}
respondent_id: {column: id}
items:
  - {id: comment, type: open_text, column: comment}
"""


def write_study(folder: Path, raw: bytes, declared: str = "") -> Path:
    folder.mkdir()
    (folder / "answers.csv").write_bytes(raw)
    (folder / "study.yaml").write_text(STUDY % declared, encoding="utf-8")
    return folder / "study.yaml"


def test_guessed_encoding_is_a_warning_of_the_validation_report(tmp_path):
    path = write_study(tmp_path / "s", csv_bytes(WESTERN["catalan"], "cp1252"))
    data = ingest.read(study.load(path))
    assert not data.report.errors
    (warning,) = [i for i in data.report.warnings if i.kind == "guessed_encoding"]
    assert warning.file.endswith("answers.csv")
    assert "cp1252 (Windows Western European)" in warning.message
    assert "'survey'" in warning.message and "encoding:" in warning.message
    assert WESTERN["catalan"] in data.answers["text"].tolist()
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "guessed as cp1252" in result.output


@pytest.mark.parametrize("declared", [", encoding: cp1252", ""])
def test_no_warning_when_declared_or_utf8(tmp_path, declared):
    codec = "cp1252" if declared else "utf-8"
    path = write_study(tmp_path / "s", csv_bytes(WESTERN["german"], codec), declared)
    data = ingest.read(study.load(path))
    assert not [i for i in data.report.issues if i.kind == "guessed_encoding"]
    assert WESTERN["german"] in data.answers["text"].tolist()
