"""Measurement on ``realdev``: real article openings from 50 outlets, labelled, never trained on.

The data lives outside the repository (``../shared/data/realdev`` beside the
checkout, or ``STANCE_REALDEV_DIR``) and never enters it: no text, no
fixture, no fitted weight. Models are fitted on the corpus' train+dev
splits and only *scored* here, at sentence level (macro-F1, F_avg, Brier,
ECE) and at article level (how well per-article net stance separates the
pro from the anti articles, as ROC AUC).
"""
from __future__ import annotations

import os
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from stance.config import LABELS, ROOT

REALDEV_DIR = ROOT.parent / "shared" / "data" / "realdev"
SENTENCE_COLUMNS = ("doc_id", "outlet", "register", "sent_idx", "text", "label", "attributed")


def realdev_dir() -> Path:
    return Path(os.environ.get("STANCE_REALDEV_DIR", REALDEV_DIR))


def realdev_available() -> bool:
    return (realdev_dir() / "sentences.jsonl").exists()


def load_realdev() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The labelled sentences and the articles (``doc_id``, ``article_stance``, ...) of realdev."""
    directory = realdev_dir()
    if not realdev_available():
        raise FileNotFoundError(f"{directory}: no realdev data (sentences.jsonl); set STANCE_REALDEV_DIR.")
    sentences = pd.read_json(directory / "sentences.jsonl", lines=True, dtype={"doc_id": str})
    sentences = sentences[[c for c in SENTENCE_COLUMNS if c in sentences]].reset_index(drop=True)
    sentences["source"] = "realdev"
    articles_path = directory / "articles.jsonl"
    if articles_path.exists():
        articles = pd.read_json(articles_path, lines=True, dtype={"doc_id": str})
    else:  # sentence labels alone still give every sentence-level figure
        articles = pd.DataFrame({"doc_id": sentences["doc_id"].unique(), "article_stance": None})
    columns = [c for c in ("doc_id", "outlet", "register", "article_stance") if c in articles]
    return sentences, articles[columns]


def realdev_features(sentences: pd.DataFrame, spacy_model: str | None = None) -> pd.DataFrame:
    """Feature records of realdev sentences (cached locally under build/, never committed)."""
    from stance.evaluation.harness import featurize_corpus

    return featurize_corpus(sentences["text"].astype(str).tolist(), spacy_model).set_axis(sentences.index)


def fit_and_predict(estimator, X_train: pd.DataFrame, y_train, X_real: pd.DataFrame) -> pd.DataFrame:
    """Fit a clone on the training rows and return ``pred`` and ``p_<label>`` for the realdev rows."""
    from stance.evaluation.harness import class_probabilities

    model = clone(estimator).fit(X_train, np.asarray(y_train, dtype=object))
    return predictions_frame(class_probabilities(model, X_real), X_real.index)


def predictions_frame(proba: np.ndarray, index) -> pd.DataFrame:
    frame = pd.DataFrame(proba, columns=[f"p_{label}" for label in LABELS], index=index)
    frame.insert(0, "pred", np.asarray(LABELS, dtype=object)[proba.argmax(axis=1)])
    frame.insert(0, "fold", "realdev")
    return frame


def article_net_stance(sentences: pd.DataFrame, labels: pd.Series) -> pd.Series:
    """Per-article net stance ``(pro - anti) / (pro + anti)`` (0 with neither) from sentence labels."""
    counts = pd.crosstab(sentences["doc_id"], labels.rename("label")).reindex(columns=LABELS, fill_value=0)
    total = counts["pro"] + counts["anti"]
    return ((counts["pro"] - counts["anti"]) / total.where(total > 0)).fillna(0.0)


def article_auc(sentences: pd.DataFrame, articles: pd.DataFrame, labels: pd.Series) -> float:
    """ROC AUC of per-article net stance for telling the pro articles from the anti ones."""
    net = article_net_stance(sentences, labels)
    stance = articles.set_index("doc_id")["article_stance"]
    sided = stance[stance.isin(["pro", "anti"])]
    if sided.nunique() < 2:
        return float("nan")
    return float(roc_auc_score(sided == "pro", net.reindex(sided.index).fillna(0.0)))


def realdev_metrics(sentences: pd.DataFrame, articles: pd.DataFrame, predictions: pd.DataFrame) -> dict:
    """Sentence figures (as the other protocols) plus article AUC, from predictions and from the gold labels."""
    from stance.evaluation.harness import prediction_metrics, slice_metrics

    out = prediction_metrics(sentences.loc[predictions.index, "label"], predictions)
    out["slices"] = {col: slice_metrics(sentences, predictions, col) for col in ("register", "attributed")}
    out["article_auc"] = article_auc(sentences, articles, predictions["pred"])
    own = ~sentences.loc[predictions.index, "attributed"].astype(bool)
    out["article_auc_own_voice_gold_attribution"] = article_auc(
        sentences.loc[own[own].index], articles, predictions.loc[own[own].index, "pred"])
    out["article_auc_reference_labels"] = article_auc(sentences, articles, sentences["label"])
    out["n_articles"] = int(sentences["doc_id"].nunique())
    return out


class RealdevData:
    """Sentences, articles and feature records of realdev, loaded once per evaluation run."""

    def __init__(self, sentences: pd.DataFrame, articles: pd.DataFrame, features: pd.DataFrame):
        self.sentences, self.articles, self.features = sentences, articles, features

    @classmethod
    def load(cls, spacy_model: str | None = None) -> "RealdevData | None":
        """The data, or ``None`` when the realdev folder is absent (then every realdev figure is skipped).

        Loaded once per folder and spaCy pipeline in a process: training asks for it for the
        card's figures, its rates and the report, and parsing 793 sentences is not free.
        """
        if not realdev_available():
            return None
        return _loaded(str(realdev_dir()), spacy_model)

    def metrics(self, predictions: pd.DataFrame) -> dict:
        out = realdev_metrics(self.sentences, self.articles, predictions)
        for name, attributed in self.detected_attribution.items():
            own = ~attributed.loc[predictions.index]
            out[f"article_auc_own_voice_{name}"] = article_auc(
                self.sentences.loc[own[own].index], self.articles, predictions.loc[own[own].index, "pred"])
        return out

    @cached_property
    def detected_attribution(self) -> dict:
        """Attribution as the labels output would give it: the rules, and the learned classifier if committed."""
        from stance.model.attribution_training import DEFAULT_ATTRIBUTION_PATH, load_attribution

        found = {"rules": self.features["attributed"].astype(bool)}
        if DEFAULT_ATTRIBUTION_PATH.exists():
            found["learned"] = pd.Series(load_attribution().predict(self.features), index=self.features.index)
        return found


@lru_cache(maxsize=4)
def _loaded(directory: str, spacy_model: str | None) -> RealdevData:
    sentences, articles = load_realdev()
    return RealdevData(sentences, articles, realdev_features(sentences, spacy_model))
