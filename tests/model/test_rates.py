import json

import numpy as np
import pandas as pd
import pytest

from stance.model.card import load_model, read_card
from stance.model.rates import misclassification_section, rate_counts, realdev_predictions
from stance.results.quantify import ClassifierRates


def predictions(rows):
    """(source, doc_id, true, predicted, p_pro) rows; the rest of the probability goes to the predicted label."""
    frame = pd.DataFrame(rows, columns=["source", "doc_id", "label", "pred", "p_pro"])
    frame["p_anti"] = np.where(frame["pred"] == "anti", 1 - frame["p_pro"], 0.0)
    frame["p_neutral"] = 1 - frame["p_pro"] - frame["p_anti"]
    return frame


def test_rate_counts_are_rows_true_columns_predicted_with_probability_sums():
    frame = predictions([("loso", "s1", "pro", "pro", 0.9), ("loso", "s1", "pro", "anti", 0.3),
                         ("loso", "s2", "anti", "anti", 0.1), ("realdev", "r1", "neutral", "pro", 0.6)])
    counts = rate_counts(frame)
    assert counts["confusion"] == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    assert counts["probability_sums"][0] == pytest.approx([1.2, 0.7, 0.1])
    assert (counts["n_sentences"], counts["n_articles"]) == (4, 3)
    section = misclassification_section(frame)
    assert section["sources_used"] == ["loso", "realdev"]
    assert section["sources"]["loso"]["n_sentences"] == 3 and section["sources"]["realdev"]["confusion"][2][0] == 1
    assert len(section["per_article"]) == 3  # counts per calibration article, no ids
    assert section["rates"]["acc"][0] == [0.5, 0.5, 0.0]


def fake_realdev(folder, n=12):
    """A stand-in for realdev made of the corpus' own test sentences (never real realdev text)."""
    from stance.annotations.annotated_corpus import load_annotations

    test = load_annotations().query("split == 'test'").groupby("label").head(n // 3)
    folder.mkdir()
    with open(folder / "sentences.jsonl", "w", encoding="utf-8") as fh:
        for i, row in enumerate(test.to_dict("records")):
            fh.write(json.dumps({"doc_id": f"doc-{i % 3}", "text": row["text"], "label": row["label"]}) + "\n")
    return test


def test_realdev_rates_come_from_the_fitted_model(small_model, tmp_path, monkeypatch):
    monkeypatch.setenv("STANCE_REALDEV_DIR", str(tmp_path / "realdev"))
    assert realdev_predictions(load_model(small_model)) is None  # absent: no realdev rates
    sentences = fake_realdev(tmp_path / "realdev")
    frame = realdev_predictions(load_model(small_model))
    assert len(frame) == len(sentences) and set(frame["source"]) == {"realdev"}
    assert frame[["p_pro", "p_anti", "p_neutral"]].sum(axis=1).to_numpy() == pytest.approx(1)


def test_training_records_the_rates_in_the_card(small_training_file, tmp_path, monkeypatch):
    from stance.model.training import train

    monkeypatch.setenv("STANCE_REALDEV_DIR", str(tmp_path / "realdev"))
    fake_realdev(tmp_path / "realdev")
    out = tmp_path / "m.skops"
    train([small_training_file], out=out, cv_folds=2, char_ngrams=False)
    section = read_card(out)["misclassification"]
    assert section["sources_used"] == ["realdev"]  # --data: the corpus' LOSO would measure another model
    assert section["n_sentences"] == 12 and np.sum(section["confusion"]) == 12
    rates = ClassifierRates.from_card(read_card(out))
    assert rates.matrix("acc").sum(axis=1) == pytest.approx(1)
