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
from stance.model.pipeline import build_pipeline
from stance.model.card import label_counts, save_model
from stance.sentences.spacy_pipeline import cached_nlp

TRAIN_SPLITS = ("train", "dev")


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


def grouped_cv_predictions(pipeline, X: pd.DataFrame, y: np.ndarray, groups, n_splits: int = 5) -> np.ndarray:
    """Out-of-fold predictions with folds grouped by document."""
    predictions = np.empty(len(y), dtype=object)
    for train_idx, test_idx in GroupKFold(n_splits=n_splits).split(X, y, groups):
        fitted = clone(pipeline).fit(X.iloc[train_idx], y[train_idx])
        predictions[test_idx] = fitted.predict(X.iloc[test_idx])
    return predictions


def is_current(out: str | Path, df: pd.DataFrame, pipeline_params: dict | None = None) -> bool:
    """True when ``out`` exists, matches its card, and was trained on exactly ``df`` with ``pipeline_params``."""
    from stance.model.card import ModelIntegrityError, read_card, verify_model_file

    try:
        verify_model_file(Path(out))
        card = read_card(out)
        return (card["training_data"]["sha256"] == data_sha256(df)
                and card.get("pipeline_params", {}) == (pipeline_params or {})
                and card.get("encoder_sha256") == encoder_sha256(pipeline_params or {}))
    except (ModelIntegrityError, FileNotFoundError, KeyError):
        return False


def encoder_sha256(pipeline_params: dict) -> str | None:
    """The sha256 of the ONNX encoder a design uses (a retrained encoder makes the model stale), else None."""
    if not pipeline_params.get("encoder"):
        return None
    from stance.sentences.onnx_encoder import file_sha256, resolve

    return file_sha256(resolve(pipeline_params["encoder"]) / "encoder.onnx")


def train(data_paths=None, out: str | Path = DEFAULT_MODEL_PATH, cv_folds: int = 5, if_changed: bool = False,
          **pipeline_params) -> dict | None:
    """Fit the pipeline, cross-validate it by document, save it with its card.

    Returns the card, or ``None`` when ``if_changed`` and the model is current.
    """
    df = training_frame(data_paths)
    if if_changed and is_current(out, df, pipeline_params):
        Path(out).touch()  # tells make the model is up to date
        return None
    pipeline = build_pipeline(**pipeline_params)
    X = featurize(df, cached_nlp(pipeline.named_steps["spacy"].spacy_model))
    y = df["label"].to_numpy()
    card = {
        "training_data": {
            "sha256": data_sha256(df),
            "files": sorted(set(df["file"])) if "file" in df.columns else [str(p) for p in data_paths],
            "splits": sorted(set(df["split"])) if "split" in df.columns else None,
            "n_sentences": int(len(df)),
            "n_documents": int(df["doc_id"].nunique()),
            "label_counts": label_counts(y),
        },
        "pipeline_params": pipeline_params,
    }
    if encoder_sha256(pipeline_params):
        card["encoder_sha256"] = encoder_sha256(pipeline_params)
    if cv_folds and df["doc_id"].nunique() >= cv_folds:
        oof = grouped_cv_predictions(pipeline, X, y, df["doc_id"], cv_folds)
        card["metrics"] = {"grouped_cv": {"folds": cv_folds, **classification_metrics(y, oof)}}
    if cv_folds and not data_paths:
        from stance.evaluation.harness import held_out_metrics

        # the corpus' own test split and leave-one-seed-article-out, as in reports/evaluation.md
        card.setdefault("metrics", {}).update(held_out_metrics(pipeline))
        card["evaluation_report"] = "reports/evaluation.md"
    pipeline.fit(X, y)
    return save_model(pipeline, out, card)
