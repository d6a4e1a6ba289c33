"""What the privacy steps did, for the report's privacy section and results.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from microcred.privacy.base import PrivacyError

if TYPE_CHECKING:
    import pandas as pd

    from microcred.privacy.suppress import Suppression

__all__ = ["PrivacySummary"]

_KINDS = ("email", "phone", "url", "id", "name")
_KIND_WORDS = {
    "email": ("e-mail address", "e-mail addresses"),
    "phone": ("phone number", "phone numbers"),
    "url": ("web address", "web addresses"),
    "id": ("identity or bank account number", "identity or bank account numbers"),
    "name": ("listed name", "listed names"),
}


_SOURCE_WORDS = {
    "quote": ("quote", "quotes"),
    "validation": ("answer echoed by a data-quality check",
                   "answers echoed by data-quality checks"),  # fmt: skip
}


def _new_scrub_counts() -> dict[str, int]:
    return dict.fromkeys(_KINDS, 0)


@dataclass
class PrivacySummary:
    """Counts of what was done to protect respondents in one set of outputs.

    Build it while producing the outputs (the ``record_*`` methods add up), then give
    :meth:`as_dict` to the report. It holds counts only: never ids, texts or names.

    Attributes
    ----------
    k : int
        Threshold of small-cell suppression and quote withholding.
    pseudonymised : int
        Distinct respondent ids replaced by pseudonyms.
    texts_checked : int
        Free texts scanned for identifiers: every free text that reaches a shared
        output (quotes of themes and candidate themes, answers echoed by validation
        issues).
    texts_by_source : dict of str -> int
        ``texts_checked`` by what the texts are (``"quote"``, ``"validation"``),
        in the order recorded.
    scrubbed : dict of str -> int
        Replacements by kind (``email``, ``phone``, ``url``, ``id``, ``name``).
    names_listed : int
        How many names the user asked to remove (the names are not kept).
    tables : int
        Tables checked for small cells.
    tables_suppressed : int
        Tables in which at least one cell was hidden.
    suppressed_cells : int
        Cells hidden in all; ``primary_cells`` because their count was below ``k``,
        ``complementary_cells`` to stop those being worked out from totals.
    primary_cells, complementary_cells : int
    uniform_tables : int
        Tables so small that all their hidden cells are shown as ``"[c]"`` (see
        :attr:`microcred.privacy.Suppression.uniform`).
    survey_tables, survey_suppressed : int
        Of ``tables`` and ``tables_suppressed``, those of the survey results
        (:func:`microcred.privacy.shared.share_results`); the rest are other tables,
        such as the tables of themes.
    withheld_statistics : int
        Statistics withheld because they could give a hidden count back (means,
        medians, top-box shares of items with a hidden count).
    withheld_quotes : int
        Quotes not shown because their group had fewer than ``k`` respondents.
    withheld_profiles : int
        Learner profiles not shown (fewer than ``k`` respondents, or merged with such
        profiles; :func:`microcred.privacy.later.published_profiles`).
    """

    k: int = 5
    pseudonymised: int = 0
    texts_checked: int = 0
    texts_by_source: dict[str, int] = field(default_factory=dict)
    scrubbed: dict[str, int] = field(default_factory=_new_scrub_counts)
    names_listed: int = 0
    tables: int = 0
    tables_suppressed: int = 0
    suppressed_cells: int = 0
    primary_cells: int = 0
    complementary_cells: int = 0
    uniform_tables: int = 0
    survey_tables: int = 0
    survey_suppressed: int = 0
    withheld_statistics: int = 0
    withheld_quotes: int = 0
    withheld_profiles: int = 0

    def record_pseudonyms(self, n_ids: int) -> None:
        """Add ``n_ids`` distinct ids that were pseudonymised.

        Parameters
        ----------
        n_ids : int
            Distinct ids, e.g. ``ids.nunique()``.
        """
        self.pseudonymised += _count(n_ids, "n_ids")

    def record_scrub(
        self, counts: pd.DataFrame, n_texts: int = 0, source: str | None = None
    ) -> None:
        """Add the counts returned by :func:`microcred.privacy.scrub_text`.

        Parameters
        ----------
        counts : pandas.DataFrame
            ``kind`` and ``n`` columns (the second value :func:`scrub_text` returns).
        n_texts : int, default 0
            Texts that were scanned (non-missing), for the report.
        source : str, optional
            What the texts are (``"quote"``, ``"validation"``: answers echoed by
            validation issues): the report names each kind of text checked.

        Raises
        ------
        PrivacyError
            If ``counts`` lacks the ``kind`` or ``n`` column or names an unknown kind.
        """
        if "kind" not in counts.columns or "n" not in counts.columns:
            raise PrivacyError("scrub counts need 'kind' and 'n' columns")
        for kind, n in zip(counts["kind"], counts["n"], strict=True):
            if kind not in self.scrubbed:
                raise PrivacyError(f"unknown kind of identifier {kind!r}")
            self.scrubbed[kind] += _count(n, kind)
        n = _count(n_texts, "n_texts")
        self.texts_checked += n
        if source is not None:
            self.texts_by_source[source] = self.texts_by_source.get(source, 0) + n

    def record_suppression(self, suppression: Suppression, *, survey: bool = False) -> None:
        """Add one table's :class:`~microcred.privacy.Suppression`.

        Parameters
        ----------
        suppression : Suppression
            The result of :func:`~microcred.privacy.suppress_counts` (or the third value
            of :func:`~microcred.privacy.suppress_frequency_table`).
        survey : bool, default False
            ``True`` for a table of the survey results (counted in ``survey_tables``).
        """
        self.tables += 1
        self.survey_tables += int(survey)
        n = suppression.n_suppressed
        if n:
            self.tables_suppressed += 1
            self.survey_suppressed += int(survey)
        self.suppressed_cells += n
        self.primary_cells += suppression.n_primary
        self.complementary_cells += suppression.n_complementary
        self.uniform_tables += int(suppression.uniform)

    def record_withheld(self, n_quotes: int) -> None:
        """Add ``n_quotes`` withheld by :func:`~microcred.privacy.withhold_quotes`.

        Parameters
        ----------
        n_quotes : int
            The second value :func:`withhold_quotes` returns.
        """
        self.withheld_quotes += _count(n_quotes, "n_quotes")

    @property
    def scrubbed_total(self) -> int:
        """Replacements of every kind."""
        return sum(self.scrubbed.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy for the report and ``results.json``.

        Returns
        -------
        dict
            Every attribute (``scrubbed`` as a dict in the kinds' order), plus
            ``scrubbed_total``, ``small_label`` (``"<k"``) and ``sentences``: the
            plain-language lines of :meth:`describe`.
        """
        return {
            "k": self.k,
            "small_label": f"<{self.k}",
            "pseudonymised": self.pseudonymised,
            "texts_checked": self.texts_checked,
            "texts_by_source": dict(self.texts_by_source),
            "scrubbed": {kind: int(self.scrubbed.get(kind, 0)) for kind in self.scrubbed},
            "scrubbed_total": self.scrubbed_total,
            "names_listed": self.names_listed,
            "tables": self.tables,
            "tables_suppressed": self.tables_suppressed,
            "suppressed_cells": self.suppressed_cells,
            "primary_cells": self.primary_cells,
            "complementary_cells": self.complementary_cells,
            "uniform_tables": self.uniform_tables,
            "survey_tables": self.survey_tables,
            "survey_suppressed": self.survey_suppressed,
            "withheld_statistics": self.withheld_statistics,
            "withheld_quotes": self.withheld_quotes,
            "withheld_profiles": self.withheld_profiles,
            "sentences": self.describe(),
        }

    def describe(self) -> list[str]:
        """What was done, in plain English, one sentence per step.

        Returns
        -------
        list of str
            Sentences with counts only (no respondent data), for the privacy section.
        """
        lines = []
        if self.pseudonymised:
            lines.append(
                f"Respondent ids are shown as pseudonyms (keyed hash); "
                f"{_n(self.pseudonymised, 'id was', 'ids were')} replaced."
            )
        else:
            lines.append(
                "No respondent id appears in the shared outputs (any shown would be a "
                "keyed-hash pseudonym)."
            )
        found = [
            _n(self.scrubbed[kind], *_KIND_WORDS[kind])
            for kind in _KINDS
            if self.scrubbed.get(kind, 0)
        ]
        kinds = "e-mail addresses, phone numbers, web addresses and identity or bank account"
        kinds += " numbers" + (" and the listed names" if self.names_listed else "")
        if self.texts_by_source:
            parts = [
                _n(n, *_SOURCE_WORDS.get(source, (source, source + "s")))
                for source, n in self.texts_by_source.items()
            ]
            other = self.texts_checked - sum(self.texts_by_source.values())
            if other:
                parts.append(_n(other, "other free text", "other free texts"))
            scope = f"{_n(self.texts_checked, 'free text', 'free texts')} ({_join(parts)})"
        else:
            scope = _n(self.texts_checked, "free text", "free texts")
        if self.texts_checked == 0:
            lines.append(
                "No free text written by respondents reaches the shared outputs, so none "
                f"was checked for {kinds}."
            )
        elif found:
            lines.append(
                f"Every free text that reaches a shared output was checked for {kinds}: "
                f"in {scope}, {_join(found)} "
                f"{'was' if self.scrubbed_total == 1 else 'were'} found and replaced by "
                "placeholders such as [email] before any output."
            )
        else:
            lines.append(
                f"Every free text that reaches a shared output was checked for {kinds}: "
                f"none was found in {scope}."
            )
        if self.names_listed:
            lines.append(
                f"{_n(self.names_listed, 'name', 'names')} on the user's list "
                "were removed wherever they appeared."
            )
        if self.tables == 0:
            lines.append(
                "No table was checked for small cells: counts below "
                f"{self.k} are shown as they are in this output."
            )
        else:
            lines.append(
                f'Counts from 1 to {self.k - 1} are shown as "<{self.k}"; '
                f"{_n(self.primary_cells, 'cell', 'cells')} in "
                f"{_n(self.tables_suppressed, 'table', 'tables')} "
                f"{'was' if self.primary_cells == 1 else 'were'} hidden this way, and "
                f"{_n(self.complementary_cells, 'further cell', 'further cells')} "
                '(shown as "[c]") so that they cannot be worked out from the totals.'
            )
        if self.uniform_tables:
            lines.append(
                f"In {_n(self.uniform_tables, 'very small table', 'very small tables')} "
                'every hidden cell is shown as "[c]".'
            )
        if self.survey_tables:
            other = self.tables - self.survey_tables
            scope = _n(self.survey_tables, "survey table", "survey tables")
            if other:
                scope += (
                    f" and {_n(other, 'other table', 'other tables')} (themes, codes, "
                    "joint displays, learner profiles, design briefs and catalogue fit)"
                )
            lines.append(
                f"This was done in every shared output (report, tables, charts, design "
                f"briefs and results.json) for {scope}: item answers, rankings, segments, "
                "the sample by source and the comparisons between groups; "
                f"{_n(self.survey_suppressed, 'survey table', 'survey tables')} "
                f"{'has' if self.survey_suppressed == 1 else 'have'} hidden cells."
            )
            lines.append(
                "The percentage, confidence interval and any statistic of a hidden count "
                f"are hidden with it; an item answered by fewer than {self.k} respondents "
                "shows no breakdown, and an item with a hidden count shows no mean, median "
                f"or quartiles ({_n(self.withheld_statistics, 'statistic', 'statistics')} "
                "withheld). The exact counts are kept only in the project database."
            )
            lines.append(
                "A test whose table has a hidden count shows no statistic or effect size, "
                "and its p-value (and the Holm-adjusted p-values that depend on it) only as "
                "a bound, < 0.001, < 0.01, < 0.05 or ≥ 0.05, that holds for every table "
                "consistent with the published counts, so it rules none of them out; where "
                "no such bound holds, the p-value is withheld."
            )
        if self.withheld_profiles:
            lines.append(
                f"{_n(self.withheld_profiles, 'learner profile is', 'learner profiles are')} "
                f"not shown: a profile of fewer than {self.k} respondents (with, where "
                "needed, the smallest other profile) is counted under “Other profiles”, "
                "its name, traits, quotes and design brief withheld."
            )
        if self.texts_by_source.get("quote") or self.withheld_quotes:
            lines.append(
                f"Quotes from groups of fewer than {self.k} respondents are withheld "
                f"({self.withheld_quotes} withheld)."
            )
        return lines


def _count(value: object, what: str) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise PrivacyError(f"{what} must be a whole number, not {value!r}") from None
    if number < 0 or number != value:
        raise PrivacyError(f"{what} must be a whole number of at least 0, not {value!r}")
    return number


def _n(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
