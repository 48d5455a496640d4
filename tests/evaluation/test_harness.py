import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier

from stance.evaluation.baselines import LexiconRuleClassifier
from stance.evaluation.harness import (
    OURS, brier_score, class_probabilities, evaluation_data, expected_calibration_error, grouped_cv,
    held_out_metrics, holdout, leave_one_out_documents, one_standard_error_choice, paired_bootstrap_difference,
    protocol_predictions,
    run_evaluation, slice_metrics, tune,
)
from stance.evaluation.report import render_markdown, write_reports
from stance.model.pipeline import build_pipeline
from tests.sentences.test_embeddings import needs_extra


class LeakDetector(ClassifierMixin, BaseEstimator):
    """Predicts "pro" for rows of a document it was trained on and "anti" otherwise."""

    def fit(self, X, y):
        self.classes_ = np.array(["anti", "neutral", "pro"], dtype=object)
        self.seen_ = set(X["doc_id"])
        return self

    def predict_proba(self, X):
        seen = X["doc_id"].isin(self.seen_).to_numpy()
        return np.column_stack([~seen, np.zeros(len(X)), seen]).astype(float)


def synthetic_corpus() -> tuple[pd.DataFrame, pd.DataFrame]:
    docs = [(f"au-{i}", "authored", ["train", "dev", "test"][i % 3]) for i in range(9)]
    docs += [("seed-000", "seed", "train"), ("seed-001", "seed", "train")]
    rows = [{"doc_id": d, "source": src, "split": split, "label": ["pro", "anti", "neutral"][k % 3],
             "text": f"sentence {k} of {d}", "attributed": k % 2 == 0, "register": "oped"}
            for d, src, split in docs for k in range(4)]
    corpus = pd.DataFrame(rows)
    return corpus, corpus[["doc_id", "text"]].copy()


def test_brier_score_bounds():
    y = ["pro", "anti"]
    assert brier_score(y, np.array([[1.0, 0, 0], [0, 1.0, 0]])) == 0
    assert brier_score(y, np.array([[0, 1.0, 0], [1.0, 0, 0]])) == 2
    assert brier_score(y, np.full((2, 3), 1 / 3)) == pytest.approx(2 / 3)


def test_expected_calibration_error():
    y = np.array(["pro"] * 8 + ["anti"] * 2, dtype=object)
    calibrated = np.tile([0.8, 0.2, 0.0], (10, 1))  # says 80% pro, right 80% of the time
    assert expected_calibration_error(y, calibrated) == pytest.approx(0)
    overconfident = np.tile([1.0, 0.0, 0.0], (10, 1))
    assert expected_calibration_error(y, overconfident) == pytest.approx(0.2)


def test_class_probabilities_aligns_columns_to_labels():
    model = DummyClassifier(strategy="prior").fit([[0]] * 4, ["pro", "pro", "anti", "anti"])
    proba = class_probabilities(model, [[0]])
    assert proba.tolist() == [[0.5, 0.5, 0.0]]  # pro, anti, neutral (never seen)


def test_grouped_cv_never_scores_a_document_it_trained_on():
    corpus, X = synthetic_corpus()
    predictions = grouped_cv(LeakDetector(), X, corpus["label"], corpus["doc_id"], n_splits=3)
    assert predictions.index.equals(X.index)
    assert set(predictions["pred"]) == {"anti"}
    assert predictions["fold"].nunique() == 3
    assert (predictions.groupby(corpus["doc_id"])["fold"].nunique() == 1).all()


def test_holdout_and_loso_train_only_where_allowed():
    corpus, X = synthetic_corpus()
    in_train = corpus["split"].isin(["train", "dev"]).to_numpy()
    test = holdout(LeakDetector(), X, corpus["label"], in_train, corpus["split"] == "test")
    assert set(test["pred"]) == {"anti"} and len(test) == (corpus["split"] == "test").sum()
    loso = leave_one_out_documents(LeakDetector(), X, corpus["label"], corpus["doc_id"], ["seed-000", "seed-001"],
                                   in_train)
    assert set(loso["fold"]) == {"seed-000", "seed-001"} and set(loso["pred"]) == {"anti"}
    assert set(corpus.loc[loso.index, "doc_id"]) == {"seed-000", "seed-001"}


def test_protocols_cover_the_right_rows():
    corpus, X = synthetic_corpus()
    out = protocol_predictions(LeakDetector(), corpus, X, n_splits=3)
    assert set(corpus.loc[out["grouped_cv"].index, "split"]) == {"train", "dev"}
    assert set(corpus.loc[out["test"].index, "split"]) == {"test"}
    assert set(corpus.loc[out["loso"].index, "source"]) == {"seed"}


def test_slice_metrics_counts_each_value():
    corpus, X = synthetic_corpus()
    predictions = protocol_predictions(LeakDetector(), corpus, X, n_splits=3, protocols=("grouped_cv",))["grouped_cv"]
    slices = slice_metrics(corpus, predictions, "attributed")
    assert set(slices) == {"true", "false"}
    assert sum(s["n"] for s in slices.values()) == len(predictions)
    assert slice_metrics(corpus, predictions, "source")["seed"]["n"] == 8


def test_one_standard_error_rule_prefers_smaller_c():
    results = [{"params": {"C": 10}, "fold_mean": 0.80, "fold_se": 0.02},
               {"params": {"C": 1}, "fold_mean": 0.79, "fold_se": 0.02},
               {"params": {"C": 0.1}, "fold_mean": 0.70, "fold_se": 0.02}]
    assert one_standard_error_choice(results) == {"C": 1}
    results[1]["fold_mean"] = 0.77
    assert one_standard_error_choice(results) == {"C": 10}


@pytest.fixture(scope="module")
def small_corpus(nlp):
    """A few real documents per split plus two seed articles, parsed (about 300 sentences)."""
    from stance.annotations.annotated_corpus import load_annotations

    df = load_annotations()
    authored = df[df["source"] == "authored"]
    keep = [docs for _, g in authored.groupby("split") for docs in sorted(g["doc_id"].unique())[:4]]
    keep += ["seed-001", "seed-004"]
    return evaluation_data(df[df["doc_id"].isin(keep)], cache_dir=None)


@pytest.fixture(scope="module")
def small_results(small_corpus):
    corpus, features = small_corpus
    models = {"majority": DummyClassifier(strategy="most_frequent"), "lexicon": LexiconRuleClassifier(),
              OURS: build_pipeline(char_ngrams=False)}
    return run_evaluation(corpus, features, models=models, n_splits=3)


def test_run_evaluation_figures(small_results):
    models = small_results["models"]
    assert list(models) == ["majority", "lexicon", OURS]
    for figures in models.values():
        for protocol in ("grouped_cv", "test", "loso"):
            m = figures[protocol]
            assert 0 <= m["macro_f1"] <= 1 and 0 <= m["brier"] <= 2 and 0 <= m["ece"] <= 1
            assert set(m["per_class"]) == {"pro", "anti", "neutral"}
        assert set(figures["loso"]["per_fold"]) == {"seed-001", "seed-004"}
        assert set(figures["grouped_cv"]["slices"]) == {"source", "attributed", "register"}
    assert models["majority"]["test"]["f_avg"] == 0  # always neutral
    analysis = small_results["error_analysis"]
    assert analysis["n"] == models[OURS]["loso"]["n"]
    confidences = [m["confidence"] for m in analysis["mistakes"]]
    assert confidences == sorted(confidences, reverse=True)
    assert all(m["gold"] != m["pred"] for m in analysis["mistakes"])


def test_reports_are_written(small_results, tmp_path):
    md_path, json_path = write_reports(small_results, tmp_path)
    text = md_path.read_text()
    for heading in ("## Baselines and our model", "## Leave-one-seed-article-out, per article",
                    "## Error analysis", "### by register", "## Our model's design"):
        assert heading in text
    assert ("Our model leads" in text) != ("does not lead" in text)
    payload = json.loads(json_path.read_text())
    assert "predictions" not in payload and payload["models"][OURS]["test"]["n"] > 0
    assert render_markdown(small_results) == text


def test_held_out_metrics_for_the_card(small_corpus):
    corpus, features = small_corpus
    card = held_out_metrics(build_pipeline(char_ngrams=False), corpus, features)
    assert card["test"]["n"] == (corpus["split"] == "test").sum()
    assert set(card["leave_one_seed_out"]["per_article_macro_f1"]) == {"seed-001", "seed-004"}
    assert "slices" not in card["leave_one_seed_out"]["pooled"]


def test_tune_uses_the_train_split_only(small_corpus):
    corpus, features = small_corpus
    result = tune(corpus, features, grid={"C": [0.3, 1.0], "char_ngrams": [False]}, n_splits=2)
    assert result["n"] == (corpus["split"] == "train").sum()
    chosen = {k: v for k, v in result["best"].items() if k != "calibration"}
    assert chosen in [r["params"] for r in result["results"]]
    assert result["best"]["calibration"] == min(result["calibration"], key=lambda m: result["calibration"][m]["brier"])


@needs_extra
def test_embedding_weight_search_uses_the_train_split_and_ranks_by_fold_mean(small_corpus):
    from stance.evaluation.harness import tune_embedding_weight

    corpus, features = small_corpus
    result = tune_embedding_weight(corpus, features, weights=(0.5, 2.0), n_splits=2)
    assert result["n"] == (corpus["split"] == "train").sum()
    means = [r["fold_mean"] for r in result["results"]]
    assert means == sorted(means, reverse=True)
    assert result["best"] == result["results"][0]["params"] and set(result["best"]) == {"embedding_weight"}


def test_cli_evaluate_needs_data_or_report():
    from stance.cli import main

    result = CliRunner().invoke(main, ["evaluate"])
    assert result.exit_code != 0 and "--report" in result.output


def test_cli_report_writes_both_files_and_prints_figures(small_corpus, small_results, tmp_path, monkeypatch):
    import stance.evaluation.harness
    from stance.cli import main

    monkeypatch.setattr(stance.evaluation.harness, "evaluation_data", lambda: small_corpus)
    monkeypatch.setattr(stance.evaluation.harness, "run_evaluation", lambda *args, **kwargs: small_results)
    result = CliRunner().invoke(main, ["evaluate", "--report", "--json", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed["models"][OURS]["loso"]["macro_f1"] == small_results["models"][OURS]["loso"]["macro_f1"]
    assert (tmp_path / "evaluation.md").exists() and (tmp_path / "evaluation.json").exists()


def test_paired_bootstrap_difference():
    from stance.evaluation.metrics import classification_metrics

    y = ["pro", "anti", "neutral"] * 20
    same = paired_bootstrap_difference(y, y, y, n_resamples=200)
    assert same["difference"] == same["low"] == same["high"] == 0
    worse = ["neutral"] * 30 + y[30:]
    better = paired_bootstrap_difference(y, y, worse, n_resamples=200)
    expected = 1 - classification_metrics(y, worse)["macro_f1"]
    assert better["difference"] == pytest.approx(expected)
    assert 0 < better["low"] <= better["difference"] <= better["high"] and better["share_positive"] == 1
