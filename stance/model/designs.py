"""Named model designs: what `stance train --design` fits and `stance evaluate --report --design` compares.

A design is a set of :func:`stance.model.pipeline.build_pipeline` arguments
with a one-line description. Every design ever tried stays here (the ones
that lost too), so the evaluation report can regenerate the whole comparison.
"""
from __future__ import annotations

from sklearn.pipeline import Pipeline

from stance.model.pipeline import build_pipeline

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
