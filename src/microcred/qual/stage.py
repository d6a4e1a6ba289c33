"""The qualitative stage of a run: units -> human and machine codings -> theme results.

It reads the study's ``coding`` section: the codebook, which open-text items (and
transcripts) are coded with which codes, human codings to import, and which machine
coder to use. Human codings always win over machine ones (:func:`merge_codings`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from microcred.qual.codebook import Code, Codebook
from microcred.qual.units import UNIT_COLUMNS

if TYPE_CHECKING:
    from microcred.qual.embed import Embedder
    from microcred.study.models import Study

Progress = Callable[[str, int, int], None]
QUOTES_PER_THEME = 3
MIN_QUOTE_WORDS = 5
MIN_UNITS_FOR_DISCOVERY = 30


@dataclass
class QualResults:
    """Everything the qualitative stage found.

    Attributes
    ----------
    codebook : Codebook
    units : pandas.DataFrame
        ``UNIT_COLUMNS``, one row per coded unit (answers and transcript turns).
    codings : pandas.DataFrame
        ``CODING_COLUMNS``: human codings and machine proposals, merged so that a machine
        coding never replaces a human one.
    effective : pandas.DataFrame
        Units x codes 0/1 (NA where a code does not apply to the unit's document): a
        human decision where there is one (majority of human coders, ties present),
        else the machine's.
    themes : pandas.DataFrame
        ``document, code_id, label, parent, n, base, pct, ci_low, ci_high, n_human,
        n_machine``: respondents (or units, for transcripts) with the theme among those
        with a unit in the document; Wilson 95% CI.
    by_segment : pandas.DataFrame
        ``document, code_id, segment_id, n, base, pct, ci_low, ci_high, small_n``.
    cooccurrence : pandas.DataFrame
        Codes x codes: units coded with both.
    quotes : dict of str -> list of dict
        Code id -> up to three exemplar units (``unit_id, respondent_id, text, origin,
        confidence``), most confident first; texts are personal data (escape them).
    agreement : pandas.DataFrame or None
        :func:`microcred.qual.agreement.agreement_table` of the human coders, and of
        human vs machine where both coded the same units.
    candidates : list of dict
        Inductive themes proposed from units no code matched: ``id, name, size,
        respondents, keywords, quotes`` (the units closest to the cluster centroid,
        ``unit_id, respondent_id, document, text``; personal data, protected by the
        pipeline as the themes' quotes are).
    method : dict
        Coder, embedder, thresholds and counts, for the methods section.
    """

    codebook: Codebook
    units: pd.DataFrame
    codings: pd.DataFrame
    effective: pd.DataFrame
    themes: pd.DataFrame
    by_segment: pd.DataFrame
    cooccurrence: pd.DataFrame
    quotes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    agreement: pd.DataFrame | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    method: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results (no unit texts other than the quotes).

        Returns
        -------
        dict
            ``method, themes, by_segment, cooccurrence, quotes, agreement, candidates``.
        """
        from microcred.report.json_out import to_jsonable

        agreement = self.agreement
        return dict(
            to_jsonable(
                {
                    "method": self.method,
                    "themes": self.themes.to_dict(orient="records"),
                    "by_segment": self.by_segment.to_dict(orient="records"),
                    "cooccurrence": self.cooccurrence.to_dict(),
                    "quotes": self.quotes,
                    "agreement": None if agreement is None else agreement.to_dict(orient="records"),
                    "candidates": self.candidates,
                }
            )
        )


def allowed_codes(codebook: Codebook, selectors: list[str]) -> list[Code]:
    """The codable codes a document may receive.

    Parameters
    ----------
    codebook : Codebook
    selectors : list of str
        Code or category ids; a category stands for all codable codes below it. An empty
        list means every codable code.

    Returns
    -------
    list of Code
        In codebook order.

    Raises
    ------
    KeyError
        When a selector names no code.
    """
    if not selectors:
        return codebook.codable()
    by_id = {c.id: c for c in codebook.walk()}
    chosen: dict[str, Code] = {}
    for selector in selectors:
        code = by_id[selector]
        stack = [code]
        while stack:
            node = stack.pop()
            if node.codable:
                chosen[node.id] = node
            stack.extend(node.children)
    order = {c.id: i for i, c in enumerate(codebook.walk())}
    return sorted(chosen.values(), key=lambda c: order[c.id])


def build_units(study: Study, answers: pd.DataFrame) -> pd.DataFrame:
    """Units of coding: one per open-text answer of the coded items, one per transcript turn.

    Parameters
    ----------
    study : Study
        With a ``coding`` section.
    answers : pandas.DataFrame
        Long answers (``ANSWER_COLUMNS``).

    Returns
    -------
    pandas.DataFrame
        ``UNIT_COLUMNS``.
    """
    from microcred.qual.transcripts import read_transcript, survey_units

    assert study.coding is not None
    frames = [survey_units(answers, list(study.coding.item_codes()))]
    for transcript in study.coding.transcripts:
        frames.append(
            read_transcript(
                study.base_dir / transcript.path,
                transcript.speakers,
                document=_transcript_name(transcript.path),
                language=transcript.language,
            )
        )
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in UNIT_COLUMNS})
    return pd.concat(frames, ignore_index=True).loc[:, list(UNIT_COLUMNS)]


def _human_codings(study: Study, codebook: Codebook) -> pd.DataFrame:
    from microcred.qual.codings import coding_frame, read_presence_matrix
    from microcred.qual.refi import read_qdpx

    assert study.coding is not None
    frames = [coding_frame()]
    for spec in study.coding.human:
        path = study.base_dir / spec.path
        if path.suffix.lower() == ".qdpx":
            project = read_qdpx(path, codebook=codebook)
            segments = project.segments
            frames.append(
                coding_frame(
                    pd.DataFrame(
                        {
                            "unit_id": segments["unit_id"],
                            "code_id": segments["code_id"],
                            "coder": segments["coder"].fillna("human"),
                            "origin": "human",
                            "present": 1,
                            "status": "human",
                        }
                    )
                )
            )
        else:
            options: dict[str, Any] = {"unit_column": spec.unit_column, "codebook": codebook}
            if spec.coder:
                options["coder"] = spec.coder
            if spec.column_pattern:
                options["column_pattern"] = spec.column_pattern
            _, codings = read_presence_matrix(path, **options)
            frames.append(codings)
    return pd.concat(frames, ignore_index=True)


def _machine_codings(
    study: Study,
    codebook: Codebook,
    units: pd.DataFrame,
    human: pd.DataFrame,
    embedder: Embedder,
    method: dict[str, Any],
    progress: Progress | None,
) -> pd.DataFrame:
    from microcred.qual.autocode import SupervisedCoder, ZeroShotCoder
    from microcred.qual.codings import coding_frame

    assert study.coding is not None
    mode = study.coding.automatic
    if mode == "none" or units.empty:
        return coding_frame()
    frames = []
    for document, selectors in _documents(study).items():
        doc_units = units[units["document"] == document]
        if doc_units.empty:
            continue
        codes = allowed_codes(codebook, selectors)
        coded_here = human[human["unit_id"].isin(doc_units["unit_id"])]
        learnable = coded_here[coded_here["present"] == 1].groupby("code_id")["unit_id"].nunique()
        supervised = [c for c in codes if learnable.get(c.id, 0) >= 5]
        zero_shot = [c for c in codes if c not in supervised]
        if mode == "supervised":
            zero_shot = []
        elif mode == "zero-shot":
            supervised, zero_shot = [], codes

        def tick(done: int, total: int, name: str = document) -> None:
            if progress is not None:
                progress(f"coding {name}", done, total)

        if supervised:
            coder = SupervisedCoder(embedder).fit(
                doc_units, coded_here, codes=[c.id for c in supervised]
            )
            frames.append(coder.code(doc_units, progress=tick))
            method.setdefault("supervised", {})[document] = coder.thresholds
            if coder.notes:
                method.setdefault("notes", []).extend(coder.notes)
        if zero_shot:
            frames.append(ZeroShotCoder(zero_shot, embedder).code(doc_units, progress=tick))
            method.setdefault("zero_shot", {})[document] = [c.id for c in zero_shot]
    return pd.concat([coding_frame(), *frames], ignore_index=True)


def _documents(study: Study) -> dict[str, list[str]]:
    """Document (item id or transcript name) -> code selectors."""
    assert study.coding is not None
    documents = dict(study.coding.item_codes())
    for transcript in study.coding.transcripts:
        documents[_transcript_name(transcript.path)] = []
    return documents


def _transcript_name(path: str) -> str:
    from pathlib import PurePath

    return PurePath(path).stem


def effective_matrix(
    units: pd.DataFrame, codings: pd.DataFrame, applicable: dict[str, list[str]]
) -> pd.DataFrame:
    """Units x codes presence: human majority where humans coded, else the machine's.

    Parameters
    ----------
    units : pandas.DataFrame
        ``unit_id, document``.
    codings : pandas.DataFrame
        ``CODING_COLUMNS``.
    applicable : dict of str -> list of str
        Document -> code ids that apply to its units.

    Returns
    -------
    pandas.DataFrame
        Index ``unit_id``, one ``Int8`` column per code; NA where the code does not
        apply to the unit's document or nobody coded it.
    """
    codes = list(dict.fromkeys(c for ids in applicable.values() for c in ids))
    index = pd.Index(units["unit_id"].astype(str), name="unit_id")
    live = codings[codings["status"] != "rejected"]
    human = live[live["origin"] == "human"]
    machine = live[live["origin"] == "machine"]
    human_vote = human.groupby(["unit_id", "code_id"])["present"].mean().ge(0.5).astype(float)
    machine_vote = machine.groupby(["unit_id", "code_id"])["present"].max().astype(float)
    votes = human_vote.combine_first(machine_vote)
    if votes.empty:
        wide = pd.DataFrame(np.nan, index=index, columns=codes)
    else:
        wide = votes.unstack("code_id")
        wide.index = wide.index.astype(str)
        wide = wide.reindex(index=index, columns=codes)
    documents = units["document"].astype(str).to_numpy()
    applies = np.array(
        [[code in applicable.get(doc, []) for code in codes] for doc in documents], dtype=bool
    ).reshape(len(documents), len(codes))
    return wide.where(applies).astype("Int8")


def theme_frequencies(
    units: pd.DataFrame,
    effective: pd.DataFrame,
    codebook: Codebook,
    applicable: dict[str, list[str]],
    codings: pd.DataFrame,
    language: str = "en",
) -> pd.DataFrame:
    """Share of respondents (units for transcripts) per theme, with Wilson 95% CIs.

    Parameters
    ----------
    units, effective, codebook, applicable, codings
        As in :class:`QualResults`.
    language : str

    Returns
    -------
    pandas.DataFrame
        See :attr:`QualResults.themes`.

    Notes
    -----
    A respondent counts once per theme and document, however many of their units carry
    it (quantitizing at the respondent level, Sandelowski, Voils & Knafl 2009); the base
    is the respondents with at least one unit in the document.
    """
    from microcred.quant.proportions import wilson_ci

    by_id = {c.id: c for c in codebook.walk()}
    rows = []
    who = units.set_index(units["unit_id"].astype(str))
    person = who["respondent_id"].where(who["respondent_id"].notna(), who.index.to_series())
    for document, ids in applicable.items():
        in_doc = who.index[who["document"] == document]
        if len(in_doc) == 0:
            continue
        people = person.loc[in_doc]
        base = people.nunique()
        for code_id in ids:
            present = effective.loc[in_doc, code_id].fillna(0).astype(int).to_numpy() == 1
            n = people[present].nunique()
            origin = codings[
                (codings["code_id"] == code_id)
                & codings["unit_id"].isin(in_doc[present])
                & (codings["present"] == 1)
            ]
            rows.append(
                {
                    "document": document,
                    "code_id": code_id,
                    "label": by_id[code_id].label(language),
                    "parent": codebook.parent_of(code_id),
                    "n": int(n),
                    "base": int(base),
                    "n_human": int(origin.loc[origin["origin"] == "human", "unit_id"].nunique()),
                    "n_machine": int(
                        origin.loc[origin["origin"] == "machine", "unit_id"].nunique()
                    ),
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(
            columns=[
                "document",
                "code_id",
                "label",
                "parent",
                "n",
                "base",
                "pct",
                "ci_low",
                "ci_high",
                "n_human",
                "n_machine",
            ]
        )
    low, high = wilson_ci(frame["n"].to_numpy(), frame["base"].to_numpy())
    frame["pct"] = frame["n"] / frame["base"]
    frame["ci_low"], frame["ci_high"] = low, high
    return frame.sort_values(["document", "pct"], ascending=[True, False], kind="stable")


def themes_by_segment(
    units: pd.DataFrame,
    effective: pd.DataFrame,
    applicable: dict[str, list[str]],
    membership: pd.DataFrame,
) -> pd.DataFrame:
    """Theme shares within each segment of respondents (survey units only).

    Parameters
    ----------
    units, effective, applicable
        As in :class:`QualResults`.
    membership : pandas.DataFrame
        Index ``respondent_id``, one boolean column per segment
        (:func:`microcred.quant.segments.segment_membership`).

    Returns
    -------
    pandas.DataFrame
        See :attr:`QualResults.by_segment`.
    """
    from microcred.quant.proportions import wilson_ci
    from microcred.quant.results import SMALL_N

    rows = []
    surveyed = units[units["respondent_id"].notna()]
    for document, ids in applicable.items():
        doc = surveyed[surveyed["document"] == document]
        if doc.empty:
            continue
        people = doc["respondent_id"].astype(str).to_numpy()
        unit_ids = doc["unit_id"].astype(str).to_numpy()
        for segment in membership.columns:
            member = membership[segment].reindex(people).fillna(False).to_numpy(dtype=bool)
            base = len(set(people[member]))
            for code_id in ids:
                present = effective.loc[unit_ids, code_id].fillna(0).astype(int).to_numpy() == 1
                n = len(set(people[member & present]))
                rows.append(
                    {
                        "document": document,
                        "code_id": code_id,
                        "segment_id": segment,
                        "n": n,
                        "base": base,
                    }
                )
    frame = pd.DataFrame(rows, columns=["document", "code_id", "segment_id", "n", "base"])
    if frame.empty:
        return frame.assign(pct=[], ci_low=[], ci_high=[], small_n=[])
    frame["pct"] = np.where(frame["base"] > 0, frame["n"] / frame["base"].clip(lower=1), np.nan)
    frame["ci_low"], frame["ci_high"] = wilson_ci(frame["n"].to_numpy(), frame["base"].to_numpy())
    frame["small_n"] = frame["base"] < SMALL_N
    return frame


def cooccurrence(effective: pd.DataFrame) -> pd.DataFrame:
    """Codes x codes: number of units coded with both (diagonal: units with the code).

    Parameters
    ----------
    effective : pandas.DataFrame
        Units x codes 0/1/NA.

    Returns
    -------
    pandas.DataFrame
        Square, integer, index and columns the code ids.
    """
    values = effective.fillna(0).astype(int)
    return values.T @ values


def exemplar_quotes(
    units: pd.DataFrame, codings: pd.DataFrame, effective: pd.DataFrame, per_code: int = 3
) -> dict[str, list[dict[str, Any]]]:
    """Up to ``per_code`` quotes per code: human-coded units first, answers of at least
    :data:`MIN_QUOTE_WORDS` words before shorter ones, then the machine's most confident;
    the same text is not shown twice.

    Parameters
    ----------
    units, codings, effective
        As in :class:`QualResults`.
    per_code : int

    Returns
    -------
    dict of str -> list of dict
        ``unit_id, respondent_id, document, text, origin, confidence``.
    """
    text = units.set_index(units["unit_id"].astype(str))
    quotes: dict[str, list[dict[str, Any]]] = {}
    present = codings[codings["present"] == 1].copy()
    present["rank_origin"] = (present["origin"] != "human").astype(int)
    present["rank_conf"] = -present["confidence"].astype(float).fillna(1.0)
    words = text["text"].astype(str).str.split().str.len()
    # A quote of a few words ("the community") illustrates little: longer answers first.
    present["rank_short"] = (present["unit_id"].map(words).fillna(0) < MIN_QUOTE_WORDS).astype(int)
    present["same_text"] = present["unit_id"].map(
        text["text"].astype(str).str.casefold().str.strip()
    )
    for code_id in effective.columns:
        on = effective.index[effective[code_id].fillna(0).astype(int).to_numpy() == 1]
        candidates = present[(present["code_id"] == code_id) & present["unit_id"].isin(on)]
        candidates = candidates.sort_values(
            ["rank_origin", "rank_short", "rank_conf"], kind="stable"
        )
        chosen = candidates.drop_duplicates("unit_id").drop_duplicates("same_text").head(per_code)
        quotes[code_id] = [
            {
                "unit_id": row.unit_id,
                "respondent_id": text.at[row.unit_id, "respondent_id"],
                "document": text.at[row.unit_id, "document"],
                "text": text.at[row.unit_id, "text"],
                "origin": row.origin,
                "confidence": None if pd.isna(row.confidence) else float(row.confidence),
            }
            for row in chosen.itertuples()
        ]
    return quotes


def code_study(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    *,
    embedder: Embedder | None = None,
    cache_url: str | None = None,
    stored: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> QualResults:
    """Run the study's qualitative coding.

    Parameters
    ----------
    study : Study
        With a ``coding`` section (raises ``ValueError`` otherwise).
    answers, respondents : pandas.DataFrame
        The imported survey (``ANSWER_COLUMNS``, ``RESPONDENT_COLUMNS``).
    embedder : Embedder, optional
        Overrides ``coding.embedder`` (tests pass a small one).
    cache_url : str, optional
        SQLAlchemy URL of the project database, where embeddings are cached by text hash.
    stored : pandas.DataFrame, optional
        Codings kept in the project database from earlier runs; their human codings
        (and human review decisions) are kept and win over this run's machine ones.
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    QualResults

    Raises
    ------
    StudyFileError
        The codebook file is invalid, or a coded item selects an unknown code.
    InputError
        A transcript or human-coding file cannot be read.
    """
    from microcred.errors import StudyFileError
    from microcred.qual.codebook_io import load_codebook
    from microcred.qual.codings import merge_codings
    from microcred.qual.embed import CachedEmbedder, SqlEmbeddingCache, make_embedder
    from microcred.quant.segments import segment_membership

    if study.coding is None:
        raise ValueError("the study has no coding section")
    codebook = load_codebook(study.base_dir / study.coding.codebook)
    try:
        applicable = {
            doc: [c.id for c in allowed_codes(codebook, selectors)]
            for doc, selectors in _documents(study).items()
        }
    except KeyError as missing:
        raise StudyFileError(
            str(study.base_dir / "study.yaml"),
            [(None, "coding.items", f"no code or category {missing} in the codebook")],
        ) from None
    units = build_units(study, answers)
    human = from_files = _human_codings(study, codebook)
    if stored is not None and not stored.empty:
        human = merge_codings(stored[stored["origin"] == "human"], human)
    method: dict[str, Any] = {"automatic": study.coding.automatic, "units": len(units)}
    used: Embedder | None = None
    if study.coding.automatic != "none" and not units.empty:
        base: Embedder = embedder or make_embedder(study.coding.embedder)
        if cache_url is not None:
            base = CachedEmbedder(base, SqlEmbeddingCache(cache_url))  # type: ignore[assignment]
        method["embedder"] = f"{base.name} {base.version}"
        used = base
        machine = _machine_codings(study, codebook, units, human, base, method, progress)
    else:
        from microcred.qual.codings import coding_frame

        machine = coding_frame()
    codings = merge_codings(human, machine)
    effective = effective_matrix(units, codings, applicable)
    membership = segment_membership(study, answers, respondents)
    if "respondent_id" in membership.columns:
        membership = membership.set_index("respondent_id")
    # Review decisions were made looking at the machine's proposal, on the units it was
    # least sure of: only the independent human codings (from files) measure agreement.
    agreement = _agreement(from_files, machine)
    language = study.study.languages[0] if study.study.languages else "en"
    return QualResults(
        codebook=codebook,
        units=units,
        codings=codings,
        effective=effective,
        themes=theme_frequencies(units, effective, codebook, applicable, codings, language),
        by_segment=themes_by_segment(units, effective, applicable, membership),
        cooccurrence=cooccurrence(effective),
        quotes=exemplar_quotes(units, codings, effective, QUOTES_PER_THEME),
        agreement=agreement,
        candidates=_candidates(study, units, effective, used),
        method=method,
    )


def _agreement(human: pd.DataFrame, machine: pd.DataFrame) -> pd.DataFrame | None:
    from microcred.qual.agreement import agreement_table, pairwise_agreement

    tables = []
    coders = sorted(human["coder"].dropna().unique())
    if len(coders) >= 2:
        table = agreement_table(human, coders=coders)
        table.insert(0, "pair", " vs ".join(coders))
        tables.append(table)
    if coders and not machine.empty:
        both = pd.concat([human, machine], ignore_index=True)
        shared = set(human["unit_id"]) & set(machine["unit_id"])
        if shared:
            machine_coder = sorted(machine["coder"].unique())[0]
            table = pairwise_agreement(both[both["unit_id"].isin(shared)], coders[0], machine_coder)
            table.insert(0, "pair", f"{coders[0]} vs {machine_coder}")
            tables.append(table)
    return pd.concat(tables, ignore_index=True) if tables else None


def _candidates(
    study: Study, units: pd.DataFrame, effective: pd.DataFrame, embedder: Embedder | None
) -> list[dict[str, Any]]:
    """Candidate themes among the units no code matched.

    Each is ``id, name, size`` (units), ``respondents`` (distinct respondents, or units
    for transcript turns without one), ``keywords`` (c-TF-IDF) and ``quotes``: the
    :data:`QUOTES_PER_THEME` units closest to the cluster centroid, as
    ``unit_id, respondent_id, document, text`` (personal data: the pipeline scrubs,
    pseudonymises and withholds them as it does the themes' quotes).
    """
    from microcred.privacy import scrub_text
    from microcred.qual.themes import discover_themes

    assert study.coding is not None
    if not study.coding.discover_themes or embedder is None or units.empty:
        return []
    uncoded = effective.fillna(0).astype(int).sum(axis=1) == 0
    rest = units[units["unit_id"].astype(str).isin(effective.index[uncoded])]
    if len(rest) < MIN_UNITS_FOR_DISCOVERY:
        return []
    languages = tuple(study.study.languages) or ("en",)
    # Keywords are shown as they are: they come from texts scrubbed of e-mail addresses,
    # phone numbers, URLs, ids and listed names. The quotes keep the unit's own text,
    # which the pipeline scrubs (and counts) with the themes' quotes.
    clean, _ = scrub_text(rest["text"].astype(object), study.privacy.names or None)
    themes = discover_themes(
        rest.assign(text=clean.to_numpy()), embedder, n_quotes=QUOTES_PER_THEME,
        languages=languages,
    )
    first = rest.drop_duplicates("unit_id")
    by_unit = first.set_index(pd.Index(first["unit_id"].astype(str).to_numpy(dtype=object)))
    person = by_unit["respondent_id"].astype(object).where(
        by_unit["respondent_id"].notna(), by_unit.index.to_series()
    )
    out = []
    for theme in themes:
        quotes = [
            {
                "unit_id": unit_id,
                "respondent_id": _or_none(by_unit.at[unit_id, "respondent_id"]),
                "document": _or_none(by_unit.at[unit_id, "document"]),
                "text": _or_none(by_unit.at[unit_id, "text"]),
            }
            for unit_id in theme.quote_unit_ids
        ]
        out.append(
            {
                "id": theme.code.id,
                "name": theme.code.label(),
                "size": theme.size,
                "respondents": int(person.loc[list(theme.unit_ids)].nunique()),
                "keywords": list(theme.keywords),
                "quotes": quotes,
            }
        )
    return out


def _or_none(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
