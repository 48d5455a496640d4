"""The committed accurate model: small file, no torch at label time, same labels and probabilities as torch."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from stance.config import MODELS_DIR
from stance.sentences import onnx_encoder

ACCURATE = MODELS_DIR / "stance-accurate.skops"
HAVE_MODEL = ACCURATE.exists() and importlib.util.find_spec("onnxruntime") is not None
HAVE_TORCH = all(importlib.util.find_spec(m) for m in ("torch", "sentence_transformers", "safetensors"))
needs_model = pytest.mark.skipif(not HAVE_MODEL, reason="no accurate model or no onnxruntime")

SENTENCES = ["NATO's growth threatens Russia, and the West should have listened.",
             "Russia's concerns are a pretext for a war of conquest.",
             "The talks will resume in Geneva next week, a spokesman said.",
             "Neither NATO nor US policy caused the war.",
             "Any settlement must take Moscow's legitimate security interests into account."]


def test_committed_encoder_and_model_stay_small():
    for path in [ACCURATE, onnx_encoder.DEFAULT_ENCODER_DIR / "encoder.onnx",
                 onnx_encoder.DEFAULT_ENCODER_DIR / "trained_layers.safetensors"]:
        if path.exists():
            assert path.stat().st_size < 50 * 2**20, path


@needs_model
@pytest.mark.skipif(not HAVE_TORCH, reason="torch, sentence-transformers or safetensors not installed")
def test_onnx_run_gives_the_torch_run_labels_and_probabilities(monkeypatch):
    from stance.model.card import load_model
    from stance.sentences.encoder_training import load_torch_encoder

    model = load_model(ACCURATE)
    onnx_proba = model.predict_proba(SENTENCES)
    onnx_labels = model.predict(SENTENCES)
    torch_encoder = load_torch_encoder(onnx_encoder.DEFAULT_ENCODER_DIR)

    def torch_encode(texts, *args, **kwargs):
        return torch_encoder.encode(list(texts), normalize_embeddings=True).astype(np.float32)

    monkeypatch.setattr(onnx_encoder, "encode", torch_encode)
    np.testing.assert_array_equal(model.predict(SENTENCES), onnx_labels)
    np.testing.assert_allclose(model.predict_proba(SENTENCES), onnx_proba, atol=1e-4)
