"""Evaluation harness: the stance model and its baselines on the same splits.

Three protocols, all on the annotated corpus (:func:`stance.annotations.annotated_corpus.load_annotations`):

* ``grouped_cv`` -- k-fold cross-validation on train+dev, folds grouped by
  ``doc_id`` so no document is split between training and scoring;
* ``test`` -- fit on train+dev, score once on the untouched test split;
* ``loso`` -- leave-one-seed-article-out: for each real seed article, fit on
  train+dev without it and score it; figures per article and pooled over all
  seed sentences. The test split is never trained on here either.

Every model sees the same rows and the same folds. The corpus is parsed by
spaCy once (and cached on disk); every model receives the feature records,
of which the baselines read only the raw text or the lemmas.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from stance.config import LABELS, ROOT
from stance.evaluation.metrics import classification_metrics

PROTOCOLS = ("grouped_cv", "test", "loso", "realdev")  # realdev: only when its folder exists
TRAIN_SPLITS = ("train", "dev")
OURS = "stance"
OURS_MINILM = "stance+minilm"  # the optional second model, `stance train --embeddings`
SLICE_COLUMNS = ("source", "attributed", "register")
CACHE_DIR = ROOT / "build" / "cache"
ECE_BINS = 10
N_CONFIDENT_MISTAKES = 12


# --- data ---------------------------------------------------------------------------------------


def featurize_corpus(texts: list[str], spacy_model: str | None = None, cache_dir: Path | None = CACHE_DIR) -> pd.DataFrame:
    """Feature records for ``texts`` (each one sentence), cached on disk by pipeline and content.

    Parsing the corpus is the slowest step of an evaluation run and its
    result depends only on the texts and the spaCy pipeline, so it is kept
    in ``cache_dir`` (``None``: no cache).
    """
    from stance.sentences.spacy_pipeline import cached_nlp, parse_units, pipeline_info

    nlp = cached_nlp(spacy_model)
    path = None
    if cache_dir is not None:
        info = pipeline_info(nlp)
        key = hashlib.sha256("\x1f".join([info["name"], info["version"], *texts]).encode("utf-8")).hexdigest()
        path = Path(cache_dir) / f"features-{key[:20]}.parquet"
        if path.exists():
            return pd.read_parquet(path)
    records = pd.DataFrame(parse_units(list(texts), nlp))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        records.to_parquet(path)
    return records


def evaluation_data(corpus: pd.DataFrame | None = None, spacy_model: str | None = None,
                    cache_dir: Path | None = CACHE_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The annotated corpus and its feature records, row-aligned on a fresh 0..n-1 index.

    Returns
    -------
    corpus : DataFrame
        Annotations (``doc_id``, ``split``, ``source``, ``register``, gold ``attributed``, ``label`` ...).
    features : DataFrame
        One feature record per row (``stance.sentences.spacy_pipeline.FEATURE_COLUMNS``); its ``attributed``
        column is the detector's guess, not the annotation.
    """
    from stance.annotations.annotated_corpus import load_annotations

    corpus = (load_annotations() if corpus is None else corpus).reset_index(drop=True)
    missing = {"text", "label", "doc_id", "split", "source"} - set(corpus.columns)
    if missing:
        raise ValueError(f"the corpus lacks column(s) {sorted(missing)}")
    features = featurize_corpus(corpus["text"].astype(str).tolist(), spacy_model, cache_dir)
    return corpus, features.set_axis(corpus.index)


# --- protocols ----------------------------------------------------------------------------------


def class_probabilities(model, X, labels=LABELS) -> np.ndarray:
    """``model.predict_proba(X)`` with one column per entry of ``labels`` (0 for unseen classes)."""
    proba = np.asarray(model.predict_proba(X), dtype=float)
    classes = list(model.classes_)
    out = np.zeros((proba.shape[0], len(labels)))
    for j, label in enumerate(labels):
        if label in classes:
            out[:, j] = proba[:, classes.index(label)]
    return out


def _fit_predict(estimator, X: pd.DataFrame, y: np.ndarray, train: np.ndarray, test: np.ndarray,
                 fold) -> pd.DataFrame:
    """Fit a clone on rows ``train`` and return its probabilities for rows ``test``."""
    model = clone(estimator).fit(X.iloc[train], y[train])
    proba = class_probabilities(model, X.iloc[test])
    frame = pd.DataFrame(proba, columns=[f"p_{label}" for label in LABELS], index=X.index[test])
    frame.insert(0, "pred", np.asarray(LABELS, dtype=object)[proba.argmax(axis=1)])
    frame.insert(0, "fold", fold)
    return frame


def grouped_cv(estimator, X: pd.DataFrame, y, groups, n_splits: int = 5) -> pd.DataFrame:
    """Out-of-fold predictions, folds grouped so that no group is split.

    Returns
    -------
    DataFrame
        Indexed like ``X``: ``fold``, ``pred`` and ``p_<label>`` for every label.
    """
    y = np.asarray(y, dtype=object)
    folds = GroupKFold(n_splits=n_splits).split(X, y, np.asarray(groups))
    return pd.concat([_fit_predict(estimator, X, y, tr, te, k) for k, (tr, te) in enumerate(folds)]).loc[X.index]


def holdout(estimator, X: pd.DataFrame, y, train_mask, test_mask) -> pd.DataFrame:
    """Fit on the rows of ``train_mask``, predict the rows of ``test_mask`` (fold ``"test"``)."""
    train, test = np.flatnonzero(train_mask), np.flatnonzero(test_mask)
    return _fit_predict(estimator, X, np.asarray(y, dtype=object), train, test, "test")


def leave_one_out_documents(estimator, X: pd.DataFrame, y, doc_ids, held_out_docs, train_mask=None) -> pd.DataFrame:
    """For each document in ``held_out_docs``: fit on ``train_mask`` minus it, predict it.

    The fold of each row is the held-out ``doc_id``.
    """
    doc_ids = np.asarray(doc_ids)
    allowed = np.ones(len(doc_ids), bool) if train_mask is None else np.asarray(train_mask, bool)
    y = np.asarray(y, dtype=object)
    frames = [_fit_predict(estimator, X, y, np.flatnonzero(allowed & (doc_ids != doc)),
                           np.flatnonzero(doc_ids == doc), doc) for doc in held_out_docs]
    return pd.concat(frames)


def protocol_predictions(estimator, corpus: pd.DataFrame, X: pd.DataFrame, n_splits: int = 5,
                         protocols=PROTOCOLS, realdev=None) -> dict:
    """Predictions of one estimator under each protocol, as ``{protocol: DataFrame}``.

    ``realdev`` (a :class:`stance.evaluation.realdev.RealdevData`) adds predictions for the real
    sentences of realdev by a model fitted on the train+dev splits; without it that protocol is skipped.
    """
    y = corpus["label"].to_numpy(dtype=object)
    in_train = corpus["split"].isin(TRAIN_SPLITS).to_numpy()
    out = {}
    if "grouped_cv" in protocols:
        rows = np.flatnonzero(in_train)
        out["grouped_cv"] = grouped_cv(estimator, X.iloc[rows], y[rows], corpus["doc_id"].iloc[rows], n_splits)
    if "test" in protocols:
        out["test"] = holdout(estimator, X, y, in_train, (corpus["split"] == "test").to_numpy())
    if "loso" in protocols:
        seeds = sorted(corpus.loc[corpus["source"] == "seed", "doc_id"].unique())
        out["loso"] = leave_one_out_documents(estimator, X, y, corpus["doc_id"], seeds, in_train)
    if "realdev" in protocols and realdev is not None:
        from stance.evaluation.realdev import fit_and_predict

        out["realdev"] = fit_and_predict(estimator, X[in_train], y[in_train], realdev.features)
    return out


def metrics_for(protocol: str, corpus: pd.DataFrame, predictions: pd.DataFrame, realdev=None) -> dict:
    """The figures of one protocol's predictions (realdev rows are scored against realdev's labels)."""
    if protocol == "realdev":
        return realdev.metrics(predictions)
    return protocol_metrics(corpus, predictions, per_fold=protocol == "loso")


# --- figures ------------------------------------------------------------------------------------


def brier_score(y_true, proba: np.ndarray, labels=LABELS) -> float:
    """Multi-class Brier score: mean over rows of the squared distance to the one-hot truth (0 best, 2 worst)."""
    onehot = (np.asarray(y_true, dtype=object)[:, None] == np.asarray(labels, dtype=object)[None, :]).astype(float)
    return float(np.mean(np.sum((np.asarray(proba) - onehot) ** 2, axis=1)))


def expected_calibration_error(y_true, proba: np.ndarray, labels=LABELS, n_bins: int = ECE_BINS) -> float:
    """Top-label ECE: the confidence-weighted gap between confidence and accuracy over equal-width bins.

    Examples
    --------
    >>> round(expected_calibration_error(["pro", "anti"], np.array([[1.0, 0, 0], [0.6, 0.4, 0]])), 3)
    0.3
    """
    proba = np.asarray(proba, dtype=float)
    confidence = proba.max(axis=1)
    correct = np.asarray(labels, dtype=object)[proba.argmax(axis=1)] == np.asarray(y_true, dtype=object)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    gaps = [abs(correct[bins == b].mean() - confidence[bins == b].mean()) * np.mean(bins == b)
            for b in np.unique(bins)]
    return float(np.sum(gaps))


def prediction_metrics(y_true, predictions: pd.DataFrame) -> dict:
    """:func:`stance.evaluation.metrics.classification_metrics` plus ``accuracy``, ``brier`` and ``ece``."""
    y_true = np.asarray(y_true, dtype=object)
    proba = predictions[[f"p_{label}" for label in LABELS]].to_numpy()
    metrics = classification_metrics(y_true, predictions["pred"].to_numpy(dtype=object))
    metrics["accuracy"] = float(np.mean(y_true == predictions["pred"].to_numpy(dtype=object)))
    metrics["brier"] = brier_score(y_true, proba)
    metrics["ece"] = expected_calibration_error(y_true, proba)
    return metrics


def present_macro_f1(metrics: dict) -> float:
    """Macro-F1 over the labels that occur in the gold data only (for single articles lacking a class)."""
    present = [m["f1"] for m in metrics["per_class"].values() if m["support"] > 0]
    return float(np.mean(present)) if present else float("nan")


def slice_metrics(corpus: pd.DataFrame, predictions: pd.DataFrame, column: str) -> dict:
    """Headline figures per value of ``corpus[column]`` over the predicted rows."""
    rows = corpus.loc[predictions.index]
    out = {}
    for value, index in rows.groupby(column, sort=True).groups.items():
        m = classification_metrics(rows.loc[index, "label"].tolist(), predictions.loc[index, "pred"].tolist())
        out[str(value).lower() if isinstance(value, (bool, np.bool_)) else str(value)] = {
            "n": m["n"], "macro_f1": m["macro_f1"], "f_avg": m["f_avg"],
            "accuracy": float(np.mean(rows.loc[index, "label"].to_numpy() == predictions.loc[index, "pred"].to_numpy())),
        }
    return out


def protocol_metrics(corpus: pd.DataFrame, predictions: pd.DataFrame, per_fold: bool = False) -> dict:
    """All figures for one model under one protocol: pooled, slices, and optionally per fold."""
    y = corpus.loc[predictions.index, "label"]
    out = prediction_metrics(y, predictions)
    out["slices"] = {col: slice_metrics(corpus, predictions, col) for col in SLICE_COLUMNS if col in corpus}
    if per_fold:
        out["per_fold"] = {}
        for fold, group in predictions.groupby("fold", sort=True):
            m = prediction_metrics(corpus.loc[group.index, "label"], group)
            m["macro_f1_present"] = present_macro_f1(m)
            out["per_fold"][str(fold)] = m
    return out


def paired_bootstrap_difference(y_true, pred_a, pred_b, n_resamples: int = 2000, seed: int = 0) -> dict:
    """Macro-F1 of ``pred_a`` minus that of ``pred_b``, with a 95% paired bootstrap interval over rows.

    Both prediction sets are scored on the same resampled rows, so the interval
    reflects how much the difference depends on which sentences happened to be
    in the evaluation set.

    Returns
    -------
    dict
        ``difference``, ``low``, ``high`` (2.5th and 97.5th percentiles) and
        ``share_positive`` (fraction of resamples where ``a`` scores higher).
    """
    codes = {label: i for i, label in enumerate(LABELS)}
    y, a, b = (np.array([codes[v] for v in values]) for values in (y_true, pred_a, pred_b))

    def diff(rows) -> float:
        return _macro_f1_codes(y[rows], a[rows]) - _macro_f1_codes(y[rows], b[rows])

    rng = np.random.default_rng(seed)
    draws = np.array([diff(rng.integers(0, len(y), len(y))) for _ in range(n_resamples)])
    return {"difference": diff(np.arange(len(y))), "low": float(np.percentile(draws, 2.5)),
            "high": float(np.percentile(draws, 97.5)), "share_positive": float(np.mean(draws > 0))}


def _macro_f1_codes(y: np.ndarray, pred: np.ndarray, n_labels: int = len(LABELS)) -> float:
    """Macro-F1 of integer-coded labels (fast enough for thousands of bootstrap resamples)."""
    confusion = np.bincount(y * n_labels + pred, minlength=n_labels * n_labels).reshape(n_labels, n_labels)
    tp = np.diag(confusion).astype(float)
    denominator = confusion.sum(axis=0) + confusion.sum(axis=1)  # predicted + true = 2tp + fp + fn
    return float(np.mean(np.divide(2 * tp, denominator, out=np.zeros(n_labels), where=denominator > 0)))


def loso_margins(corpus: pd.DataFrame, predictions: dict) -> dict:
    """Our LOSO macro-F1 minus each baseline's, with paired bootstrap intervals."""
    return margins_over(OURS, "loso", corpus, predictions)


def margins_over(reference: str, protocol: str, gold: pd.DataFrame, predictions: dict) -> dict:
    """Macro-F1 of ``reference`` minus each other model's under ``protocol``, with paired bootstrap intervals."""
    ours = predictions[reference][protocol]
    y = gold.loc[ours.index, "label"]
    return {name: paired_bootstrap_difference(y, ours["pred"], p[protocol].loc[ours.index, "pred"])
            for name, p in predictions.items() if name != reference and protocol in p}


# --- error analysis -----------------------------------------------------------------------------


def confident_mistakes(corpus: pd.DataFrame, features: pd.DataFrame, predictions: pd.DataFrame,
                       n: int = N_CONFIDENT_MISTAKES) -> pd.DataFrame:
    """The ``n`` wrong predictions made with the highest probability, most confident first."""
    proba = predictions[[f"p_{label}" for label in LABELS]].to_numpy()
    rows = corpus.loc[predictions.index]
    table = pd.DataFrame({
        "doc_id": rows["doc_id"], "text": rows["text"], "gold": rows["label"], "pred": predictions["pred"],
        "confidence": proba.max(axis=1), "attributed": rows.get("attributed"), "register": rows.get("register"),
        "negated": features.loc[predictions.index, "negated"],
    })
    wrong = table[table["gold"] != table["pred"]]
    return wrong.sort_values("confidence", ascending=False, kind="stable").head(n)


def mistake_profile(mistakes: pd.DataFrame, population: pd.DataFrame, features: pd.DataFrame,
                    lexicon_predictions=None) -> dict:
    """What the confident mistakes share, each figure next to its share in ``population``.

    ``lexicon_predictions`` (the cue-lexicon rule's labels for ``population``, optional) tells
    whether the team's cue words point the right way on the mistaken sentences.
    """
    def share(frame, mask) -> float:
        return float(np.mean(mask)) if len(frame) else float("nan")

    pairs = (mistakes["gold"] + " -> " + mistakes["pred"]).value_counts()
    profile = {
        "n": int(len(mistakes)),
        "confusions": {k: int(v) for k, v in pairs.items()},
        "mean_confidence": float(mistakes["confidence"].mean()) if len(mistakes) else float("nan"),
        "attributed": [share(mistakes, mistakes["attributed"].astype(bool)),
                       share(population, population["attributed"].astype(bool))],
        "negated": [share(mistakes, mistakes["negated"].astype(bool)),
                    share(population, features.loc[population.index, "negated"].astype(bool))],
        "words": [float(mistakes["text"].str.split().str.len().mean()),
                  float(population["text"].str.split().str.len().mean())],
        "registers": {k: int(v) for k, v in mistakes["register"].value_counts().items()},
    }
    if lexicon_predictions is not None:
        cue = pd.Series(lexicon_predictions, index=population.index).loc[mistakes.index]
        profile["cue_points_to_gold"] = int(((cue == mistakes["gold"]) & (cue != "neutral")).sum())
        profile["cue_points_to_pred"] = int(((cue == mistakes["pred"]) & (cue != "neutral")).sum())
        profile["no_cue"] = int((cue == "neutral").sum())
    return profile


# --- tuning -------------------------------------------------------------------------------------

# Parameters of stance.model.pipeline.build_pipeline searched by `stance evaluate --tune`.
CALIBRATION_METHODS = ("sigmoid", "temperature", "isotonic")
TUNING_GRID = [
    {"linear_model": ["svm"], "C": [0.1, 0.3, 1.0, 3.0, 10.0], "char_ngrams": [True, False]},
    {"linear_model": ["logreg"], "C": [1.0, 4.0, 16.0], "char_ngrams": [True, False]},
]
# The MiniLM model keeps the default design and adds one block; only its weight is searched
# (`stance evaluate --tune --embeddings`).
EMBEDDING_WEIGHTS = (0.25, 0.5, 1.0, 2.0)


def tune(corpus: pd.DataFrame, features: pd.DataFrame, grid: dict | list | None = None, n_splits: int = 5,
         split: str = "train", log: Callable[[str], None] | None = None) -> dict:
    """Grouped cross-validation of ``build_pipeline(**params)`` over ``grid`` on one split only.

    Only rows of ``split`` (default: train) are used, so neither dev, test nor
    the seed articles held out by LOSO evaluation decide anything beyond what
    train contains. The choice follows the one-standard-error rule: within
    the linear model of the best grid point, the smallest ``C`` whose mean
    fold macro-F1 is within one standard error of the best mean (the scores
    are flat near the top; this prefers the more regularised model, which
    should travel better to unseen writers).

    Returns
    -------
    dict
        ``results`` (params, pooled macro-F1 and F_avg, fold mean and standard error for
        every grid point, best mean first), ``calibration`` (figures per method for the
        chosen params) and ``best`` (the chosen params, calibration included).
    """
    from sklearn.model_selection import ParameterGrid

    rows, X, y, groups = _split_rows(corpus, features, split)
    results = _grid_cv(list(ParameterGrid(grid or TUNING_GRID)), X, y, groups, n_splits, log)
    best = one_standard_error_choice(results)
    calibration = compare_calibration(X, y, groups, best, n_splits=n_splits, log=log)
    best = {**best, "calibration": min(calibration, key=lambda method: calibration[method]["brier"])}
    return {"split": split, "n_splits": n_splits, "n": int(len(rows)), "results": results,
            "calibration": calibration, "best": best}


def tune_embedding_weight(corpus: pd.DataFrame, features: pd.DataFrame, weights=EMBEDDING_WEIGHTS,
                          n_splits: int = 5, split: str = "train", log: Callable[[str], None] | None = None) -> dict:
    """Grouped CV on ``split`` of the default design plus the MiniLM block at each weight.

    Returns ``results`` (as in :func:`tune`, best mean first) and ``best`` (the weight with
    the best mean fold macro-F1).
    """
    rows, X, y, groups = _split_rows(corpus, features, split)
    points = [{"embedding_weight": weight} for weight in weights]
    results = _grid_cv(points, X, y, groups, n_splits, log, base={"embeddings": True})
    return {"split": split, "n_splits": n_splits, "n": int(len(rows)), "results": results,
            "best": results[0]["params"]}


def _split_rows(corpus: pd.DataFrame, features: pd.DataFrame, split: str):
    """Row positions of ``split`` and their features, labels and ``doc_id`` groups."""
    rows = np.flatnonzero((corpus["split"] == split).to_numpy())
    return rows, features.iloc[rows], corpus["label"].to_numpy(dtype=object)[rows], corpus["doc_id"].iloc[rows]


def _grid_cv(points: list[dict], X: pd.DataFrame, y: np.ndarray, groups, n_splits: int,
             log: Callable[[str], None] | None = None, base: dict | None = None) -> list[dict]:
    """Grouped-CV scores of ``build_pipeline(**base, **params)`` for each grid point, best fold mean first."""
    from stance.model.pipeline import build_pipeline

    results = []
    with threadpool_limits(limits=1):
        for params in points:
            predictions = grouped_cv(build_pipeline(**(base or {}), **params), X, y, groups, n_splits)
            results.append({"params": params, **_cv_scores(y, predictions)})
            if log:
                r = results[-1]
                log(f"{params}  grouped-CV macro-F1 {r['macro_f1']:.3f} (folds {r['fold_mean']:.3f} "
                    f"± {r['fold_se']:.3f})  F_avg {r['f_avg']:.3f}")
    return sorted(results, key=lambda r: -r["fold_mean"])


def compare_calibration(X: pd.DataFrame, y: np.ndarray, groups, params: dict, methods=CALIBRATION_METHODS,
                        n_splits: int = 5, log: Callable[[str], None] | None = None) -> dict:
    """Grouped-CV macro-F1, Brier score and ECE of ``build_pipeline(**params)`` per calibration method."""
    from stance.model.pipeline import build_pipeline

    out = {}
    with threadpool_limits(limits=1):
        for method in methods:
            predictions = grouped_cv(build_pipeline(**{**params, "calibration": method}), X, y, groups, n_splits)
            m = prediction_metrics(y, predictions)
            out[method] = {"macro_f1": m["macro_f1"], "brier": m["brier"], "ece": m["ece"]}
            if log:
                log(f"calibration {method:12s} grouped-CV macro-F1 {m['macro_f1']:.3f}  Brier {m['brier']:.3f}  "
                    f"ECE {m['ece']:.3f}")
    return out


def _cv_scores(y: np.ndarray, predictions: pd.DataFrame) -> dict:
    pooled = classification_metrics(y, predictions["pred"].to_numpy(dtype=object))
    folds = [classification_metrics(y[predictions["fold"].to_numpy() == k],
                                    predictions.loc[predictions["fold"] == k, "pred"].to_numpy(dtype=object))["macro_f1"]
             for k in sorted(predictions["fold"].unique())]
    return {"macro_f1": pooled["macro_f1"], "f_avg": pooled["f_avg"], "fold_mean": float(np.mean(folds)),
            "fold_se": float(np.std(folds, ddof=1) / np.sqrt(len(folds)))}


def one_standard_error_choice(results: list[dict]) -> dict:
    """Params of the smallest ``C`` scoring within one standard error of the best fold mean.

    Examples
    --------
    >>> one_standard_error_choice([{"params": {"C": 3}, "fold_mean": .74, "fold_se": .01},
    ...                            {"params": {"C": 1}, "fold_mean": .735, "fold_se": .01},
    ...                            {"params": {"C": .1}, "fold_mean": .70, "fold_se": .01}])
    {'C': 1}
    """
    best = max(results, key=lambda r: r["fold_mean"])
    family = best["params"].get("linear_model")  # C means different things in different families
    near = [r for r in results if r["fold_mean"] >= best["fold_mean"] - best["fold_se"]
            and r["params"].get("linear_model") == family]
    return min(near, key=lambda r: (r["params"].get("C", 0), -r["fold_mean"]))["params"]


# --- the run ------------------------------------------------------------------------------------


def evaluation_models(ensemble: bool = False, embeddings: bool = False, designs=()) -> dict:
    """The baselines and our model, in table order (ours last).

    With ``embeddings``, our MiniLM model comes before it; each name in ``designs`` (``"all"``:
    every design of :mod:`stance.model.designs`) adds that design as ``design:<name>``.
    """
    from stance.evaluation.baselines import build_baselines
    from stance.model.designs import DESIGNS, build_design

    models = build_baselines(ensemble=ensemble)
    if embeddings:
        models[OURS_MINILM] = build_design("minilm")
    names = [n for n in DESIGNS if n != "default"] if "all" in designs else [n for n in designs if n != "default"]
    models.update({f"design:{name}": build_design(name) for name in names if not (embeddings and name == "minilm")})
    return {**models, OURS: build_design("default")}


def corpus_summary(corpus: pd.DataFrame) -> dict:
    """Sizes of what was evaluated: sentences and documents per split, labels per split."""
    from stance.annotations.annotated_corpus import data_sha256

    return {
        "sha256": data_sha256(corpus),
        "n_sentences": int(len(corpus)),
        "n_documents": int(corpus["doc_id"].nunique()),
        "seed_articles": sorted(corpus.loc[corpus["source"] == "seed", "doc_id"].unique().tolist()),
        "labels_by_split": {split: {k: int(v) for k, v in g["label"].value_counts().items()}
                            for split, g in corpus.groupby("split")},
        "documents_by_split": {k: int(v) for k, v in corpus.groupby("split")["doc_id"].nunique().items()},
    }


def run_evaluation(corpus: pd.DataFrame | None = None, features: pd.DataFrame | None = None, models: dict | None = None,
                   n_splits: int = 5, ensemble: bool = False, protocols=PROTOCOLS,
                   log: Callable[[str], None] | None = None) -> dict:
    """Evaluate every model under every protocol and analyse our model's seed mistakes.

    Parameters
    ----------
    corpus, features : DataFrame, optional
        As returned by :func:`evaluation_data`; loaded and parsed when omitted.
    models : dict of str to estimator, optional
        Defaults to :func:`evaluation_models`; the entry named ``"stance"`` is ours.
    n_splits : int
        Folds of the grouped cross-validation.
    ensemble : bool
        Include spaCy's ensemble ``TextCategorizer`` among the default baselines.
    protocols : tuple of str
        A subset of ``PROTOCOLS``.
    log : callable, optional
        Receives one progress line per model and protocol.

    Returns
    -------
    dict
        JSON-ready: ``corpus``, ``models`` (``{name: {protocol: figures}}``) and
        ``error_analysis``; ``predictions`` holds the raw per-row frames (not JSON).
    """
    if corpus is None or features is None:
        corpus, features = evaluation_data(corpus)
    models = models if models is not None else evaluation_models(ensemble)
    realdev = _realdev_for(protocols)
    protocols = tuple(p for p in protocols if p != "realdev" or realdev is not None)
    results = {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "corpus": corpus_summary(corpus), "n_splits": n_splits, "models": {}, "predictions": {}}
    # Sparse linear models gain nothing from BLAS threads, and on a busy machine the
    # threads of consecutive fits oversubscribe the cores (a fit became ten times slower).
    with threadpool_limits(limits=1):
        for name, estimator in models.items():
            results["predictions"][name] = {}
            results["models"][name] = {"estimator": type(estimator).__name__}
            if name == OURS:
                from stance.model.pipeline import design_summary

                results["models"][name]["design"] = design_summary(estimator)
            for protocol in protocols:
                started = dt.datetime.now()
                predictions = protocol_predictions(estimator, corpus, features, n_splits, (protocol,),
                                                   realdev)[protocol]
                results["predictions"][name][protocol] = predictions
                results["models"][name][protocol] = metrics_for(protocol, corpus, predictions, realdev)
                if log:
                    seconds = (dt.datetime.now() - started).total_seconds()
                    log(f"{name:16s} {protocol:10s} macro-F1 {results['models'][name][protocol]['macro_f1']:.3f} "
                        f"({seconds:.0f}s)")
    if "loso" in protocols and OURS in models:
        results["error_analysis"] = seed_error_analysis(corpus, features, results["predictions"])
        results["loso_margins"] = loso_margins(corpus, results["predictions"])
    if realdev is not None and OURS in models:
        results["realdev_margins"] = margins_over(OURS, "realdev", realdev.sentences, results["predictions"])
    return results


def _realdev_for(protocols):
    from stance.evaluation.realdev import RealdevData

    return RealdevData.load() if "realdev" in protocols else None


def seed_error_analysis(corpus: pd.DataFrame, features: pd.DataFrame, predictions: dict) -> dict:
    """Our model's most confident leave-one-seed-article-out mistakes and what they share."""
    loso = predictions[OURS]["loso"]
    mistakes = confident_mistakes(corpus, features, loso)
    lexicon = predictions.get("lexicon", {}).get("loso")
    population = corpus.loc[loso.index]
    return {
        "mistakes": mistakes.reset_index(drop=True).to_dict("records"),
        "profile": mistake_profile(mistakes, population, features,
                                   None if lexicon is None else lexicon.loc[loso.index, "pred"]),
        "n_wrong": int((corpus.loc[loso.index, "label"] != loso["pred"]).sum()),
        "n": int(len(loso)),
    }


def held_out_predictions(estimator, corpus: pd.DataFrame, features: pd.DataFrame) -> dict:
    """Test-split, LOSO and (when present) realdev predictions of ``estimator``, one thread per fit."""
    with threadpool_limits(limits=1):
        return protocol_predictions(estimator, corpus, features, protocols=("test", "loso", "realdev"),
                                    realdev=_realdev_for(("realdev",)))


def held_out_metrics(estimator, corpus: pd.DataFrame | None = None, features: pd.DataFrame | None = None,
                     predictions: dict | None = None) -> dict:
    """Test-split and leave-one-seed-article-out figures for a model card.

    Returns
    -------
    dict
        ``{"test": figures, "leave_one_seed_out": {"pooled": figures, "per_article": {doc_id: macro-F1}}}``
        (figures without slices; headline, per class, confusion, calibration), plus ``"realdev"``
        (sentence figures and article AUC) when the realdev folder exists.
        ``predictions``: the ``test``, ``loso`` (and ``realdev``) predictions when already computed.
    """
    if corpus is None or features is None:
        corpus, features = evaluation_data(corpus)
    if predictions is None:
        predictions = held_out_predictions(estimator, corpus, features)
    loso = protocol_metrics(corpus, predictions["loso"], per_fold=True)
    figures = {
        "test": {k: v for k, v in protocol_metrics(corpus, predictions["test"]).items() if k != "slices"},
        "leave_one_seed_out": {
            "pooled": {k: v for k, v in loso.items() if k not in ("slices", "per_fold")},
            "per_article_macro_f1": {doc: m["macro_f1_present"] for doc, m in loso["per_fold"].items()},
        },
    }
    if "realdev" in predictions:  # measured only: realdev never trains anything
        realdev = _realdev_for(("realdev",))
        figures["realdev"] = {k: v for k, v in realdev.metrics(predictions["realdev"]).items() if k != "slices"}
    return figures
