"""Lazy package exports (PEP 562): names load their module on first use.

Packages whose modules import pandas, SciPy or SQLAlchemy export their public names
through :func:`load` so that ``import microcred.<stage>`` and ``microcred --help`` stay
cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any


def load(package: str, exports: Mapping[str, str], name: str) -> Any:
    """The attribute ``name`` of ``package``, imported from its module on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str -> str
        Public name -> module (relative to the package) that defines it.
    name : str
        The attribute asked for.

    Returns
    -------
    object

    Raises
    ------
    AttributeError
        When ``name`` is not exported, as Python expects from a module ``__getattr__``.
    """
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return getattr(import_module(f"{package}.{module}"), name)
