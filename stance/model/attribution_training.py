"""Train the attribution classifier (:mod:`stance.sentences.attribution`) and write it with its card.

Figures in the card: Cohen's kappa with the annotations for the learned
classifier and for the rules alone, on the test split, on the five seed
articles (each scored by a model fitted without it) and on realdev when its
folder exists (measured only; realdev trains nothing, and the threshold was
chosen on the seed articles).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score

from stance.config import MODELS_DIR
from stance.model.card import ModelIntegrityError, card_path, file_sha256, library_versions, read_model_file, write_model_file
from stance.sentences.attribution import (ATTRIBUTION_C, ATTRIBUTION_NGRAM_WEIGHT, ATTRIBUTION_THRESHOLD,
                                          AttributionModel, fit_attribution)

DEFAULT_ATTRIBUTION_PATH = MODELS_DIR / "attribution.skops"
TRAIN_SPLITS = ("train", "dev")


def kappa(gold, predicted) -> float:
    return float(cohen_kappa_score(np.asarray(gold, dtype=bool), np.asarray(predicted, dtype=bool)))


def attribution_figures(corpus, features, realdev=None) -> dict:
    """Kappa of the learned classifier and of the rules: test split, seeds (leave one out), realdev."""
    gold = corpus["attributed"].astype(bool).to_numpy()
    in_train = corpus["split"].isin(TRAIN_SPLITS).to_numpy()
    test = (corpus["split"] == "test").to_numpy()
    model = fit_attribution(features[in_train], gold[in_train])
    out = {"test": {"learned": kappa(gold[test], model.predict(features[test])),
                    "rules": kappa(gold[test], features.loc[test, "attributed"]), "n": int(test.sum())}}
    seed_pred = np.zeros(len(corpus), bool)
    seeds = (corpus["source"] == "seed").to_numpy()
    for doc in corpus.loc[seeds, "doc_id"].unique():
        held = (corpus["doc_id"] == doc).to_numpy()
        seed_pred[held] = fit_attribution(features[in_train & ~held], gold[in_train & ~held]).predict(features[held])
    out["seeds_leave_one_out"] = {"learned": kappa(gold[seeds], seed_pred[seeds]),
                                  "rules": kappa(gold[seeds], features.loc[seeds, "attributed"]),
                                  "n": int(seeds.sum())}
    if realdev is not None:
        real_gold = realdev.sentences["attributed"].astype(bool)
        out["realdev"] = {"learned": kappa(real_gold, model.predict(realdev.features)),
                          "rules": kappa(real_gold, realdev.features["attributed"]), "n": int(len(real_gold))}
    return out


def train_attribution(out: str | Path = DEFAULT_ATTRIBUTION_PATH) -> dict:
    """Fit on the train+dev annotations, save with a card of kappa figures; return the card."""
    from stance.evaluation.harness import _realdev_for, evaluation_data

    corpus, features = evaluation_data()
    figures = attribution_figures(corpus, features, _realdev_for(("realdev",)))
    rows = corpus["split"].isin(TRAIN_SPLITS).to_numpy()
    model = fit_attribution(features[rows], corpus.loc[rows, "attributed"].astype(bool))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_model_file(model, out)  # skops, trusted types only, like every model file
    card = {"model_file": out.name, "sha256": file_sha256(out),
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "task": "attributed (reports someone else's words or position) vs own voice",
            "params": {"C": ATTRIBUTION_C, "ngram_weight": ATTRIBUTION_NGRAM_WEIGHT,
                       "threshold": ATTRIBUTION_THRESHOLD},
            "training_data": {"splits": list(TRAIN_SPLITS), "n_sentences": int(rows.sum()),
                              "attributed_share": float(corpus.loc[rows, "attributed"].astype(bool).mean())},
            "cohen_kappa": figures, "libraries": library_versions()}
    card_path(out).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def load_attribution(path: str | Path = DEFAULT_ATTRIBUTION_PATH) -> AttributionModel:
    """The attribution classifier at ``path``, checked against its card's sha256."""
    path = Path(path)
    card = json.loads(card_path(path).read_text(encoding="utf-8"))
    if card.get("sha256") != file_sha256(path):
        raise ModelIntegrityError(f"{path}: sha256 differs from its card; retrain with `stance train-attribution`")
    return read_model_file(path)
