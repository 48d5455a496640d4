"""The fine-tuned encoder through ONNX Runtime: unit vectors, caching, hash check, no torch, same as torch."""
from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from stance.config import ROOT
from stance.sentences import onnx_encoder
from stance.sentences.onnx_encoder import DEFAULT_ENCODER_DIR, DIMENSIONS, EncoderMissing, OnnxSentenceEmbedding

HAVE_ENCODER = (DEFAULT_ENCODER_DIR / "encoder.onnx").exists() and importlib.util.find_spec("onnxruntime") is not None
HAVE_TORCH = all(importlib.util.find_spec(m) for m in ("torch", "sentence_transformers", "safetensors"))
needs_encoder = pytest.mark.skipif(not HAVE_ENCODER, reason="no ONNX encoder folder or no onnxruntime")

SENTENCES = ["Russia will need security guarantees before any ceasefire.",
             "Moscow's talk of encirclement is a pretext for conquest.",
             "The foreign ministers met in Vienna on Tuesday.",
             "Neither NATO nor US policy caused the war."]


@needs_encoder
def test_embeddings_are_unit_vectors_scaled_by_weight():
    rows = [[s] for s in SENTENCES]
    plain = OnnxSentenceEmbedding().fit(rows).transform(rows)
    assert plain.shape == (len(SENTENCES), DIMENSIONS) and plain.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(plain, axis=1), 1.0, rtol=1e-5)
    half = OnnxSentenceEmbedding(weight=0.5).fit(rows).transform(rows)
    np.testing.assert_allclose(half, 0.5 * plain, rtol=1e-6)


@needs_encoder
def test_batching_and_order_do_not_change_vectors():
    encoder = onnx_encoder.load_encoder(str(DEFAULT_ENCODER_DIR))
    one_by_one = np.vstack([encoder._run([s], 1)[0] for s in SENTENCES])
    together = np.vstack(encoder._run(SENTENCES[::-1], 4)[::-1])
    np.testing.assert_allclose(one_by_one, together, atol=1e-5)


@needs_encoder
def test_fitted_block_pickles_small_and_refuses_another_file():
    block = OnnxSentenceEmbedding().fit([["x"]])
    restored = pickle.loads(pickle.dumps(block))
    assert len(pickle.dumps(block)) < 2000  # no session or weights inside
    np.testing.assert_allclose(restored.transform([["peace talks"]]), block.transform([["peace talks"]]))
    restored.encoder_sha256_ = "0" * 64
    with pytest.raises(EncoderMissing, match="sha256"):
        restored.transform([["a sentence never encoded before in this process"]])


def test_missing_encoder_folder_says_how_to_make_it(tmp_path):
    with pytest.raises(EncoderMissing, match="make encoder|onnxruntime"):
        OnnxSentenceEmbedding(encoder_dir=str(tmp_path)).fit([["x"]])


@needs_encoder
def test_label_time_needs_no_torch():
    code = ("import sys\n"
            "from stance.sentences.onnx_encoder import OnnxSentenceEmbedding\n"
            "v = OnnxSentenceEmbedding().fit([['x']]).transform([['Security guarantees for Russia.']])\n"
            "assert v.shape == (1, 384)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@needs_encoder
@pytest.mark.skipif(not HAVE_TORCH, reason="torch, sentence-transformers or safetensors not installed")
def test_onnx_vectors_match_the_torch_encoder():
    from stance.sentences.encoder_training import load_torch_encoder

    torch_vectors = load_torch_encoder(DEFAULT_ENCODER_DIR).encode(SENTENCES, normalize_embeddings=True)
    onnx_vectors = onnx_encoder.encode(SENTENCES)
    np.testing.assert_allclose(onnx_vectors, torch_vectors, atol=2e-5)


if HAVE_ENCODER:
    @parametrize_with_checks([OnnxSentenceEmbedding()])
    def test_sklearn_compatible(estimator, check):
        check(estimator)
