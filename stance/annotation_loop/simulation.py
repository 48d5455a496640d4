"""Does active selection pay? The annotation loop with a simulated annotator.

The annotator answers with the pool's gold labels. The pool's documents are
dealt into folds; for each fold, its documents are held out (never offered,
always scored) and the other pool documents are the unlabelled sentences to
select from. Each round the model -- fitted on the corpus' train+dev rows
(minus any pool document) plus the labels so far, weighted ``user_weight`` --
scores the held-out documents, then picks the next ``round_size``
sentences with the strategy. Figures are pooled over the folds' held-out
documents, as leave-one-seed-article-out is. Nothing fitted here is saved.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from stance.annotation_loop.selection import SELECTION_SEED, choose
from stance.annotations.annotated_corpus import normalized
from stance.config import LABELS
from stance.evaluation.report import SECTION_END, SECTION_START

SIMULATED_STRATEGIES = ("uncertainty", "diverse", "random")
ROUND_SIZE = 25
MAX_LABELS = 200
N_FOLDS = 5


def pool_folds(doc_ids, n_folds: int = N_FOLDS, seed: int = SELECTION_SEED) -> list[list[str]]:
    """Documents dealt into ``n_folds`` groups of near-equal size (one document each when there are few)."""
    docs = sorted(set(doc_ids))
    np.random.default_rng(seed).shuffle(docs)
    n_folds = min(n_folds, len(docs))
    return [sorted(docs[k::n_folds]) for k in range(n_folds)]


def frozen_features(estimator, base_X: pd.DataFrame, pool_X: pd.DataFrame):
    """The classifier step of ``estimator`` and the base and pool rows as its input matrices.

    The feature steps (spaCy records -> n-gram, cue and flag blocks) learn no
    labels, only a vocabulary; they are fitted once on the base rows, so
    each round refits only the classifier. The one difference from
    retraining the whole pipeline: words seen only in user sentences get no
    column. It makes a round about five times cheaper on this machine.
    """
    features = clone(estimator[:-1]).fit(base_X)
    return clone(estimator[-1]), features.transform(base_X), features.transform(pool_X)


def run_fold(classifier, base_M, base_y, pool: pd.DataFrame, pool_M, held_out: np.ndarray, strategy: str,
             user_weight: float, round_size: int = ROUND_SIZE, max_labels: int = MAX_LABELS, seed: int = 0) -> list:
    """One fold's curve: ``[(n_labels, probabilities of the held-out rows), ...]``, one entry per round.

    ``base_M`` and ``pool_M`` are feature matrices (:func:`frozen_features`).
    """
    from scipy.sparse import vstack

    from stance.evaluation.harness import class_probabilities

    candidates = np.flatnonzero(~held_out)
    texts = pool["text"].astype(str).to_numpy()
    outlets = pool["outlet"].astype(str).to_numpy() if "outlet" in pool else None
    y_pool = pool["label"].to_numpy(dtype=object)
    labelled: list[int] = []
    curve = []
    for round_number in range(max_labels // round_size + 1):
        X = vstack([base_M, pool_M[labelled]]).tocsr()
        y = np.concatenate([base_y, y_pool[labelled]])
        weights = np.concatenate([np.ones(len(base_y)), np.full(len(labelled), float(user_weight))])
        model = clone(classifier).fit(X, y, sample_weight=weights)
        curve.append((len(labelled), class_probabilities(model, pool_M[np.flatnonzero(held_out)])))
        unlabelled = np.setdiff1d(candidates, labelled)
        if len(labelled) >= max_labels or not len(unlabelled):
            break
        proba = class_probabilities(model, pool_M[unlabelled])
        picked = choose(texts[unlabelled].tolist(), proba, min(round_size, max_labels - len(labelled)), strategy,
                        outlets=None if outlets is None else outlets[unlabelled],
                        exclude=texts[labelled].tolist(), seed=seed + round_number)
        if not picked:  # every remaining sentence near-duplicates a labelled one
            break
        labelled += unlabelled[picked].tolist()
    return curve


def pooled_curve(pool: pd.DataFrame, folds: list[list[str]], fold_curves: list[list],
                 round_size: int = ROUND_SIZE) -> list[dict]:
    """Macro-F1 and F_avg per round over every fold's held-out documents (a stopped fold keeps its last model)."""
    from stance.evaluation.harness import prediction_metrics
    from stance.evaluation.realdev import predictions_frame

    n_rounds = max(len(curve) for curve in fold_curves)
    points = []
    for r in range(n_rounds):
        frames, labels_used = [], []
        for docs, curve in zip(folds, fold_curves):
            n_labels, proba = curve[min(r, len(curve) - 1)]
            rows = pool.index[pool["doc_id"].isin(docs)]
            frames.append(predictions_frame(proba, rows))
            labels_used.append(n_labels)
        predictions = pd.concat(frames)
        metrics = prediction_metrics(pool.loc[predictions.index, "label"], predictions)
        points.append({"round": r, "n_labels_target": r * round_size, "n_labels_mean": float(np.mean(labels_used)),
                       "n_labels_min": int(min(labels_used)), "n_scored": int(len(predictions)),
                       "macro_f1": metrics["macro_f1"], "f_avg": metrics["f_avg"]})
    return points


def simulate(estimator, base_X: pd.DataFrame, base_y, pool: pd.DataFrame, pool_X: pd.DataFrame,
             strategies=SIMULATED_STRATEGIES, user_weights=(3.0,), n_folds: int = N_FOLDS,
             round_size: int = ROUND_SIZE, max_labels: int = MAX_LABELS, n_jobs: int = 1, log=None) -> dict:
    """Every strategy and weight over every fold; JSON-ready curves."""
    from joblib import Parallel, delayed

    pool = pool.reset_index(drop=True)
    pool_X = pool_X.reset_index(drop=True)
    base_y = np.asarray(base_y, dtype=object)
    folds = pool_folds(pool["doc_id"], n_folds)
    classifier, base_M, pool_M = frozen_features(estimator, base_X, pool_X)
    curves = []
    for weight in user_weights:
        for strategy in strategies:
            jobs = [delayed(run_fold)(classifier, base_M, base_y, pool, pool_M, pool["doc_id"].isin(docs).to_numpy(),
                                      strategy, weight, round_size, max_labels, SELECTION_SEED + k)
                    for k, docs in enumerate(folds)]
            fold_curves = Parallel(n_jobs=n_jobs)(jobs)
            points = pooled_curve(pool, folds, fold_curves, round_size)
            curves.append({"strategy": strategy, "user_weight": float(weight), "points": points})
            if log:
                log(f"{strategy} weight {weight:g}: " + ", ".join(f"{p['n_labels_target']}:{p['macro_f1']:.3f}"
                                                                  for p in points))
    return {"n_pool_sentences": int(len(pool)), "n_pool_documents": int(pool["doc_id"].nunique()),
            "n_folds": len(folds), "n_base_sentences": int(len(base_y)), "round_size": round_size,
            "max_labels": max_labels, "curves": curves}


def base_rows(corpus: pd.DataFrame, pool: pd.DataFrame) -> np.ndarray:
    """Corpus train+dev rows that share neither a document nor a sentence with the pool."""
    from stance.evaluation.harness import TRAIN_SPLITS

    pool_texts = set(pool["text"].astype(str).map(normalized))
    keep = (corpus["split"].isin(TRAIN_SPLITS) & ~corpus["doc_id"].isin(set(pool["doc_id"]))
            & ~corpus["text"].astype(str).map(normalized).isin(pool_texts))
    return keep.to_numpy()


def read_pool(path: str, corpus: pd.DataFrame) -> pd.DataFrame:
    """``seed`` (the corpus' seed articles), a realdev-style folder (``sentences.jsonl``) or a labelled JSONL."""
    from stance.annotations.annotated_corpus import read_jsonl

    if path == "seed":
        return corpus[corpus["source"] == "seed"].reset_index(drop=True)
    target = Path(path) / "sentences.jsonl" if Path(path).is_dir() else Path(path)
    pool = read_jsonl(target)
    missing = {"text", "label", "doc_id"} - set(pool.columns)
    if missing:
        raise ValueError(f"{target}: the pool needs column(s) {sorted(missing)}.")
    unknown = set(pool["label"]) - set(LABELS)
    if unknown:
        raise ValueError(f"{target}: unknown labels {sorted(unknown)}.")
    return pool.assign(doc_id=pool["doc_id"].astype(str))


def strategy_at(result: dict, n_labels: int, weight: float | None = None) -> dict:
    """``{strategy: macro-F1}`` after ``n_labels`` labels (the round with that target)."""
    out = {}
    for curve in result["curves"]:
        if weight is not None and curve["user_weight"] != weight:
            continue
        for point in curve["points"]:
            if point["n_labels_target"] == n_labels:
                out[curve["strategy"] if weight is not None else f"{curve['strategy']} w={curve['user_weight']:g}"] = \
                    point["macro_f1"]
    return out


def plot_curves(results: dict[str, dict], path: str | Path) -> Path:
    """One panel per pool: macro-F1 against labels, one line per strategy (and weight)."""
    from matplotlib.figure import Figure

    from stance.results.plots import save_figure

    fig = Figure(figsize=(5.2 * len(results), 3.8), layout="constrained")
    axes = fig.subplots(1, len(results), squeeze=False)
    for ax, (name, result) in zip(axes[0], results.items()):
        weights = sorted({c["user_weight"] for c in result["curves"]})
        for curve in result["curves"]:
            label = curve["strategy"] + (f" (w={curve['user_weight']:g})" if len(weights) > 1 else "")
            ax.plot([p["n_labels_mean"] for p in curve["points"]], [p["macro_f1"] for p in curve["points"]],
                    marker="o", label=label, linestyle="-" if curve["user_weight"] == weights[-1] else ":")
        ax.set_title(f"{name}: {result['n_pool_documents']} documents, {result['n_folds']} folds")
        ax.set_xlabel("user labels (mean over folds)")
        ax.set_ylabel("macro-F1 on held-out pool documents")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return save_figure(fig, path)


def load_results(out_dir: str | Path) -> dict[str, dict]:
    """Saved simulations in ``out_dir`` (``annotation-loop-NAME.json``), by name."""
    return {path.stem.removeprefix("annotation-loop-"): json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(Path(out_dir).glob("annotation-loop-*.json"))}


def write_result(result: dict, name: str, out_dir: str | Path) -> Path:
    path = Path(out_dir) / f"annotation-loop-{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return path


def replace_section(markdown: str, section: str) -> str:
    """``markdown`` with the annotation-loop section replaced (or appended when absent)."""
    block = f"{SECTION_START}\n{section.strip()}\n{SECTION_END}"
    if SECTION_START in markdown and SECTION_END in markdown:
        head, rest = markdown.split(SECTION_START, 1)
        return head + block + rest.split(SECTION_END, 1)[1]
    return markdown.rstrip("\n") + "\n\n" + block + "\n"
