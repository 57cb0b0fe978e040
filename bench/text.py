"""Benchmark of the offline language tools on synthetic multilingual comments.

    .venv/bin/python bench/text.py            # 100,000 comments (target: under 5 minutes)
    .venv/bin/python bench/text.py --n 5000   # quick run

Stages: redaction, embedding (USE v3 for en/es/pt, TF-IDF for Danish inside find_themes),
clustering with labels and quotes, sentiment. Prints comments per second per stage, the total,
peak resident memory, how well themes recover the generating topics, and two baselines measured
in the same run: TF-IDF+LSA vectorising of the same comments, and the model called one comment
at a time on a sample.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter

import numpy as np

from civicloop.text.corpus import synthetic_comments
from civicloop.text.redact import redact
from civicloop.text.sentiment import sentiment
from civicloop.text.themes import MODEL_BUDGET, find_themes
from civicloop.text.vectors import _load_model, embed


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _row(stage: str, n: int, seconds: float) -> None:
    rate = n / seconds if seconds > 0 else float("inf")
    print(f"{stage:<34} {n:>8,} {seconds:>9.1f} s {rate:>11,.0f} /s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--baseline-sample", type=int, default=500)
    parser.add_argument(
        "--model-budget",
        type=int,
        default=MODEL_BUDGET,
        help="distinct comments embedded by the model (0: all); the rest join by TF-IDF",
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    texts, languages, topics = synthetic_comments(args.n, seed=args.seed)
    generated = time.perf_counter() - t0
    print(f"{args.n:,} synthetic comments ({len(set(texts)):,} distinct), ", end="")
    print(f"languages {dict(Counter(languages))}, generated in {generated:.1f} s (not counted)")
    print(f"{'stage':<34} {'items':>8} {'time':>11} {'throughput':>14}")

    start = time.perf_counter()

    t = time.perf_counter()
    model = _load_model()
    _row("load model", 1, time.perf_counter() - t)

    t = time.perf_counter()
    redacted, placeholders = [], Counter()
    for text, language in zip(texts, languages, strict=True):
        result = redact(text, language)
        redacted.append(result.text)
        placeholders.update({k: v for k, v in result.counts.items() if v})
    _row("redact", args.n, time.perf_counter() - t)

    themes = find_themes(redacted, languages, model_budget=args.model_budget or None)
    stats = themes.stats
    embed_seconds = stats["seconds_vectors"]
    _row("vectors (USE sample + TF-IDF da)", int(stats["embedded"]), embed_seconds)
    _row("cluster, propagate, label, quotes", args.n, stats["seconds_total"] - embed_seconds)
    print(f"  ({int(stats['embedded']):,} comments with a vector: {int(stats['model_texts']):,}")
    print(f"   distinct texts through the model in {stats['seconds_model']:.1f} s, the Danish by")
    print(f"   TF-IDF; {int(stats['propagated']):,} joined their theme by TF-IDF centroid)")

    t = time.perf_counter()
    scores = [sentiment(text, lang).score for text, lang in zip(redacted, languages, strict=True)]
    _row("sentiment", args.n, time.perf_counter() - t)

    total = time.perf_counter() - start
    print(
        f"{'TOTAL (load..sentiment)':<34} {args.n:>8,} {total:>9.1f} s {args.n / total:>11,.0f} /s"
    )
    print(f"peak resident memory: {_peak_mb():,.0f} MB")
    print(f"placeholders written: {dict(placeholders)}")
    print(f"mean sentiment {np.mean(scores):+.3f}; themes found: {len(themes.themes)}")
    for theme in themes.themes[:12]:
        print(f"  {theme.id:<4} {theme.size:>7,}  {theme.label}")

    # Topic purity: share of comments whose theme's majority topic is their own topic.
    by_theme: dict[str, Counter] = {}
    for assigned, topic in zip(themes.assignments, topics, strict=True):
        by_theme.setdefault(assigned or "-", Counter())[topic] += 1
    purity = sum(c.most_common(1)[0][1] for c in by_theme.values()) / args.n
    print(f"topic purity of themes: {purity:.3f}")
    en_es = [i for i, lang in enumerate(languages) if lang in ("en", "es")]
    mixed = sum(
        1
        for theme in themes.themes
        if {languages[i] for i in en_es if themes.assignments[i] == theme.id} >= {"en", "es"}
    )
    print(f"themes holding both English and Spanish comments: {mixed} of {len(themes.themes)}")

    print("baselines, same run:")
    t = time.perf_counter()
    embed(redacted, backend="tfidf")
    tfidf_seconds = time.perf_counter() - t
    _row("  TF-IDF + LSA(256) vectorising", args.n, tfidf_seconds)
    model_rate = stats["model_texts"] / stats["seconds_model"]
    print(f"  model {model_rate:,.0f}/s vs TF-IDF {args.n / tfidf_seconds:,.0f}/s: ", end="")
    print(f"TF-IDF is {args.n / tfidf_seconds / model_rate:.0f}x faster per comment")
    sample = [redacted[i] for i, lang in enumerate(languages) if lang in ("en", "es")]
    sample = sample[: args.baseline_sample]
    t = time.perf_counter()
    for text in sample:
        model.encode([text])
    naive = time.perf_counter() - t
    t = time.perf_counter()
    model.encode(sample)
    batched = time.perf_counter() - t
    _row("  model, one comment per call", len(sample), naive)
    _row("  model, one batched call", len(sample), batched)
    print(f"  batching speed-up: {naive / batched:.1f}x")
    print(f"peak resident memory (after baselines): {_peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
