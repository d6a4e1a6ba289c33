"""Google Forms responses (CSV or TSV download, or the linked Sheet saved as XLSX).

The header holds the full question text; the first column is the submission time,
named after the form owner's locale; an ``Email Address`` column follows when the form
collects e-mails, and quizzes add a ``Score`` column. Checkbox answers are joined by
``", "`` in one cell: splitting them is the mapping layer's work, not the reader's.
"""

from __future__ import annotations

from microcred.ingest.formats import Grid, parse_timestamps, split_header
from microcred.ingest.table import RawTable

__all__ = ["EMAIL_HEADERS", "SCORE_HEADERS", "TIMESTAMP_HEADERS", "build", "looks_like"]

TIMESTAMP_HEADERS = frozenset(
    {
        "timestamp",
        "marca temporal",
        "marca de temps",
        "horodateur",
        "zeitstempel",
        "carimbo de data/hora",
        "informazioni cronologiche",
        "tijdstempel",
    }
)
"""First header of a Google Forms export, lower-cased, in the locales seen in exports."""

EMAIL_HEADERS = frozenset(
    {
        "email address",
        "email",
        "dirección de correo electrónico",
        "dirección de correo",
        "correo electrónico",
        "adreça electrònica",
        "adreça de correu electrònic",
        "adresse e-mail",
        "e-mail-adresse",
        "endereço de e-mail",
        "indirizzo email",
        "e-mailadres",
    }
)
"""Headers of the collected e-mail column, lower-cased."""

SCORE_HEADERS = frozenset({"score", "puntuación", "puntuació", "punteggio", "pontuação"})
"""Headers of a quiz's total score column, lower-cased."""


def looks_like(headers: list[str]) -> bool:
    """Whether a header row is a Google Forms export's (first header ``Timestamp``).

    Parameters
    ----------
    headers : list of str
        Row 1 of the file.

    Returns
    -------
    bool
    """
    return bool(headers) and headers[0].strip().lower() in TIMESTAMP_HEADERS


def build(grid: Grid) -> RawTable:
    """Read a Google Forms export from its grid.

    Parameters
    ----------
    grid : Grid
        Records of the file; row 1 is the header.

    Returns
    -------
    RawTable
        ``format="google-forms"``; headers kept as written (repeated titles stay
        repeated); ``submitted_at`` from the timestamp column as ISO 8601 (``None``
        per response where it cannot be parsed); timestamp, e-mail and score columns
        in ``system_columns``; ``finished`` is ``None`` (Forms stores only submitted
        responses).

    Raises
    ------
    InputError
        Empty file, or a header without responses.

    Notes
    -----
    Header and timestamp conventions from Google Forms downloads in the US English,
    Spanish and Catalan locales (``Timestamp`` / ``Marca temporal`` / ``Marca de
    temps``; ``5/2/2024 9:14:03`` / ``2024/05/02 9:14:03 a. m. GMT+2``).
    """
    (headers,), data, rows = split_header(grid, 1)
    system: set[int] = set()
    timestamp: int | None = None
    for index, header in enumerate(headers):
        key = header.strip().lower()
        if key in TIMESTAMP_HEADERS:
            system.add(index)
            if timestamp is None:
                timestamp = index
        elif key in EMAIL_HEADERS or key in SCORE_HEADERS:
            system.add(index)
    submitted = parse_timestamps(data[timestamp]) if timestamp is not None else None
    return RawTable(
        file=grid.file,
        format="google-forms",
        headers=headers,
        data=data,
        rows=rows,
        submitted_at=submitted,
        system_columns=system,
    )
