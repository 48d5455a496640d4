import pytest

from stance.evaluation.metrics import classification_metrics


def test_hand_computed_case():
    y_true = ["pro", "pro", "anti", "anti", "neutral", "neutral"]
    y_pred = ["pro", "anti", "anti", "anti", "neutral", "pro"]
    m = classification_metrics(y_true, y_pred)
    # pro: P=1/2 R=1/2 F=.5; anti: P=2/3 R=1 F=.8; neutral: P=1 R=1/2 F=2/3
    assert m["per_class"]["pro"]["f1"] == pytest.approx(0.5)
    assert m["per_class"]["anti"]["f1"] == pytest.approx(0.8)
    assert m["f_avg"] == pytest.approx(0.65)
    assert m["macro_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert m["confusion"]["matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert m["n"] == 6
