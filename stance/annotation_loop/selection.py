"""Which sentences to ask an annotator about: active-learning strategies over model probabilities.

Every strategy ranks candidate sentences and then takes them greedily, skipping
any sentence whose character n-gram cosine to one already taken (or to an
``exclude`` text, e.g. the annotated corpus) reaches the near-duplicate
threshold: one label per wording is enough.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import hstack, vstack
from sklearn.feature_extraction.text import TfidfVectorizer

from stance.annotations.annotated_corpus import NEAR_DUPLICATE_THRESHOLD
from stance.config import LABELS

STRATEGIES = ("uncertainty", "margin", "entropy", "diverse", "random")
PROBA_COLUMNS = [f"p_{label}" for label in LABELS]
SELECTION_SEED = 20221205  # the Monday after Macron's remark was published
DIVERSE_POOL_FACTOR = 4  # diverse draws from the 4n most uncertain sentences
DIVERSE_REPEAT_DISCOUNT = 0.5  # each earlier pick from the same cluster (or outlet) halves a candidate's score


def informativeness(proba: np.ndarray, strategy: str) -> np.ndarray:
    """Higher is more worth labelling: least confidence, smallest top-two margin, or entropy."""
    proba = np.asarray(proba, dtype=float)
    ordered = np.sort(proba, axis=1)
    if strategy == "uncertainty":
        return 1.0 - ordered[:, -1]
    if strategy == "margin":
        return 1.0 - (ordered[:, -1] - ordered[:, -2])
    if strategy in ("entropy", "diverse"):
        return -(proba * np.log(np.clip(proba, 1e-12, 1.0))).sum(axis=1)
    raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")


def choose(texts: list[str], proba: np.ndarray, n: int, strategy: str, outlets=None, exclude=(),
           seed: int = SELECTION_SEED, threshold: float = NEAR_DUPLICATE_THRESHOLD) -> list[int]:
    """Positions of up to ``n`` sentences to label, best first, no two near-identical.

    ``diverse`` takes the ``4n`` highest-entropy sentences and picks greedily
    by entropy discounted for clusters (k-means on word and character
    n-grams) and outlets already picked, so one round covers many kinds of
    sentence and many outlets instead of n variants of one hard case.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    texts = [str(t) for t in texts]
    if not texts or n <= 0:
        return []
    rng = np.random.default_rng(seed)
    if strategy == "random":
        order = rng.permutation(len(texts))
    else:
        scores = informativeness(proba, strategy) + rng.uniform(0, 1e-9, len(texts))  # ties: random, not by position
        order = np.argsort(-scores, kind="stable")
    if strategy == "diverse":
        order = _diverse_order(texts, scores, order[:DIVERSE_POOL_FACTOR * n], n, outlets, seed)
    return _without_near_duplicates(texts, order, n, list(exclude), threshold)


def _diverse_order(texts, scores, pool, n, outlets, seed) -> np.ndarray:
    """``pool`` reordered greedily by score discounted for repeated clusters and outlets."""
    from sklearn.cluster import KMeans

    pool = np.asarray(pool)
    n_clusters = max(1, min(n, len(pool)))
    vectors = _ngram_space([texts[i] for i in pool])
    clusters = (KMeans(n_clusters=n_clusters, n_init=3, random_state=seed).fit_predict(vectors)
                if n_clusters > 1 else np.zeros(len(pool), dtype=int))
    outlet_of = np.asarray(outlets, dtype=object)[pool] if outlets is not None else np.zeros(len(pool), dtype=object)
    taken_cluster, taken_outlet = {}, {}
    remaining, order = list(range(len(pool))), []
    while remaining:
        value = [scores[pool[k]] * DIVERSE_REPEAT_DISCOUNT ** (taken_cluster.get(clusters[k], 0)
                                                                + taken_outlet.get(outlet_of[k], 0))
                 for k in remaining]
        k = remaining.pop(int(np.argmax(value)))
        taken_cluster[clusters[k]] = taken_cluster.get(clusters[k], 0) + 1
        taken_outlet[outlet_of[k]] = taken_outlet.get(outlet_of[k], 0) + 1
        order.append(pool[k])
    return np.asarray(order)


def _ngram_space(texts: list[str]):
    """Word 1-2-gram and character 3-5-gram TF-IDF, side by side (rows unit length each)."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    return hstack([words, chars]).tocsr()


def _without_near_duplicates(texts, order, n, exclude, threshold) -> list[int]:
    """The first ``n`` of ``order`` whose cosine to every earlier pick and every ``exclude`` text is below threshold."""
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True).fit(texts + exclude)
    candidates = vectorizer.transform([texts[i] for i in order])
    taken = vectorizer.transform(exclude) if exclude else None
    picked = []
    for row, position in enumerate(order):
        vector = candidates[row]
        if taken is not None and (taken @ vector.T).max() >= threshold:
            continue
        picked.append(int(position))
        taken = vector if taken is None else vstack([taken, vector]).tocsr()
        if len(picked) == n:
            break
    return picked


def with_context(labels: pd.DataFrame) -> pd.DataFrame:
    """``labels`` with ``context_before`` and ``context_after``: the neighbouring sentences of the same article."""
    ordered = labels.sort_values(["doc_id", "sent_idx"], kind="stable")
    grouped = ordered.groupby("doc_id", sort=False)["text"]
    ordered = ordered.assign(context_before=grouped.shift(1).fillna(""), context_after=grouped.shift(-1).fillna(""))
    return ordered.loc[labels.index]


def select_tasks(labels: pd.DataFrame, n: int, strategy: str, exclude=(), seed: int = SELECTION_SEED) -> pd.DataFrame:
    """Tasks for an annotator from a labels file: the chosen sentences, their context and the model's pre-annotation.

    Boilerplate rows (page furniture) are never offered.
    """
    missing = {"doc_id", "sent_idx", "text", *PROBA_COLUMNS} - set(labels.columns)
    if missing:
        raise ValueError(f"labels lack column(s) {sorted(missing)}: give the output of `stance label`.")
    labels = with_context(labels.reset_index(drop=True))
    if "boilerplate" in labels:
        labels = labels[~labels["boilerplate"].fillna(False).astype(bool)]
    outlets = labels["outlet"].fillna("unknown").tolist() if "outlet" in labels else None
    proba = labels[PROBA_COLUMNS].to_numpy(dtype=float)
    picked = labels.iloc[choose(labels["text"].tolist(), proba, n, strategy, outlets, exclude, seed)]
    tasks = pd.DataFrame({
        "task_id": [f"{doc}-{int(idx):03d}" for doc, idx in zip(picked["doc_id"], picked["sent_idx"])],
        "doc_id": picked["doc_id"].astype(str), "sent_idx": picked["sent_idx"].astype(int),
        "outlet": picked["outlet"].fillna("unknown") if "outlet" in picked else "unknown",
        "text": picked["text"], "context_before": picked["context_before"], "context_after": picked["context_after"],
        "model_label": np.asarray(LABELS, dtype=object)[picked[PROBA_COLUMNS].to_numpy(dtype=float).argmax(axis=1)],
        **{col: picked[col].astype(float).round(4) for col in PROBA_COLUMNS},
        "strategy": strategy,
    })
    return tasks.reset_index(drop=True)
