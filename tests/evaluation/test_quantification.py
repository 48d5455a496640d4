import numpy as np
import pandas as pd
import pytest

from stance.evaluation.quantification import share_grid, simulate, summarize, synthetic_outlet
from stance.evaluation.report import QUANTIFICATION_HEADING, write_quantification

CLASSES = ("pro", "anti", "neutral")


def noisy_pool(n_articles=30, per_article=40, right=0.6, seed=0):
    """Out-of-sample predictions of a classifier that is right ``right`` of the time and over-calls pro."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_articles):
        for label in rng.choice(3, size=per_article, p=[0.3, 0.3, 0.4]):
            wrong = [c for c in range(3) if c != label]
            pred = label if rng.random() < right else (0 if 0 in wrong and rng.random() < 0.7 else rng.choice(wrong))
            p = np.full(3, 0.15)
            p[pred] = 0.7
            rows.append({"source": "loso", "doc_id": f"d{a}", "label": CLASSES[label], "pred": CLASSES[pred],
                         "p_pro": p[0], "p_anti": p[1], "p_neutral": p[2]})
    return pd.DataFrame(rows)


def test_share_grid_leaves_out_outlets_without_stance():
    grid = share_grid(0.25)
    assert len(grid) == 14 and (0.0, 0.0, 1.0) not in grid
    assert all(sum(shares) == pytest.approx(1) for shares in grid)


def test_synthetic_outlet_draws_predictions_of_sentences_with_the_right_true_label():
    pool = noisy_pool()
    outlet = synthetic_outlet("x", (0.5, 0.5, 0.0), 5, pool, np.random.default_rng(0))
    assert outlet["doc_id"].nunique() == 5 and outlet.groupby("doc_id").size().between(10, 40).all()
    assert set(outlet["gold"]) <= {"pro", "anti", "neutral"}
    assert (outlet["gold"] == "neutral").mean() < 0.1


def test_adjustment_beats_counting_when_the_rates_transfer():
    outcomes = simulate(noisy_pool(), [0.3, 0.3, 0.4], methods=("cc", "acc", "pacc"), sizes=(20,), replicates=1,
                        step=0.5, n_boot=200)
    table = summarize(outcomes, by=("method",)).set_index("method")
    assert table.loc["acc", "mae"] < table.loc["cc", "mae"] and table.loc["pacc", "mae"] < table.loc["cc", "mae"]
    assert table.loc["acc", "coverage"] >= table.loc["cc", "coverage"]


def test_quantification_section_replaces_an_older_one(tmp_path):
    rows = [{"method": "cc", "n_articles": 1, "n": 3, "bias": 0.1, "mae": 0.2, "coverage": 0.5, "width": 0.4}]
    study = {"model": "m", "design": {"sizes": [1], "share_step": 0.5, "sentences_per_article": [10, 40],
                                      "article_concentration": 20, "replicates": 1, "n_boot": 10, "seed": 0,
                                      "pool": {"loso": {"sentences": 5, "articles": 1}}},
             "by_size": rows, "overall": rows}
    (tmp_path / "evaluation.md").write_text("# Evaluation\n\n## Before\n\ntext\n", encoding="utf-8")
    write_quantification(study, tmp_path)
    write_quantification({**study, "model": "second"}, tmp_path)
    text = (tmp_path / "evaluation.md").read_text(encoding="utf-8")
    assert text.count(QUANTIFICATION_HEADING) == 1 and "`second`" in text and "## Before" in text
