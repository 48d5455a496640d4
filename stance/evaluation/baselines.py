"""Baselines the stance model is compared with, all as scikit-learn classifiers.

Every baseline takes the same input as the stance model's classifier stage:
a DataFrame of feature records (``stance.sentences.spacy_pipeline.FEATURE_COLUMNS``), of
which the baselines read only ``text`` (raw sentence) or ``lemmas``. That way
one spaCy parse of the corpus serves every model in an evaluation run, and
all of them see exactly the same rows, splits and folds.

* ``majority`` -- always the most frequent training label;
* ``lexicon`` -- the team's cue lexicons as a rule: more pro cues than anti
  cues is pro, the reverse anti, otherwise neutral (no learning);
* ``tfidf_logreg`` -- word uni/bi-gram TF-IDF of the raw text and a
  class-weighted logistic regression (no spaCy features);
* ``spacy_bow`` / ``spacy_ensemble`` -- spaCy's own ``TextCategorizer``
  trained in-process on a blank English pipeline.
"""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import spacy
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from stance.sentences.features import CueLexiconCounter

# spaCy's TextCategorizer architectures, as in spaCy's own default configs,
# with bigrams added to the bag of words (unigrams alone are a weaker baseline).
TEXTCAT_ARCHITECTURES = {
    "bow": {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": True,
        "ngram_size": 2,
        "no_output_layer": False,
        "length": 262144,
    },
    "ensemble": {
        "@architectures": "spacy.TextCatEnsemble.v2",
        "tok2vec": {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2",
                "width": 64,
                "rows": [2000, 2000, 500, 1000, 500],
                "attrs": ["NORM", "LOWER", "PREFIX", "SUFFIX", "SHAPE"],
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "width": 64,
                "window_size": 1,
                "maxout_pieces": 3,
                "depth": 2,
            },
        },
        "linear_model": {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": True,
            "ngram_size": 2,
            "no_output_layer": False,
            "length": 262144,
        },
    },
}


def _texts(X) -> list[str]:
    """The raw sentences of a feature-record frame, or of a plain list of strings."""
    if isinstance(X, pd.DataFrame):
        return X["text"].astype(str).tolist()
    return [str(t) for t in X]


class LexiconRuleClassifier(ClassifierMixin, BaseEstimator):
    """Label by the team's cue lexicons alone: the side with more cues wins.

    Ties (including no cue at all) are neutral. Negated cues count for the
    other side, as in :class:`stance.sentences.features.CueLexiconCounter`. ``fit``
    learns nothing but the label set; probabilities are one-hot.

    Parameters
    ----------
    lexicons : dict of str to list of str, optional
        Cue phrases per side; defaults to ``stance.sentences.features.CUE_LEXICONS``.
    neutral_label : str
        The label for sentences without a winning side.
    """

    def __init__(self, lexicons=None, neutral_label="neutral"):
        self.lexicons = lexicons
        self.neutral_label = neutral_label

    def fit(self, X, y):
        self.classes_ = np.unique(np.asarray(y, dtype=object))
        self.counter_ = CueLexiconCounter(lexicons=self.lexicons).fit([["x"]])
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        counts = self.counter_.transform(self._lemmas(X)).toarray()
        sides = self.counter_.sides_
        winner = counts.argmax(axis=1)
        tied = np.isclose(counts.max(axis=1), np.sort(counts, axis=1)[:, -2])
        return np.where(tied, self.neutral_label, np.asarray(sides, dtype=object)[winner])

    def predict_proba(self, X) -> np.ndarray:
        predicted = self.predict(X)
        return (predicted[:, None] == self.classes_[None, :]).astype(float)

    @staticmethod
    def _lemmas(X) -> list[list[str]]:
        column = X["lemmas"] if isinstance(X, pd.DataFrame) else pd.Series(list(X))
        return [[str(v)] for v in column]


class SpacyTextCategorizer(ClassifierMixin, BaseEstimator):
    """spaCy's ``TextCategorizer`` on a blank English pipeline, as a scikit-learn classifier.

    Trained in-process with ``nlp.update`` for a fixed number of epochs
    (no early stopping, so no data beyond the training rows is consulted).

    Parameters
    ----------
    architecture : {"bow", "ensemble"}
        Key of ``TEXTCAT_ARCHITECTURES``.
    n_epochs : int
        Passes over the training data.
    dropout : float
        Dropout rate during training.
    batch_size : int
        Examples per update.
    seed : int
        Seed for spaCy/thinc and the shuffling of examples.
    """

    def __init__(self, architecture="bow", n_epochs=10, dropout=0.2, batch_size=32, seed=0):
        self.architecture = architecture
        self.n_epochs = n_epochs
        self.dropout = dropout
        self.batch_size = batch_size
        self.seed = seed

    def fit(self, X, y):
        from spacy.training import Example
        from spacy.util import minibatch

        if self.architecture not in TEXTCAT_ARCHITECTURES:
            raise ValueError(f"unknown architecture {self.architecture!r}; use one of {sorted(TEXTCAT_ARCHITECTURES)}")
        spacy.util.fix_random_seed(self.seed)
        y = np.asarray(y, dtype=object)
        self.classes_ = np.unique(y)
        nlp = spacy.blank("en")
        textcat = nlp.add_pipe("textcat", config={"model": TEXTCAT_ARCHITECTURES[self.architecture]})
        for label in self.classes_:
            textcat.add_label(str(label))
        examples = [Example.from_dict(nlp.make_doc(text), {"cats": self._cats(label)})
                    for text, label in zip(_texts(X), y)]
        optimizer = nlp.initialize(lambda: examples)
        rng = random.Random(self.seed)
        for _ in range(self.n_epochs):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=self.batch_size):
                nlp.update(batch, sgd=optimizer, drop=self.dropout)
        self.nlp_ = nlp
        return self

    def _cats(self, label) -> dict:
        return {str(c): float(c == label) for c in self.classes_}

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        docs = self.nlp_.pipe(_texts(X), batch_size=256)
        scores = np.array([[doc.cats[str(c)] for c in self.classes_] for doc in docs], dtype=float)
        return scores / scores.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def tfidf_logreg(C: float = 4.0) -> Pipeline:
    """Word uni/bi-gram TF-IDF of the raw text with a class-weighted logistic regression."""
    return Pipeline([
        ("tfidf", ColumnTransformer([("text", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                                      "text")])),
        ("clf", LogisticRegression(C=C, class_weight="balanced", max_iter=5000)),
    ])


def build_baselines(ensemble: bool = False) -> dict:
    """Untrained baselines by name, in table order.

    Parameters
    ----------
    ensemble : bool
        Also include spaCy's ensemble ``TextCategorizer`` (several times slower).

    Returns
    -------
    dict of str to estimator
        Each accepts a feature-record DataFrame (or, except ``lexicon``, a list of sentences).
    """
    baselines = {
        "majority": DummyClassifier(strategy="most_frequent"),
        "lexicon": LexiconRuleClassifier(),
        "tfidf_logreg": tfidf_logreg(),
        "spacy_bow": SpacyTextCategorizer(architecture="bow"),
    }
    if ensemble:
        baselines["spacy_ensemble"] = SpacyTextCategorizer(architecture="ensemble", n_epochs=6)
    return baselines
