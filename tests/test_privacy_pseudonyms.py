"""Keyed-hash pseudonyms and the per-study key in the project database."""

from __future__ import annotations

import base64
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from microcred.privacy import (
    PrivacyError,
    PrivacyKeyError,
    load_or_create_key,
    new_key,
    pseudonymise,
)
from microcred.store import Project, StoreError

# RFC 4231, section 4.2 (HMAC-SHA256 test case 1): key = 0x0b * 20, data = "Hi There".
RFC4231_KEY = b"\x0b" * 20
RFC4231_MAC = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"


def _b32(hex_digest: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_digest)).decode().rstrip("=").lower()


def test_pseudonym_is_truncated_base32_of_the_rfc4231_hmac() -> None:
    out = pseudonymise(pd.Series(["Hi There"]), RFC4231_KEY)
    assert out.tolist() == ["R" + _b32(RFC4231_MAC)[:10]]
    longer = pseudonymise(pd.Series(["Hi There"]), RFC4231_KEY, prefix="P-", length=16)
    assert longer.tolist() == ["P-" + _b32(RFC4231_MAC)[:16]]


def test_equal_ids_equal_pseudonyms_index_name_and_missing_kept() -> None:
    key = RFC4231_KEY  # fixed: a random key could spell "r1" inside a pseudonym by chance
    ids = pd.Series(["r1", "r2", None, "r1", 7], index=[10, 11, 12, 13, 14], name="respondent_id")
    out = pseudonymise(ids, key)
    assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert out.name == "respondent_id"
    assert out[10] == out[13] != out[11]
    assert out[12] is None
    assert out[14] == pseudonymise(pd.Series(["7"]), key)[0]  # values are taken as str
    assert all(len(p) == 11 and p.startswith("R") for p in out.dropna())
    assert not any(raw in p for p in out.dropna() for raw in ("r1", "r2"))


def test_stable_for_the_key_and_different_across_keys() -> None:
    ids = pd.Series([f"resp{i}" for i in range(50)])
    key = new_key()
    assert pseudonymise(ids, key).tolist() == pseudonymise(ids, bytes(key)).tolist()
    other = pseudonymise(ids, new_key())
    assert set(other).isdisjoint(set(pseudonymise(ids, key)))


def test_collisions_are_detected_and_lengthened() -> None:
    # 1 base32 character has 32 values: 100 ids must collide, so all get longer
    ids = pd.Series([f"id{i}" for i in range(100)])
    out = pseudonymise(ids, RFC4231_KEY, length=1)
    assert out.nunique() == 100
    lengths = {len(p) for p in out}
    assert len(lengths) == 1 and lengths.pop() > 2
    # a single id never collides: it keeps the asked length
    assert len(pseudonymise(ids[:1], RFC4231_KEY, length=1)[0]) == 2


@pytest.mark.parametrize("key", [b"short", "not bytes" * 4, None])
def test_bad_keys_are_refused(key: object) -> None:
    with pytest.raises(PrivacyKeyError):
        pseudonymise(pd.Series(["a"]), key)  # type: ignore[arg-type]


@pytest.mark.parametrize("length", [0, 53, 2.5, True])
def test_bad_length_is_refused(length: object) -> None:
    with pytest.raises(PrivacyError):
        pseudonymise(pd.Series(["a"]), new_key(), length=length)  # type: ignore[arg-type]


def test_new_key_is_32_random_bytes() -> None:
    keys = {new_key() for _ in range(20)}
    assert len(keys) == 20 and all(len(k) == 32 for k in keys)


def test_key_is_created_once_and_kept_per_study(tmp_path) -> None:
    url = Project.default_url(tmp_path)
    first = load_or_create_key(url, "uoc-2023")
    assert len(first) == 32
    assert load_or_create_key(url, "uoc-2023") == first
    other = load_or_create_key(url, "other-study")
    assert other != first
    with sqlite3.connect(tmp_path / "microcred.db") as conn:
        rows = conn.execute("SELECT study_id, length(key), created FROM privacy_keys").fetchall()
    assert sorted(r[0] for r in rows) == ["other-study", "uoc-2023"]
    assert all(r[1] == 32 and r[2] for r in rows)


def test_key_lives_beside_the_store_tables(tmp_path) -> None:
    url = Project.default_url(tmp_path)
    with Project(url) as project:
        assert project.studies().empty
    key = load_or_create_key(url, "uoc-2023")
    with Project(url) as project:  # the store still opens its database
        assert project.studies().empty
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        assert load_or_create_key(engine, "uoc-2023") == key
        assert "privacy_keys" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_concurrent_callers_get_the_same_key(tmp_path) -> None:
    url = Project.default_url(tmp_path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        keys = list(pool.map(lambda _: load_or_create_key(url, "s"), range(8)))
    assert len(set(keys)) == 1


def test_database_errors_are_store_errors(tmp_path) -> None:
    with pytest.raises(StoreError) as info:
        load_or_create_key("nosuchdialect://user:secret@host/db", "s")
    assert "secret" not in str(info.value)
    folder = tmp_path / "is-a-folder.db"
    folder.mkdir()
    with pytest.raises(StoreError):
        load_or_create_key(f"sqlite:///{folder}", "s")


@pytest.mark.parametrize("study_id", ["", "x" * 65, None])
def test_bad_study_ids_are_refused(tmp_path, study_id: object) -> None:
    with pytest.raises(PrivacyKeyError):
        load_or_create_key(Project.default_url(tmp_path), study_id)  # type: ignore[arg-type]


def test_a_short_stored_key_is_refused(tmp_path) -> None:
    url = Project.default_url(tmp_path)
    load_or_create_key(url, "s")
    with sqlite3.connect(tmp_path / "microcred.db") as conn:
        conn.execute("UPDATE privacy_keys SET key = x'00'")
    with pytest.raises(PrivacyKeyError):
        load_or_create_key(url, "s")
