"""Misclassification rates on real text, recorded in the model card.

The adjusted outlet estimates (:mod:`stance.results.quantify`) need to know how
the model errs on real articles, not on the team's own sentences. Two sources,
both out of sample:

* ``loso``: the five seed articles, each predicted by the design refitted on
  train+dev without it (always available);
* ``realdev``: the labelled real sentences in ``../shared/data/realdev``
  (or ``$STANCE_REALDEV_DIR``), predicted by the fitted model, which never saw
  them; used only when present, and only to measure.

The card keeps, per source and pooled, the confusion counts (rows true, columns
predicted) and the summed predicted probabilities per true class: the counts
behind every rate, so that intervals can reflect how well each rate is known.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from stance.config import LABELS, ROOT

RATE_LABELS = ("pro", "anti", "neutral")
PROBABILITY_COLUMNS = [f"p_{label}" for label in RATE_LABELS]


def loso_predictions(design, corpus: pd.DataFrame | None = None, features: pd.DataFrame | None = None,
                     loso: pd.DataFrame | None = None) -> pd.DataFrame:
    """Leave-one-seed-article-out predictions of ``design`` with the seed sentences' true labels."""
    from threadpoolctl import threadpool_limits

    from stance.evaluation.harness import evaluation_data, protocol_predictions

    if corpus is None or features is None:
        corpus, features = evaluation_data(corpus)
    if loso is None:
        with threadpool_limits(limits=1):
            loso = protocol_predictions(design, corpus, features, protocols=("loso",))["loso"]
    rows = corpus.loc[loso.index]
    return pd.DataFrame({"source": "loso", "doc_id": rows["doc_id"].to_numpy(), "label": rows["label"].to_numpy(),
                         "pred": loso["pred"].to_numpy(), **{c: loso[c].to_numpy() for c in PROBABILITY_COLUMNS}})


def realdev_predictions(model) -> pd.DataFrame | None:
    """The fitted ``model``'s predictions on the realdev sentences, or ``None`` without realdev."""
    from stance.evaluation.harness import class_probabilities
    from stance.evaluation.realdev import RealdevData

    data = RealdevData.load(model.named_steps["spacy"].spacy_model)
    if data is None:
        return None
    realdev = data.sentences
    proba = class_probabilities(model, data.features, labels=LABELS)
    frame = pd.DataFrame(proba, columns=[f"p_{label}" for label in LABELS])
    return pd.DataFrame({"source": "realdev", "doc_id": realdev["doc_id"].to_numpy(),
                         "label": realdev["label"].to_numpy(),
                         "pred": np.asarray(LABELS, dtype=object)[proba.argmax(axis=1)],
                         **{c: frame[c].to_numpy() for c in PROBABILITY_COLUMNS}})


def out_of_sample_predictions(design, model, corpus=None, features=None, loso=None) -> pd.DataFrame:
    """LOSO seed predictions, plus realdev predictions when realdev is present (``source`` says which)."""
    frames = [loso_predictions(design, corpus, features, loso), realdev_predictions(model)]
    return pd.concat([f for f in frames if f is not None], ignore_index=True)


def rate_counts(predictions: pd.DataFrame) -> dict:
    """Confusion counts and probability sums (rows true, columns predicted, ``RATE_LABELS`` order)."""
    true = pd.Categorical(predictions["label"], categories=RATE_LABELS)
    pred = pd.Categorical(predictions["pred"], categories=RATE_LABELS)
    confusion = pd.crosstab(true, pred, dropna=False).reindex(index=RATE_LABELS, columns=RATE_LABELS, fill_value=0)
    sums = predictions.groupby(true, observed=False)[PROBABILITY_COLUMNS].sum().reindex(RATE_LABELS, fill_value=0)
    return {
        "n_sentences": int(len(predictions)),
        "n_articles": int(predictions["doc_id"].nunique()),
        "confusion": confusion.to_numpy().astype(int).tolist(),
        "probability_sums": np.round(sums.to_numpy(), 6).tolist(),
    }


def misclassification_section(predictions: pd.DataFrame) -> dict:
    """The card's ``misclassification`` entry: counts per source and pooled, with the rates they give."""
    pooled = rate_counts(predictions)
    confusion = np.asarray(pooled["confusion"], dtype=float)
    sums = np.asarray(pooled["probability_sums"], dtype=float)
    per_row = np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    return {
        "labels": list(RATE_LABELS),
        "rows": "true label", "columns": "predicted label",
        "sources_used": sorted(predictions["source"].unique()),
        "sources": {source: rate_counts(frame) for source, frame in predictions.groupby("source")},
        **pooled,
        # per calibration article (no ids, no text): errors cluster by article, and intervals resample them
        "per_article": [{k: v for k, v in rate_counts(frame).items() if k in ("confusion", "probability_sums")}
                        for _, frame in predictions.groupby(["source", "doc_id"], sort=True)],
        "rates": {"acc": np.round(confusion / per_row, 4).tolist(), "pacc": np.round(sums / per_row, 4).tolist()},
    }


def add_rates_to_card(model_path) -> dict:
    """Measure the rates of an existing model and write them into its card; return the section.

    LOSO refits the model's design (``pipeline_params`` in the card) on the
    corpus; realdev is predicted by the model file itself.
    """
    from stance.model.card import card_path, load_model, read_card
    from stance.model.pipeline import build_pipeline

    card = read_card(model_path)
    model = load_model(model_path)
    section = misclassification_section(out_of_sample_predictions(build_pipeline(**card.get("pipeline_params", {})),
                                                                  model))
    card["misclassification"] = section
    card_path(model_path).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return section
