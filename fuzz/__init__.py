"""Fuzzing of microcred's importers and study-file parser (hypothesis-driven).

``python fuzz/run.py`` (or ``python -m fuzz.run``) runs every importer on generated
hostile and broken inputs and prints, per importer, the inputs tried, the crashes and
the time. :mod:`fuzz.inputs` builds the inputs, :mod:`fuzz.targets` runs one input
through one importer and decides whether the outcome is acceptable.
"""
