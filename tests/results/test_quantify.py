import numpy as np
import pandas as pd
import pytest

from stance.results.aggregate import aggregate
from stance.results.quantify import (ClassifierRates, RatesMissing, adjusted_interval, net_from_shares, point_shares,
                                     project_to_simplex, sld_shares, solve_shares)

# rows true (pro, anti, neutral), columns predicted: 80% right, errors spread evenly
RATES = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
PRIOR = np.array([0.3, 0.3, 0.4])


def rates_of(matrix=RATES, n_articles=20, per_article=50):
    """Rates whose calibration articles all err exactly like ``matrix``, ``per_article`` sentences per true label."""
    cells = np.repeat((np.asarray(matrix) * per_article)[None], n_articles, axis=0)
    return ClassifierRates(cells, cells.copy(), PRIOR)


def card_of(rates: ClassifierRates, order=("anti", "neutral", "pro")) -> dict:
    """A card holding ``rates`` in another label order than the code's."""
    index = [("pro", "anti", "neutral").index(label) for label in order]
    reorder = lambda m: np.asarray(m)[np.ix_(index, index)].tolist()  # noqa: E731
    return {"training_data": {"label_counts": {"pro": 30, "anti": 30, "neutral": 40}},
            "misclassification": {"labels": list(order), "per_article": [
                {"confusion": reorder(c), "probability_sums": reorder(p)}
                for c, p in zip(rates.article_confusion, rates.article_probability_sums)]}}


def test_acc_recovers_hand_computed_true_shares():
    # true shares (0.5, 0.2, 0.3) give predicted shares RATES^T p = (0.45, 0.24, 0.31)
    counts = np.array([45, 24, 31])
    shares = point_shares("acc", counts, counts, rates_of())
    assert shares == pytest.approx([0.5, 0.2, 0.3])
    assert net_from_shares(shares)[0] == pytest.approx(0.3 / 0.7)
    assert point_shares("cc", counts, counts, None) == pytest.approx([0.45, 0.24, 0.31])


def test_pacc_uses_probability_sums_and_their_rates():
    rates = ClassifierRates(rates_of().article_confusion, rates_of(np.full((3, 3), 1 / 3) * 0.4 + RATES * 0.6)
                            .article_probability_sums, PRIOR)
    # mean probabilities of the same true shares under the PACC matrix
    pacc_matrix = 0.6 * RATES + 0.4 / 3
    true = np.array([0.6, 0.1, 0.3])
    sums = pacc_matrix.T @ true * 200
    assert point_shares("pacc", np.array([100, 50, 50]), sums, rates) == pytest.approx(true)  # 200 sentences


def test_impossible_observed_shares_are_projected_onto_the_simplex():
    # observed pro share below what the neutral sentences alone would produce: solution has pro < 0
    shares = solve_shares(np.array([0.05, 0.15, 0.80]), RATES)[0]
    assert shares.min() >= 0 and shares.sum() == pytest.approx(1)
    assert shares[0] == 0
    assert project_to_simplex(np.array([[0.2, 0.3, 0.5], [1.5, -0.2, -0.3]])) == pytest.approx(
        np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]))


def test_card_rates_are_read_in_any_label_order():
    rates = rates_of(np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.1, 0.7]]))
    back = ClassifierRates.from_card(card_of(rates))
    assert back.matrix("acc") == pytest.approx(rates.matrix("acc"))
    assert back.train_prior == pytest.approx(PRIOR)
    with pytest.raises(RatesMissing, match="stance model rates"):
        ClassifierRates.from_card({"training_data": {"label_counts": {}}})


def test_our_adjustments_match_quapy():
    qp_aggregative = pytest.importorskip("quapy.method.aggregative")
    qp_functional = pytest.importorskip("quapy.functional")
    rng = np.random.default_rng(1)
    matrix = np.array([[0.56, 0.14, 0.30], [0.26, 0.43, 0.31], [0.18, 0.12, 0.70]])
    for observed in rng.dirichlet(np.ones(3), size=20):
        theirs = qp_aggregative.ACC.solve_adjustment(matrix.T, observed, method="invariant-ratio", solver="exact-cc")
        theirs = qp_functional.normalize_prevalence(theirs, method="mapsimplex")
        assert solve_shares(observed, matrix)[0] == pytest.approx(theirs, abs=1e-9)
    probabilities = rng.dirichlet([2, 1, 3], size=200)
    theirs, _ = qp_aggregative.EMQ.EM(PRIOR, probabilities, epsilon=1e-10)  # both run to convergence
    assert sld_shares(probabilities, PRIOR)[0] == pytest.approx(theirs, abs=1e-4)


def interval_width(rates, method="acc", n_articles=10):
    counts = np.tile([12, 6, 12], (n_articles, 1)).astype(float)
    low, high = adjusted_interval(method, counts, counts, rates, n_boot=2000, seed=0)
    return high - low


def test_intervals_widen_when_the_cards_counts_shrink():
    well_measured, poorly_measured = rates_of(n_articles=40, per_article=50), rates_of(n_articles=4, per_article=5)
    for method in ("acc", "pacc"):
        assert interval_width(poorly_measured, method) > 1.5 * interval_width(well_measured, method)


def test_intervals_widen_with_fewer_articles():
    rates = rates_of()
    assert interval_width(rates, n_articles=2) > interval_width(rates, n_articles=30)


def sentences(doc_id, outlet, labels):
    probabilities = {"pro": (0.8, 0.1, 0.1), "anti": (0.1, 0.8, 0.1), "neutral": (0.1, 0.1, 0.8)}
    return [{"doc_id": doc_id, "outlet": outlet, "text": f"{doc_id} sentence {i} about {label}", "label": label,
             **dict(zip(("p_pro", "p_anti", "p_neutral"), probabilities[label]))} for i, label in enumerate(labels)]


def test_aggregate_reports_adjusted_and_raw_figures_side_by_side():
    rows = [row for a in range(4) for row in sentences(f"x{a}", "X", ["pro"] * 45 + ["anti"] * 24 + ["neutral"] * 31)]
    table = aggregate(pd.DataFrame(rows), adjust="acc", rates=rates_of())
    x = table.iloc[0]
    assert x.method == "acc"
    assert (x.share_pro, x.share_anti, x.share_neutral) == pytest.approx((0.5, 0.2, 0.3))
    assert x.net_stance == pytest.approx(0.3 / 0.7)
    assert x.net_stance_raw == pytest.approx(21 / 69) and x.share_pro_raw == pytest.approx(0.45)
    assert x.net_low <= x.net_stance <= x.net_high and x.net_low_raw <= x.net_stance_raw <= x.net_high_raw
    raw = aggregate(pd.DataFrame(rows), adjust="cc").iloc[0]
    assert raw.method == "cc" and raw.net_stance == raw.net_stance_raw == pytest.approx(x.net_stance_raw)


def test_aggregate_without_probabilities_can_only_count():
    frame = pd.DataFrame(sentences("a", "X", ["pro", "anti"])).drop(columns=["p_pro", "p_anti", "p_neutral"])
    with pytest.raises(ValueError, match="p_pro"):
        aggregate(frame, adjust="pacc", rates=rates_of())
    assert aggregate(frame, adjust="cc").iloc[0].net_stance == 0.0
