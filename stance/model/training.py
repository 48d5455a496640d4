"""Train the stance model on the annotated corpus and write it with its card."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from stance.config import DEFAULT_MODEL_PATH
from stance.annotations.annotated_corpus import data_sha256, featurize, load_annotations, read_jsonl
from stance.evaluation.metrics import classification_metrics
from stance.model import rates
from stance.model.pipeline import build_pipeline
from stance.model.card import label_counts, save_model
from stance.sentences.spacy_pipeline import cached_nlp

TRAIN_SPLITS = ("train", "dev")
# Weight of one user-annotated sentence relative to one corpus sentence. Chosen by
# `stance annotate simulate --pool seed --strategy uncertainty --user-weight W --max-labels 100`:
# mean macro-F1 over the rounds with 25-100 labels 0.630 at W=3 against 0.623 at W=1 (a small margin;
# reports/evaluation.md, "Annotation loop").
DEFAULT_USER_WEIGHT = 3.0


def training_frame(data_paths=None, splits=TRAIN_SPLITS) -> pd.DataFrame:
    """Labelled sentences to train on: the corpus' train+dev splits, or the given JSONL files."""
    if data_paths:
        df = pd.concat([read_jsonl(p) for p in data_paths], ignore_index=True)
        missing = {"text", "label"} - set(df.columns)
        if missing:
            raise ValueError(f"training data lacks column(s) {sorted(missing)}; each line needs 'text' and 'label'.")
        if "doc_id" not in df.columns:
            df["doc_id"] = [f"row-{i}" for i in range(len(df))]
        if "id" not in df.columns:
            df["id"] = df["doc_id"].astype(str) + "-" + df.index.astype(str)
        return df
    df = load_annotations()
    return df[df["split"].isin(splits)].reset_index(drop=True)


def user_training_rows(user_paths=None) -> tuple[list[Path], pd.DataFrame]:
    """The user annotation files (default: every file in ``corpus/annotations/user/``) and all their rows."""
    from stance.annotations.user_annotations import load_user_annotations, user_annotation_files

    paths = user_annotation_files() if user_paths is None else [Path(p) for p in user_paths]
    rows = load_user_annotations(paths)
    missing = {"text", "label", "doc_id", "split"} - set(rows.columns)
    if missing:
        raise ValueError(f"user annotations lack column(s) {sorted(missing)}; write them with `stance annotate import`.")
    return paths, rows


def sample_weights(df: pd.DataFrame, user_weight: float) -> np.ndarray:
    """1 for corpus sentences, ``user_weight`` for user-annotated ones."""
    is_user = (df["source"] == "user").to_numpy() if "source" in df.columns else np.zeros(len(df), dtype=bool)
    return np.where(is_user, float(user_weight), 1.0)


def user_data_card(paths: list[Path], rows: pd.DataFrame, user_weight: float) -> dict:
    """What the card records about user annotations: each file's sha256 and counts, and the weight."""
    from stance.model.card import file_sha256

    files = []
    for path in paths:
        part = rows[rows["file"] == f"user/{path.name}"]
        files.append({"file": str(path), "sha256": file_sha256(path), "n_sentences": int(len(part)),
                      "n_documents": int(part["doc_id"].nunique()),
                      "n_by_split": {s: int((part["split"] == s).sum()) for s in ("train", "dev", "test")},
                      "label_counts": label_counts(part["label"])})
    trained = rows[rows["split"].isin(TRAIN_SPLITS)]
    return {"weight": float(user_weight), "files": files, "n_trained_on": int(len(trained)),
            "label_counts_trained_on": label_counts(trained["label"])}


def grouped_cv_predictions(pipeline, X: pd.DataFrame, y: np.ndarray, groups, n_splits: int = 5,
                           weights: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold predictions with folds grouped by document."""
    predictions = np.empty(len(y), dtype=object)
    for train_idx, test_idx in GroupKFold(n_splits=n_splits).split(X, y, groups):
        fit_params = {} if weights is None else {"clf__sample_weight": weights[train_idx]}
        fitted = clone(pipeline).fit(X.iloc[train_idx], y[train_idx], **fit_params)
        predictions[test_idx] = fitted.predict(X.iloc[test_idx])
    return predictions


def is_current(out: str | Path, df: pd.DataFrame, pipeline_params: dict | None = None,
               user_weight: float | None = None) -> bool:
    """True when ``out`` exists, matches its card, and was trained on exactly ``df`` with ``pipeline_params``.

    ``user_weight`` is ``None`` when no user annotations are trained on.
    """
    from stance.model.card import ModelIntegrityError, read_card, verify_model_file

    try:
        verify_model_file(Path(out))
        card = read_card(out)
        return (card["training_data"]["sha256"] == data_sha256(df)
                and card.get("pipeline_params", {}) == (pipeline_params or {})
                and card["training_data"].get("user_data", {}).get("weight") == user_weight
                and card.get("encoder_sha256") == encoder_sha256(pipeline_params or {}))
    except (ModelIntegrityError, FileNotFoundError, KeyError):
        return False


def encoder_sha256(pipeline_params: dict) -> str | None:
    """The sha256 of the ONNX encoder a design uses (a retrained encoder makes the model stale), else None."""
    if not pipeline_params.get("encoder"):
        return None
    from stance.config import file_sha256
    from stance.sentences.onnx_encoder import resolve

    return file_sha256(resolve(pipeline_params["encoder"]) / "encoder.onnx")


def train(data_paths=None, out: str | Path = DEFAULT_MODEL_PATH, cv_folds: int = 5, if_changed: bool = False,
          user_paths=None, user_weight: float = DEFAULT_USER_WEIGHT, grouped_cv: bool = True,
          **pipeline_params) -> dict | None:
    """Fit the pipeline, cross-validate it by document, save it with its card.

    User annotations (``user_paths``; default every file in
    ``corpus/annotations/user/``, ``[]`` for none) join the training rows
    from their train and dev splits, each weighted ``user_weight``; their
    test split is scored into the card. Without user files the model and
    card are exactly those of the corpus alone.

    Returns the card, or ``None`` when ``if_changed`` and the model is current.
    ``grouped_cv=False`` skips the grouped CV of the card (the held-out figures stay): a third of the time.
    """
    df = training_frame(data_paths)
    files = sorted(set(df["file"])) if "file" in df.columns else [str(p) for p in data_paths]
    splits = sorted(set(df["split"])) if "split" in df.columns else None  # the corpus' splits, as without user data
    user_files, user_rows = user_training_rows(user_paths)
    if user_files:
        df = pd.concat([df, user_rows[user_rows["split"].isin(TRAIN_SPLITS)]], ignore_index=True)
        files += [f"user/{p.name}" for p in user_files]
    weight = float(user_weight) if user_files else None
    if if_changed and is_current(out, df, pipeline_params, weight):
        Path(out).touch()  # tells make the model is up to date
        return None
    pipeline = build_pipeline(**pipeline_params)
    X = featurize(df, cached_nlp(pipeline.named_steps["spacy"].spacy_model))
    y = df["label"].to_numpy()
    weights = sample_weights(df, user_weight) if user_files else None
    card = {
        "training_data": {
            "sha256": data_sha256(df),
            "files": files,
            "splits": splits,
            "n_sentences": int(len(df)),
            "n_documents": int(df["doc_id"].nunique()),
            "label_counts": label_counts(y),
        },
        "pipeline_params": pipeline_params,
    }
    if user_files:
        card["training_data"]["user_data"] = user_data_card(user_files, user_rows, user_weight)
    if encoder_sha256(pipeline_params):
        card["encoder_sha256"] = encoder_sha256(pipeline_params)
    if grouped_cv and cv_folds and df["doc_id"].nunique() >= cv_folds:
        oof = grouped_cv_predictions(pipeline, X, y, df["doc_id"], cv_folds, weights)
        card["metrics"] = {"grouped_cv": {"folds": cv_folds, **classification_metrics(y, oof)}}
    loso = None
    if cv_folds and not data_paths:
        from stance.evaluation.harness import evaluation_data, held_out_metrics, held_out_predictions

        # the corpus' own test split and leave-one-seed-article-out, as in reports/evaluation.md
        corpus, features = evaluation_data()
        predictions = held_out_predictions(pipeline, corpus, features)
        loso = rates.loso_predictions(pipeline, corpus, features, predictions["loso"])
        card.setdefault("metrics", {}).update(held_out_metrics(pipeline, corpus, features, predictions))
        card["evaluation_report"] = "reports/evaluation.md"
    pipeline.fit(X, y, **({} if weights is None else {"clf__sample_weight": weights}))
    user_test = user_rows[user_rows["split"] == "test"] if user_files else user_rows.iloc[:0]
    if len(user_test):
        predicted = pipeline.predict(user_test["text"].astype(str).tolist())
        card.setdefault("metrics", {})["user_test"] = classification_metrics(user_test["label"].tolist(), predicted)
    if cv_folds:  # --cv-folds 0 skips every held-out measurement, these rates included
        card.update(misclassification_card(pipeline, loso))
    return save_model(pipeline, out, card)


def misclassification_card(model, loso: pd.DataFrame | None) -> dict:
    """The card's rates: LOSO (training on the corpus) and realdev when present; nothing without either.

    A model trained on ``--data`` files gets realdev rates only, since the
    corpus' LOSO would measure another model.
    """
    frames = [f for f in (loso, rates.realdev_predictions(model)) if f is not None]
    if not frames:
        return {}
    return {"misclassification": rates.misclassification_section(pd.concat(frames, ignore_index=True))}
