"""How quality grows with the amount of authored text: the learning curve.

For each fraction of the authored train+dev documents (1/8 to all) and
each of several random draws, the model is fitted on the drawn documents
(plus the seed articles, which are always training data) and scored under
the real-text protocols (leave-one-seed-article-out, realdev when present)
and by grouped CV within the drawn documents. A curve still climbing at
"all" says more authored text would still help.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from stance.evaluation.harness import TRAIN_SPLITS, grouped_cv, leave_one_out_documents, prediction_metrics

FRACTIONS = (1 / 8, 1 / 4, 1 / 2, 3 / 4, 1.0)
N_DRAWS = 3
CURVE_SEED = 20211217  # the day Moscow published its two draft treaties
LEARNING_CURVE_JSON = "learning-curve.json"
LEARNING_CURVE_FIGURE = "learning-curve.png"


def drawn_documents(corpus: pd.DataFrame, fraction: float, rng: np.random.Generator) -> set:
    """A random ``fraction`` of the authored train+dev documents."""
    authored = corpus.loc[(corpus["source"] == "authored") & corpus["split"].isin(TRAIN_SPLITS), "doc_id"]
    docs = np.array(sorted(authored.unique()))
    size = max(1, int(round(fraction * len(docs))))
    return set(rng.choice(docs, size=size, replace=False).tolist())


def curve_point(estimator, corpus: pd.DataFrame, features: pd.DataFrame, docs: set, realdev=None,
                n_splits: int = 5) -> dict:
    """Macro-F1 under LOSO, realdev and grouped CV when training on ``docs`` plus the seed articles."""
    y = corpus["label"].to_numpy(dtype=object)
    seeds = sorted(corpus.loc[corpus["source"] == "seed", "doc_id"].unique())
    allowed = (corpus["doc_id"].isin(docs) | (corpus["source"] == "seed")).to_numpy()
    point = {"n_documents": len(docs), "n_sentences": int(corpus["doc_id"].isin(docs).sum())}
    loso = leave_one_out_documents(estimator, features, y, corpus["doc_id"], seeds, allowed)
    point["loso"] = prediction_metrics(y[loso.index], loso)["macro_f1"]
    rows = np.flatnonzero(corpus["doc_id"].isin(docs).to_numpy())
    folds = min(n_splits, len(docs))  # a small draw may hold fewer documents than folds
    point["grouped_cv"] = float("nan")
    if folds >= 2:
        cv = grouped_cv(estimator, features.iloc[rows], y[rows], corpus["doc_id"].iloc[rows], folds)
        point["grouped_cv"] = prediction_metrics(y[rows], cv)["macro_f1"]
    if realdev is not None:
        from stance.evaluation.realdev import fit_and_predict

        predictions = fit_and_predict(estimator, features[allowed], y[allowed], realdev.features)
        point["realdev"] = realdev.metrics(predictions)["macro_f1"]
    return point


def learning_curve(estimator, corpus: pd.DataFrame, features: pd.DataFrame, realdev=None,
                   fractions=FRACTIONS, n_draws: int = N_DRAWS, seed: int = CURVE_SEED, log=None) -> dict:
    """Every draw at every fraction, and the mean and spread per fraction (JSON-ready)."""
    rng = np.random.default_rng(seed)
    draws = []
    with threadpool_limits(limits=1):
        for fraction in fractions:
            for draw in range(1 if fraction == 1.0 else n_draws):  # all documents: one draw is every draw
                point = {"fraction": fraction, "draw": draw,
                         **curve_point(estimator, corpus, features, drawn_documents(corpus, fraction, rng), realdev)}
                draws.append(point)
                if log:
                    log(f"learning curve {fraction:.3f} draw {draw}: " +
                        ", ".join(f"{k} {point[k]:.3f}" for k in ("loso", "realdev", "grouped_cv") if k in point))
    return {"draws": draws, "summary": summarize(draws)}


def summarize(draws: list[dict]) -> list[dict]:
    """Mean, minimum and maximum of each protocol's macro-F1 per fraction."""
    frame = pd.DataFrame(draws)
    protocols = [p for p in ("loso", "realdev", "grouped_cv") if p in frame]
    rows = []
    for fraction, group in frame.groupby("fraction", sort=True):
        row = {"fraction": float(fraction), "n_documents": int(group["n_documents"].iloc[0]),
               "n_sentences_mean": float(group["n_sentences"].mean()), "n_draws": int(len(group))}
        for p in protocols:
            row[p] = {"mean": float(group[p].mean()), "min": float(group[p].min()), "max": float(group[p].max())}
        rows.append(row)
    return rows


def plot_learning_curve(summary: list[dict], path: str | Path) -> Path:
    """Macro-F1 against authored sentences (log scale), one line per protocol with its draw range."""
    from matplotlib.figure import Figure

    from stance.results.plots import save_figure

    fig = Figure(figsize=(6.4, 4), layout="constrained")
    ax = fig.add_subplot()
    x = [row["n_sentences_mean"] for row in summary]
    titles = {"loso": "leave-one-seed-article-out", "realdev": "realdev (50 real articles)",
              "grouped_cv": "grouped CV (authored)"}
    for protocol, title in titles.items():
        if protocol not in summary[0]:
            continue
        mean = [row[protocol]["mean"] for row in summary]
        ax.plot(x, mean, marker="o", label=title)
        ax.fill_between(x, [row[protocol]["min"] for row in summary], [row[protocol]["max"] for row in summary],
                        alpha=0.2)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("authored training sentences (log scale)")
    ax.set_ylabel("macro-F1")
    ax.set_title("Learning curve of the default design")
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(fig, path)


def write_learning_curve(corpus: pd.DataFrame, features: pd.DataFrame, out_dir: str | Path, log=None) -> Path:
    """Run the curve for the default design and write ``learning-curve.json`` and its figure into ``out_dir``."""
    import json

    from stance.evaluation.realdev import RealdevData
    from stance.model.pipeline import build_pipeline

    curve = learning_curve(build_pipeline(), corpus, features, RealdevData.load(), log=log)
    out_dir = Path(out_dir)
    curve["figure"] = plot_learning_curve(curve["summary"], out_dir / LEARNING_CURVE_FIGURE).name
    path = out_dir / LEARNING_CURVE_JSON
    path.write_text(json.dumps(curve, indent=1) + "\n", encoding="utf-8")
    return path
