"""Named model designs: what `stance train --design` fits and `stance evaluate --report --design` compares.

A design is a set of :func:`stance.model.pipeline.build_pipeline` arguments
with a one-line description. Every design ever tried stays here (the ones
that lost too), so the evaluation report can regenerate the whole comparison.
"""
from __future__ import annotations

from sklearn.pipeline import Pipeline

from stance.model.pipeline import build_pipeline

# Fine-tuned by `stance train-encoder` (SetFit-style pairs, 3 of 6 layers frozen, early stopping on dev).
TUNED_ENCODER = "models/encoders/minilm-stance"

DESIGNS: dict[str, dict] = {
    # The committed fast default (`stance train`, `make train`): chosen on realdev + LOSO (README).
    "default": {"description": "n-grams, cues, flags + model2vec static embedding (weight 1) + prototype similarity",
                "params": {"static_embeddings": True, "static_weight": 1.0, "prototypes": True}},
    "ngrams": {"description": "lemma + character n-grams, cue lexicons, flags; calibrated linear SVM (default until issue 12)",
               "params": {}},
    "minilm": {"description": "ngrams + frozen all-MiniLM-L6-v2 sentence embedding (weight 0.5)",
               "params": {"embeddings": True}},
    # Issue 12: static embeddings distilled from all-MiniLM-L6-v2 by model2vec (no torch at run time)
    # and similarity to team-written stance prototypes, as blocks beside the n-grams.
    "static": {"description": "ngrams + model2vec static embedding of all-MiniLM-L6-v2 (256 dims, weight 1)",
               "params": {"static_embeddings": True, "static_weight": 1.0}},
    "prototypes": {"description": "ngrams + similarity to team-written stance prototypes (static model)",
                   "params": {"prototypes": True}},
    "minilm-frozen-only": {"description": "frozen all-MiniLM-L6-v2 embedding and the flags alone (no n-grams)",
                           "params": {"embeddings": True, "embedding_weight": 1.0, "ngram_blocks": False}},
    "minilm-tuned-only": {"description": "fine-tuned MiniLM (ONNX, models/encoders/minilm-stance) and the flags alone",
                          "params": {"encoder": TUNED_ENCODER, "encoder_weight": 1.0, "ngram_blocks": False}},
    "minilm-tuned": {"description": "default + fine-tuned MiniLM embedding via ONNX Runtime (weight 0.5)",
                     "params": {"encoder": TUNED_ENCODER, "encoder_weight": 0.5}},
    "minilm-tuned-w1": {"description": "default + fine-tuned MiniLM embedding via ONNX Runtime (weight 1.0)",
                        "params": {"encoder": TUNED_ENCODER, "encoder_weight": 1.0}},
}


def build_design(name: str) -> Pipeline:
    """The untrained pipeline of design ``name``."""
    if name not in DESIGNS:
        raise KeyError(f"unknown design {name!r}; known: {', '.join(DESIGNS)}")
    return build_pipeline(**DESIGNS[name]["params"])


def design_params(name: str) -> dict:
    """The ``build_pipeline`` arguments of design ``name`` (what the card records)."""
    build_design(name)  # validates the name
    return dict(DESIGNS[name]["params"])
