"""Keyed-hash pseudonyms for respondent ids, and the per-study key kept in the project db.

A pseudonym is ``prefix`` + the first characters of the lower-case base32 text of
HMAC-SHA256(key, id). Without the key the mapping cannot be recomputed or reversed
(it is a keyed pseudonymisation, not an anonymisation: whoever holds the key and an id
can recompute the pseudonym). The key lives in the ``privacy_keys`` table of the project
database, so the same respondent gets the same pseudonym in every run of a study, and
deleting the key row breaks the link for good.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from microcred.privacy.base import PrivacyError, PrivacyKeyError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

__all__ = [
    "KEY_BYTES",
    "MIN_KEY_BYTES",
    "PrivacyKeyError",
    "load_or_create_key",
    "new_key",
    "pseudonymise",
]

KEY_BYTES = 32
"""Length of a new key: 256 bits, the HMAC-SHA256 block-size recommendation (RFC 2104)."""

MIN_KEY_BYTES = 16
"""Shortest key accepted (128 bits; NIST SP 800-107 Rev. 1 on HMAC key lengths)."""

_MAX_CHARS = 52  # 256 bits of base32 without padding


def new_key() -> bytes:
    """A fresh random pseudonymisation key.

    Returns
    -------
    bytes
        :data:`KEY_BYTES` bytes from the operating system's CSPRNG
        (:func:`secrets.token_bytes`).
    """
    return secrets.token_bytes(KEY_BYTES)


def _check_key(key: object) -> bytes:
    if not isinstance(key, bytes | bytearray):
        raise PrivacyKeyError(f"the pseudonymisation key must be bytes, not {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise PrivacyKeyError(
            f"the pseudonymisation key has {len(key)} bytes; at least {MIN_KEY_BYTES} are needed"
        )
    return bytes(key)


def _code(key: bytes, value: str) -> str:
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def pseudonymise(ids: pd.Series, key: bytes, prefix: str = "R", *, length: int = 10) -> pd.Series:
    """Replace respondent ids by keyed-hash pseudonyms.

    Parameters
    ----------
    ids : pandas.Series, shape (n,)
        Respondent ids (any values; each non-missing value is taken as ``str(value)``).
        The same id may appear many times (long data).
    key : bytes
        Secret key, at least :data:`MIN_KEY_BYTES` bytes (use :func:`new_key` or
        :func:`load_or_create_key`).
    prefix : str, default "R"
        Put before every pseudonym, e.g. ``"Rk3q9m2xa7d"``.
    length : int, default 10
        Base32 characters kept from the 256-bit HMAC (10 characters = 50 bits). When
        two different ids of ``ids`` would share a pseudonym, every pseudonym of the
        call is lengthened by 2 characters until all are distinct (at most 52).

    Returns
    -------
    pandas.Series of str, shape (n,)
        Same index and name as ``ids``; missing ids stay missing (``None``). Equal ids
        get equal pseudonyms, different ids different ones; the same key, id and
        ``length`` always give the same pseudonym.

    Raises
    ------
    PrivacyKeyError
        If ``key`` is not bytes or is shorter than :data:`MIN_KEY_BYTES`.
    PrivacyError
        If ``length`` is not a whole number between 1 and 52.

    Notes
    -----
    A keyed hash rather than a plain hash: respondent ids are often guessable (row
    numbers, e-mail addresses), and an unkeyed hash of a guessable value is reversed by
    trying every candidate. HMAC-SHA256 (RFC 2104, FIPS 198-1) with a secret key is the
    pseudonymisation technique "keyed-hash function with stored key" described by
    ENISA (2019). Truncation keeps the pseudonyms short; 50 bits make a collision among
    100 000 ids improbable (birthday bound about 4e-6), and a collision is detected and
    removed anyway.

    References
    ----------
    .. [1] Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: Keyed-hashing for
       message authentication. RFC 2104.
    .. [2] ENISA (2019). Pseudonymisation techniques and best practices. European
       Union Agency for Cybersecurity.

    Examples
    --------
    >>> import pandas as pd
    >>> key = bytes(range(32))
    >>> pseudonymise(pd.Series(["r1", "r2", "r1"]), key).tolist()  # doctest: +SKIP
    ['R...', 'R...', 'R...']
    """
    import pandas as pd

    key = _check_key(key)
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= _MAX_CHARS:
        raise PrivacyError(f"length must be an integer from 1 to {_MAX_CHARS}, not {length!r}")
    values = pd.Series(ids)
    present = values.notna()
    texts = values[present].map(str)
    unique = list(dict.fromkeys(texts.tolist()))
    codes = {value: _code(key, value) for value in unique}
    n_chars = length
    while n_chars < _MAX_CHARS and len({code[:n_chars] for code in codes.values()}) < len(codes):
        n_chars = min(n_chars + 2, _MAX_CHARS)
    mapping = {value: f"{prefix}{code[:n_chars]}" for value, code in codes.items()}
    out = pd.Series([None] * len(values), index=values.index, name=values.name, dtype=object)
    out[present] = texts.map(mapping).to_numpy(dtype=object)
    return out


def _privacy_keys_table(metadata: Any) -> Any:
    from sqlalchemy import Column, DateTime, LargeBinary, String, Table

    return Table(
        "privacy_keys",
        metadata,
        Column("study_id", String(64), primary_key=True),
        Column("key", LargeBinary, nullable=False),
        Column("created", DateTime(timezone=True), nullable=False),
    )


def load_or_create_key(engine_or_url: Engine | str, study_id: str) -> bytes:
    """The study's pseudonymisation key from the project database, created when missing.

    Parameters
    ----------
    engine_or_url : sqlalchemy.engine.Engine or str
        The project database (e.g. :meth:`microcred.store.Project.default_url`) or an
        engine connected to it. The ``privacy_keys`` table (``study_id``, ``key``,
        ``created``) is created if it does not exist; no other table is touched.
    study_id : str
        The study's id (at most 64 characters).

    Returns
    -------
    bytes
        The stored key, or a new :func:`new_key` that is stored first. Two processes
        asking at once get the same key (the first insert wins, the other reads it).

    Raises
    ------
    PrivacyKeyError
        If ``study_id`` is empty or too long, or the stored key is shorter than
        :data:`MIN_KEY_BYTES`.
    microcred.store.StoreError
        If the database cannot be opened, read or written (the message shows the URL
        with its password masked).

    Notes
    -----
    The key is stored in the clear, beside the data it protects: anyone who can read
    the project database can already read the real ids, so the key adds no exposure
    there, while every output shared from it (report, tables, exports) carries only
    pseudonyms. Deleting the study's row makes earlier pseudonyms unlinkable.
    """
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from sqlalchemy import exc as sa_exc

    from microcred.store.base import StoreError, redacted_url

    if not isinstance(study_id, str) or not study_id or len(study_id) > 64:
        raise PrivacyKeyError(f"study id must be a text of 1 to 64 characters, not {study_id!r}")
    own = isinstance(engine_or_url, str)
    if own:
        shown = redacted_url(str(engine_or_url))
        try:
            engine = sa.create_engine(str(engine_or_url), hide_parameters=True)
        except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError, ValueError):
            raise StoreError(f"cannot use database {shown}") from None
    else:
        engine = engine_or_url  # type: ignore[assignment]
        shown = redacted_url(engine.url.render_as_string(hide_password=True))
    metadata = sa.MetaData()
    table = _privacy_keys_table(metadata)
    try:
        try:
            metadata.create_all(engine, checkfirst=True)
        except sa_exc.DBAPIError:
            # another process may have created it between the check and the CREATE
            metadata.create_all(engine, checkfirst=True)
        query = sa.select(table.c.key).where(table.c.study_id == study_id)
        with engine.connect() as conn:
            stored = conn.execute(query).scalar_one_or_none()
        if stored is None:
            key = new_key()
            try:
                with engine.begin() as conn:
                    conn.execute(
                        table.insert().values(study_id=study_id, key=key, created=datetime.now(UTC))
                    )
                stored = key
            except sa_exc.IntegrityError:
                with engine.connect() as conn:
                    stored = conn.execute(query).scalar_one()
    except sa_exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise StoreError(
            f"{shown}: cannot read or store the pseudonymisation key "
            f"({type(exc).__name__}: {reason[0] if reason else ''})"
        ) from None
    finally:
        if own:
            engine.dispose()
    return _check_key(bytes(stored))
