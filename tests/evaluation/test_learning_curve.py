import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from stance.evaluation.learning_curve import drawn_documents, learning_curve, plot_learning_curve


class WordVote(ClassifierMixin, BaseEstimator):
    """Labels a row by the training label most often seen with its first word (a tiny learner)."""

    def fit(self, X, y):
        self.classes_ = np.array(["anti", "neutral", "pro"], dtype=object)
        first = X["text"].str.split().str[0]
        self.vote_ = pd.Series(y, index=X.index).groupby(first.to_numpy()).agg(lambda s: s.mode()[0]).to_dict()
        return self

    def predict_proba(self, X):
        labels = X["text"].str.split().str[0].map(self.vote_).fillna("neutral")
        return np.column_stack([labels == c for c in self.classes_]).astype(float)


def corpus_and_features():
    words = {"pro": "reassure", "anti": "deter", "neutral": "meeting"}
    rows = []
    for d in range(16):
        source, split = ("seed", "train") if d < 2 else ("authored", ["train", "train", "dev", "test"][d % 4])
        for k, label in enumerate(["pro", "anti", "neutral"] * 2):
            rows.append({"doc_id": f"doc-{d}", "source": source, "split": split, "label": label,
                         "text": f"{words[label]} sentence {k}"})
    corpus = pd.DataFrame(rows)
    return corpus, corpus[["text"]].copy()


def test_drawn_documents_are_authored_train_or_dev():
    corpus, _ = corpus_and_features()
    docs = drawn_documents(corpus, 0.5, np.random.default_rng(0))
    allowed = set(corpus.loc[(corpus["source"] == "authored") & corpus["split"].isin(["train", "dev"]), "doc_id"])
    assert docs <= allowed and len(docs) == round(len(allowed) / 2)


def test_learning_curve_draws_and_summary(tmp_path):
    corpus, features = corpus_and_features()
    curve = learning_curve(WordVote(), corpus, features, fractions=(0.25, 1.0), n_draws=2)
    assert [(d["fraction"], d["draw"]) for d in curve["draws"]] == [(0.25, 0), (0.25, 1), (1.0, 0)]
    full = curve["summary"][-1]
    assert full["loso"]["mean"] == 1.0 and full["grouped_cv"]["mean"] == 1.0  # the cue word decides
    assert plot_learning_curve(curve["summary"], tmp_path / "curve.png").stat().st_size > 0
