"""Scrubbing identifiers out of free text: realistic multilingual answers and false alarms.

Identifiers used below are the published specimen values: the IBANs are the examples of
the ECBS IBAN registry / ISO 13616 (GB82 WEST 1234 5698 7654 32) and of the Spanish
banking association (ES91 2100 0418 4502 0005 1332); 12345678Z is a DNI with its
correct control letter (12345678 mod 23 = 14 -> Z); X1234567L likewise for an NIE;
QQ 12 34 56 C is HMRC's specimen National Insurance number; 020 7946 0958 and
07700 900123 are in Ofcom's ranges reserved for drama; 0000-0002-1825-0097 is ORCID's
specimen iD and 4111 1111 1111 1111 the usual Visa test card number (Luhn-valid).
"""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from microcred.privacy import KINDS, PrivacyError, find_identifiers, scrub_text


def scrub1(text: str, names: list[str] | None = None) -> str:
    out, _ = scrub_text(pd.Series([text]), names)
    return str(out.iloc[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # e-mail
        ("Escribidme a marta.puig@uoc.edu si queréis.", "Escribidme a [email] si queréis."),
        ("contact: J.Smith+course@mail.example.co.uk.", "contact: [email]."),
        ("mi correo es pere_89 [at] gmail [dot] com", "mi correo es [email]"),
        ("el meu correu: anna(arroba)xtec(punt)cat", "el meu correu: [email]"),
        # URLs
        ("Mirad https://www.uoc.edu/portal/ca/index.html.", "Mirad [url]."),
        ("my portfolio (www.example.org/~ana) is online", "my portfolio ([url]) is online"),
        ("see http://example.com/a_(b) now", "see [url] now"),
        ("link: HTTPS://Example.COM?q=1&x=2, thanks", "link: [url], thanks"),
        # phones, international
        ("Llamadme al +34 612 34 56 78, gracias", "Llamadme al [phone], gracias"),
        ("WhatsApp 0034 612345678", "WhatsApp [phone]"),
        ("UK office +44 (0)20 7946 0958", "UK office [phone]"),
        ("mobile +44 7700 900123 (drama range)", "mobile [phone] (drama range)"),
        ("appelez le +33 6 12 34 56 78", "appelez le [phone]"),
        ("ligue +351 912 345 678", "ligue [phone]"),
        ("call +1 415-555-2671", "call [phone]"),
        # phones, national formats
        ("Mi móvil: 612 34 56 78", "Mi móvil: [phone]"),
        ("Telèfon 93 123 45 67 (feina)", "Telèfon [phone] (feina)"),
        ("ring 020 7946 0958 after 5", "ring [phone] after 5"),
        ("US office (415) 555-2671", "US office [phone]"),
        ("tél. 06 12 34 56 78", "tél. [phone]"),
        ("telemóvel 912 345 678", "telemóvel [phone]"),
        # national ids and bank accounts
        ("Mi DNI es 12345678Z", "Mi DNI es [id]"),
        ("DNI: 12.345.678-Z", "DNI: [id]"),
        ("dni 12345678-z", "dni [id]"),
        ("NIE X1234567L o Y-1234567-X", "NIE [id] o [id]"),
        ("factura a B12345674", "factura a [id]"),
        ("NI number QQ 12 34 56 C", "NI number [id]"),
        ("ni: qq123456c", "ni: [id]"),
        ("SSN 123-45-6789", "SSN [id]"),
        ("IBAN ES91 2100 0418 4502 0005 1332 OK", "IBAN [id] OK"),
        ("pay GB82WEST12345698765432 today", "pay [id] today"),
        ("ORCID 0000-0002-1825-0097", "ORCID [id]"),
        ("card 4111 1111 1111 1111, exp 12/29", "card [id], exp 12/29"),
    ],
)
def test_identifiers_are_replaced(text: str, expected: str) -> None:
    assert scrub1(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "En 2019 y 2020 hice 3 cursos de 6 ECTS.",
        "2018 2019 2020 2021",
        "Vaig començar el 15/03/2021 i vaig acabar el 30/06/2022.",
        "I use R 4.0.2 and Python 3.11.4 (numpy 1.26.0).",
        "It takes 1-2 hours a week, 10-15 hours in total.",
        "Un 75% lo recomienda; el 12,5 % no.",
        "El curso costó 1.200 € (o 1.500,00 € con IVA), unos 49,99€/mes.",
        "It cost $1,250.00 or £999.",
        "Horario 9:00-14:00 y 15:30-18:00",
        "between 1990-2000, and 2001 - 2010",
        "ISBN 978-84-9788-123-4",
        "Tenia 12345678 seguidores y 87654321 a favor",
        "Group 3 had 45 people, group 12 had 120.",
        "score 4/5, 9/10",
        "version 2.3.4.5 build 20190101",
        "el 3r curs, el 2n trimestre i 1a edició",
        "1234 5678 9012 3456 and ref 1234567890123",  # fail the Luhn check
        "DOI 10.1145/3290605.3300233, IP 192.168.1.10, ISO 9001:2015",
        "C/ Mallorca 401, 08013 Barcelona",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert scrub1(text) == text


def test_names_are_word_case_and_accent_insensitive() -> None:
    names = ["Pilar Pérez Galdós", "José García", "Ana", "Núria"]
    text = (
        "Mi tutora pilar perez-galdos me ayudó; JOSE GARCIA también. "
        "Ana, Mariana y la analista Nuria Puig."
    )
    assert scrub1(text, names) == (
        "Mi tutora [name] me ayudó; [name] también. [name], Mariana y la analista [name] Puig."
    )


def test_names_in_decomposed_unicode_leave_no_stray_accents() -> None:
    text = unicodedata.normalize("NFD", "Gràcies a la Núria i al Josep.")
    assert scrub1(text, ["Nuria", "Josep"]) == unicodedata.normalize(
        "NFD", "Gràcies a la [name] i al [name]."
    )


def test_longer_name_wins_over_a_shorter_one_inside_it() -> None:
    out = scrub1("Thanks to Ana Maria Lopez and Ana.", ["Ana", "Ana María López"])
    assert out == "Thanks to [name] and [name]."


def test_counts_by_kind_and_missing_values() -> None:
    texts = pd.Series(
        [
            "a@b.org and c@d.org, +34 612 34 56 78",
            None,
            "see www.uoc.edu, Marta",
            "",
            float("nan"),
            "nothing here",
        ],
        index=list("abcdef"),
        name="other_text",
    )
    out, counts = scrub_text(texts, names=["Marta"])
    assert out.index.tolist() == list("abcdef") and out.name == "other_text"
    assert out["a"] == "[email] and [email], [phone]"
    assert pd.isna(out["b"]) and pd.isna(out["e"])
    assert out["c"] == "see [url], [name]"
    assert out["d"] == "" and out["f"] == "nothing here"
    assert counts["kind"].tolist() == list(KINDS)
    table = counts.set_index("kind")
    assert table.loc["email", "n"] == 2 and table.loc["email", "n_texts"] == 1
    assert table.loc["phone", "n"] == 1
    assert table.loc["url", "n"] == 1 and table.loc["name", "n"] == 1
    assert table.loc["id", "n"] == 0
    assert table["placeholder"].tolist() == ["[email]", "[phone]", "[url]", "[id]", "[name]"]


def test_string_dtype_is_kept_and_numbers_become_text() -> None:
    out, _ = scrub_text(pd.Series(["mail x@y.com", None], dtype="string"))
    assert isinstance(out.dtype, pd.StringDtype)
    assert out.iloc[0] == "mail [email]" and pd.isna(out.iloc[1])
    out, counts = scrub_text(pd.Series([612345678, 2019]))
    assert out.tolist() == ["[phone]", "2019"]


def test_placeholders_are_not_rescanned_and_overlaps_resolved() -> None:
    # the e-mail inside the URL belongs to the URL; the name "Url" is not found in "[url]"
    assert scrub1("https://x.org/?to=a@b.com", ["url", "email"]) == "[url]"
    spans = find_identifiers("write to a@b.com or +34 612 34 56 78")
    assert [kind for *_, kind in spans] == ["email", "phone"]
    assert spans[0][:2] == (9, 16)


def test_regions_limit_national_formats_only() -> None:
    text = "ring 020 7946 0958 or +34 612 34 56 78"
    out, _ = scrub_text(pd.Series([text]), regions=["ES"])
    assert out.iloc[0] == "ring 020 7946 0958 or [phone]"
    out, _ = scrub_text(pd.Series([text]), regions=[])
    assert out.iloc[0] == "ring 020 7946 0958 or [phone]"


@pytest.mark.parametrize("names", ["Marta", ["Marta", 3]])
def test_bad_names_are_refused_without_quoting_texts(names: object) -> None:
    with pytest.raises(PrivacyError) as info:
        scrub_text(pd.Series(["secret answer"]), names)  # type: ignore[arg-type]
    assert "secret" not in str(info.value)
