"""A fine-tuned sentence encoder run through ONNX Runtime: no torch at label time.

The encoder is a folder (``models/encoders/minilm-stance/``) holding
``encoder.onnx`` (all-MiniLM-L6-v2 fine-tuned on stance pairs by
:mod:`stance.sentences.encoder_training`, mean pooling and unit length inside
the graph, weights stored as float16 and computed in float32),
``tokenizer.json`` (Hugging Face ``tokenizers``) and ``encoder.json`` (how it
was trained). :class:`OnnxSentenceEmbedding` is the feature block; the
fitted block keeps only the folder's path and the file's sha256, and opens
the session lazily, refusing a file whose hash differs.

Examples
--------
>>> block = OnnxSentenceEmbedding().fit([["x"]])  # doctest: +SKIP
>>> block.transform([["Russia needs guarantees."]]).shape  # doctest: +SKIP
(1, 384)
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from stance.config import MODELS_DIR, ROOT, file_sha256

DEFAULT_ENCODER_DIR = MODELS_DIR / "encoders" / "minilm-stance"
DIMENSIONS = 384
CACHE_LIMIT = 100_000  # vectors per encoder; cleared whole when full


class EncoderMissing(RuntimeError):
    """The encoder folder, or ONNX Runtime / tokenizers, is not there."""


def resolve(encoder_dir: str | Path) -> Path:
    """An encoder folder; relative paths are taken from the repository root, so a model file travels."""
    path = Path(encoder_dir)
    return path if path.is_absolute() else ROOT / path


def onnx_threads() -> int:
    """Intra-op threads: ``STANCE_ONNX_THREADS``, else the labelling workers' ``STANCE_TORCH_THREADS``, else 1.

    One thread by default: the labeller scales by processes, one per core,
    and a second thread inside each would only compete with them.
    """
    return int(os.environ.get("STANCE_ONNX_THREADS") or os.environ.get("STANCE_TORCH_THREADS") or 1)


class _Encoder:
    """An ONNX Runtime session, its tokenizer, and a text-keyed cache of vectors."""

    def __init__(self, directory: Path):
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EncoderMissing("this model needs onnxruntime and tokenizers: `pip install -e .`") from exc
        onnx_path = directory / "encoder.onnx"
        if not onnx_path.exists():
            raise EncoderMissing(f"{onnx_path}: no encoder here; `make encoder` trains and exports it")
        self.sha256 = file_sha256(onnx_path)
        meta = json.loads((directory / "encoder.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta["max_seq_length"]))
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = onnx_threads()
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            if len(self.cache) + len(missing) > CACHE_LIMIT:
                self.cache.clear()
            self.cache.update(zip(missing, self._run(missing, batch_size)))
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack([self.cache[t] for t in texts])

    def _run(self, texts: list[str], batch_size: int) -> list[np.ndarray]:
        encodings = self.tokenizer.encode_batch(texts)
        # Sorting by length keeps padding (wasted work) small; results go back in input order.
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        out: list[np.ndarray | None] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            vectors = self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
            for r, i in enumerate(rows):
                out[i] = vectors[r].astype(np.float32)
        return out


@lru_cache(maxsize=4)
def _open(directory: str) -> _Encoder:
    return _Encoder(Path(directory))


def load_encoder(directory: str, sha256: str | None = None) -> _Encoder:
    """The encoder of ``directory``, opened once per process; refused if its sha256 is not ``sha256``."""
    encoder = _open(directory)
    if sha256 and encoder.sha256 != sha256:
        raise EncoderMissing(f"{directory}/encoder.onnx: sha256 differs from the one this model was fitted with")
    return encoder


def encode(texts: list[str], encoder_dir: str | Path = DEFAULT_ENCODER_DIR, batch_size: int = 32,
           sha256: str | None = None) -> np.ndarray:
    """Unit-length embeddings of ``texts`` by the ONNX encoder, one float32 row each."""
    return load_encoder(str(resolve(encoder_dir)), sha256).encode(list(texts), batch_size)


def _not_a_string(X):
    if isinstance(X, str):
        raise TypeError("expected a 2-D input of sentences, got a single string; use [[text]] or encode()")
    return X


class OnnxSentenceEmbedding(TransformerMixin, BaseEstimator):
    """Texts to fine-tuned MiniLM embeddings via ONNX Runtime (384 columns, unit length, times ``weight``).

    Nothing is learnt by :meth:`fit`: it checks the encoder and records its
    sha256. Input is 2-D (in a ``ColumnTransformer``, select ``["text"]``);
    the columns of a row are joined with spaces.

    Parameters
    ----------
    encoder_dir : str
        Encoder folder; relative to the repository root unless absolute.
    weight : float
        Scale of the block next to the other feature blocks.
    batch_size : int
        Sentences per ONNX Runtime call.
    """

    def __init__(self, encoder_dir="models/encoders/minilm-stance", weight=1.0, batch_size=32):
        self.encoder_dir = encoder_dir
        self.weight = weight
        self.batch_size = batch_size

    def fit(self, X, y=None):
        validate_data(self, _not_a_string(X), dtype=None, ensure_all_finite=False)
        directory = resolve(self.encoder_dir)
        # fails early, with the reason, when something is missing
        self.encoder_sha256_ = load_encoder(str(directory)).sha256
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, _not_a_string(X), dtype=None, ensure_all_finite=False, reset=False)
        texts = [" ".join(map(str, row)) for row in X]
        return self.weight * encode(texts, self.encoder_dir, self.batch_size, self.encoder_sha256_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []
        return tags

    def get_feature_names_out(self, input_features=None):
        return np.array([f"encoder_{i}" for i in range(DIMENSIONS)], dtype=object)
