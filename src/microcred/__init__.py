"""microcred: learners' motivations and preferences for micro-credentials, end to end.

The package mirrors the pipeline: :mod:`microcred.study` (the instrument),
:mod:`microcred.ingest` (survey exports), :mod:`microcred.store` (the project
database), :mod:`microcred.quant` (statistics), :mod:`microcred.report` (outputs)
and :mod:`microcred.pipeline` (one reproducible run). Heavy libraries are imported
lazily so that ``microcred --help`` starts fast.
"""

__version__ = "0.1.0"
