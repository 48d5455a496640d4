"""How much the authored text looks like real text: length, quotes, neutral share, bigram variety, vocabulary.

Each part of the corpus (authored v1, authored v2, seed, and realdev when
present) gets one row; the datasheet prints the table. Bigram variety is
measured on equal-sized random samples, since distinct bigrams grow with
the number of sentences.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

WORD = re.compile(r"[a-z][a-z'’-]*")
QUOTE = re.compile(r"[“”\"]|(?:^|\s)‘|’(?:\s|[.,;:!?]|$)")
SAMPLE_SIZE = 150
N_SAMPLES = 20
VARIETY_SEED = 20221203


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def bigrams_per_thousand(texts: list[str], sample_size: int = SAMPLE_SIZE, n_samples: int = N_SAMPLES,
                         seed: int = VARIETY_SEED) -> float:
    """Distinct word bigrams in random samples of ``sample_size`` sentences, scaled to 1,000 sentences."""
    rng = np.random.default_rng(seed)
    tokenized = [words(t) for t in texts]
    size = min(sample_size, len(tokenized))
    counts = []
    for _ in range(n_samples):
        rows = rng.choice(len(tokenized), size=size, replace=False)
        counts.append(len({pair for i in rows for pair in zip(tokenized[i], tokenized[i][1:])}))
    return float(np.mean(counts) * 1000 / size)


def vocabulary_coverage(part: list[str], reference: list[str]) -> float:
    """Share of the reference's word occurrences whose word occurs somewhere in ``part``."""
    vocabulary = {w for t in part for w in words(t)}
    tokens = [w for t in reference for w in words(t)]
    return float(np.mean([w in vocabulary for w in tokens])) if tokens else float("nan")


def variety_row(frame: pd.DataFrame, reference: pd.DataFrame | None) -> dict:
    texts = frame["text"].astype(str).tolist()
    lengths = np.array([len(t.split()) for t in texts])
    row = {"sentences": len(texts), "documents": int(frame["doc_id"].nunique()),
           "words_median": float(np.median(lengths)), "words_p10": float(np.percentile(lengths, 10)),
           "words_p90": float(np.percentile(lengths, 90)),
           "share_with_quotes": float(np.mean([bool(QUOTE.search(t)) for t in texts])),
           "share_neutral": float((frame["label"] == "neutral").mean()),
           "share_attributed": float(frame["attributed"].astype(bool).mean()),
           "bigrams_per_1000": bigrams_per_thousand(texts)}
    if reference is not None:
        row["covers_reference_words"] = vocabulary_coverage(texts, reference["text"].astype(str).tolist())
    return row


def variety_table(parts: dict[str, pd.DataFrame], reference: str | None = None) -> pd.DataFrame:
    """One row per part; ``covers_reference_words`` against ``parts[reference]`` (realdev, else seed)."""
    ref = parts.get(reference) if reference else None
    table = pd.DataFrame([variety_row(frame, ref) for frame in parts.values()], index=list(parts))
    return table.round(3).astype({"sentences": int, "documents": int})


def corpus_parts(corpus: pd.DataFrame, realdev: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Authored v1 (the first 4,140 sentences' files), authored v2 (``v2-*`` files), seed, realdev."""
    authored = corpus[corpus["source"] == "authored"]
    is_v2 = authored["file"].str.startswith("v2-")
    parts = {"authored v1": authored[~is_v2], "authored v2": authored[is_v2],
             "seed (5 real articles)": corpus[corpus["source"] == "seed"]}
    if realdev is not None:
        parts["realdev (50 real articles)"] = realdev
    return {name: frame for name, frame in parts.items() if len(frame)}
