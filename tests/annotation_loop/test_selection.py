import numpy as np
import pandas as pd
import pytest

from stance.annotation_loop.selection import choose, informativeness, select_tasks, with_context

TEXTS = [
    "Moscow's demand for a buffer zone deserves a hearing in Brussels.",
    "Moscow's demand for a buffer zone deserves a hearing in Brussels!",  # near-identical to the first
    "Any promise to the Kremlin rewards aggression.",
    "The council meets again on Tuesday.",
    "Fish prices rose at the market on Friday.",
    "A settlement limiting troops near Russia's borders is the realistic path.",
]
# the first two are the least certain, then the sixth
PROBA = np.array([[0.34, 0.33, 0.33], [0.34, 0.33, 0.33], [0.1, 0.8, 0.1],
                  [0.05, 0.05, 0.9], [0.02, 0.03, 0.95], [0.45, 0.15, 0.40]])


def test_scores_rank_the_flat_distribution_first():
    for strategy in ("uncertainty", "margin", "entropy"):
        scores = informativeness(PROBA, strategy)
        assert scores.argmax() in (0, 1) and scores[0] > scores[4]
    # margin and least confidence differ: [.45,.15,.40] has a small margin but a fairly high top
    assert informativeness(PROBA, "margin")[5] > informativeness(PROBA, "margin")[2]
    with pytest.raises(ValueError):
        informativeness(PROBA, "bogus")


@pytest.mark.parametrize("strategy", ["uncertainty", "margin", "entropy", "diverse", "random"])
def test_choose_never_takes_two_near_identical_sentences(strategy):
    picked = choose(TEXTS, PROBA, 6, strategy, outlets=["a", "a", "b", "b", "c", "c"])
    assert not {0, 1} <= set(picked)
    assert len(picked) == len(set(picked)) == 5


def test_uncertainty_takes_the_least_confident_first():
    assert choose(TEXTS, PROBA, 2, "uncertainty") == [0, 5] or choose(TEXTS, PROBA, 2, "uncertainty") == [1, 5]


def test_choose_skips_sentences_already_annotated():
    picked = choose(TEXTS, PROBA, 6, "uncertainty", exclude=["Any promise to the Kremlin rewards aggression"])
    assert 2 not in picked


def test_diverse_spreads_over_outlets():
    texts = [f"Sentence number {word} about guarantees and Moscow." for word in
             ("one", "two", "three", "four", "five", "six", "seven", "eight")]
    proba = np.array([[0.34, 0.33, 0.33]] * 6 + [[0.5, 0.3, 0.2]] * 2)
    outlets = ["a"] * 6 + ["b"] * 2
    by_uncertainty = choose(texts, proba, 2, "uncertainty", outlets=outlets, threshold=1.01)
    by_diverse = choose(texts, proba, 2, "diverse", outlets=outlets, threshold=1.01)
    assert {outlets[i] for i in by_uncertainty} == {"a"}
    assert {outlets[i] for i in by_diverse} == {"a", "b"}


def test_with_context_takes_neighbours_within_the_article():
    labels = pd.DataFrame({"doc_id": ["d2", "d1", "d1", "d1"], "sent_idx": [0, 2, 0, 1],
                           "text": ["x", "c", "a", "b"]})
    ctx = with_context(labels)
    assert ctx.loc[3, ["context_before", "context_after"]].tolist() == ["a", "c"]
    assert ctx.loc[0, ["context_before", "context_after"]].tolist() == ["", ""]


def test_select_tasks_carries_pre_annotation_and_skips_boilerplate():
    labels = pd.DataFrame({"doc_id": "d", "outlet": "o", "sent_idx": range(len(TEXTS)), "text": TEXTS,
                           "p_pro": PROBA[:, 0], "p_anti": PROBA[:, 1], "p_neutral": PROBA[:, 2],
                           "boilerplate": [False, False, False, False, True, False]})
    tasks = select_tasks(labels, 10, "entropy")
    assert "Fish prices rose at the market on Friday." not in tasks["text"].tolist()
    first = tasks.iloc[0]
    assert first["model_label"] == "pro" and first["task_id"] == f"d-{first['sent_idx']:03d}"
    assert {"context_before", "context_after", "p_pro", "p_anti", "p_neutral"} <= set(tasks.columns)
    with pytest.raises(ValueError, match="stance label"):
        select_tasks(labels.drop(columns="p_pro"), 2, "entropy")
