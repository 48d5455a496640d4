import numpy as np
import pandas as pd
import pytest

from stance.annotation_loop.simulation import (frozen_features, pool_folds, read_pool, replace_section, run_fold,
                                               simulate)
from stance.evaluation.report import annotation_loop_section


@pytest.fixture(scope="module")
def tiny(nlp, small_training_file):
    """150 corpus sentences as the base and 40 seed sentences in 5 documents as the pool, featurized."""
    from stance.annotations.annotated_corpus import featurize, load_annotations, read_jsonl
    from stance.model.pipeline import build_pipeline

    base = read_jsonl(small_training_file).sample(150, random_state=0).reset_index(drop=True)
    corpus = load_annotations()
    pool = (corpus[corpus["source"] == "seed"].groupby("doc_id").head(8).reset_index(drop=True))
    return (build_pipeline(char_ngrams=False), featurize(base, nlp), base["label"].to_numpy(dtype=object),
            pool, featurize(pool, nlp))


def test_pool_folds_partition_the_documents():
    folds = pool_folds([f"d{i % 7}" for i in range(30)], n_folds=3)
    assert len(folds) == 3 and sorted(d for f in folds for d in f) == [f"d{i}" for i in range(7)]
    assert len(pool_folds(["a", "b"], n_folds=5)) == 2  # few documents: one per fold


def test_a_fold_never_labels_its_held_out_documents_and_stops_when_the_pool_runs_out(tiny):
    estimator, base_X, base_y, pool, pool_X = tiny
    held_out = pool["doc_id"].isin(pool["doc_id"].unique()[:4]).to_numpy()  # 8 sentences left to label
    classifier, base_M, pool_M = frozen_features(estimator, base_X, pool_X)
    curve = run_fold(classifier, base_M, base_y, pool, pool_M, held_out, "uncertainty", 2.0, round_size=5,
                     max_labels=50)
    assert [n for n, _ in curve] == [0, 5, 8]
    assert all(proba.shape == (held_out.sum(), 3) for _, proba in curve)


def test_simulate_scores_every_pool_sentence_each_round(tiny):
    estimator, base_X, base_y, pool, pool_X = tiny
    result = simulate(estimator, base_X, base_y, pool, pool_X, strategies=("uncertainty", "random"),
                      user_weights=(1.0,), n_folds=2, round_size=5, max_labels=10)
    assert [c["strategy"] for c in result["curves"]] == ["uncertainty", "random"]
    for curve in result["curves"]:
        assert [p["n_labels_target"] for p in curve["points"]] == [0, 5, 10]
        assert [p["n_labels_mean"] for p in curve["points"]] == [0, 5, 10]
        assert {p["n_scored"] for p in curve["points"]} == {len(pool)}
        assert all(0 <= p["macro_f1"] <= 1 for p in curve["points"])
    # both start from the same model: round 0 is identical
    assert result["curves"][0]["points"][0]["macro_f1"] == result["curves"][1]["points"][0]["macro_f1"]


def test_read_pool_checks_labels(tmp_path):
    bad = tmp_path / "pool.jsonl"
    bad.write_text('{"doc_id": "a", "text": "x", "label": "maybe"}\n')
    with pytest.raises(ValueError, match="unknown labels"):
        read_pool(str(bad), pd.DataFrame())


def test_report_section_quotes_100_and_200_labels_and_the_margin_over_random():
    def points(values):
        return [{"n_labels_target": 25 * i, "n_labels_mean": 25.0 * i, "macro_f1": v} for i, v in enumerate(values)]

    result = {"n_pool_sentences": 800, "n_pool_documents": 50, "n_folds": 5, "n_base_sentences": 4000,
              "curves": [{"strategy": "uncertainty", "user_weight": 2.0, "points": points(np.linspace(0.5, 0.7, 9))},
                         {"strategy": "random", "user_weight": 2.0, "points": points(np.linspace(0.5, 0.6, 9))}]}
    section = annotation_loop_section({"realdev": result})
    assert "100 labels (mean 100 per fold): uncertainty 0.600, random 0.550; over random: uncertainty +0.050" in section
    assert "200 labels" in section and "measurement only" in section
    doc = replace_section("# Report\n\ntext\n", section)
    assert replace_section(doc, "new") == "# Report\n\ntext\n\n<!-- annotation-loop:start -->\nnew\n<!-- annotation-loop:end -->\n"
