"""Shared fixtures: one spaCy pipeline and one small trained model per test session."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from stance.config import ARTICLES_DIR


@pytest.fixture(scope="session")
def nlp():
    from stance.sentences.spacy_pipeline import cached_nlp

    return cached_nlp()


@pytest.fixture(scope="session")
def small_training_file(tmp_path_factory) -> Path:
    """About 500 annotated sentences from the corpus' train split, as JSONL."""
    from stance.annotations.annotated_corpus import load_annotations

    df = load_annotations()
    df = df[df["split"] == "train"]
    sample = pd.concat([group.sample(min(len(group), 170), random_state=0) for _, group in df.groupby("label")])
    path = tmp_path_factory.mktemp("data") / "small.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for row in sample[["id", "doc_id", "text", "label"]].to_dict("records"):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def small_model(tmp_path_factory, small_training_file) -> Path:
    """A model trained on ``small_training_file`` (no CV): fast, real, written with its card."""
    from stance.model.training import train

    out = tmp_path_factory.mktemp("model") / "small.skops"
    train([small_training_file], out=out, cv_folds=0, char_ngrams=False)
    return out


@pytest.fixture()
def seed_dir() -> Path:
    return ARTICLES_DIR


def write_jsonl(path: Path, rows: list) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path
