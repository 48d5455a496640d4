import pandas as pd
import pytest

from stance.annotations.agreement import disagreements, kappa_table, paired_labels


def _ann(labels, attributed=None, texts=None):
    n = len(labels)
    return pd.DataFrame({"doc_id": ["d"] * n, "sent_idx": range(n), "text": texts or [f"s{i}" for i in range(n)],
                         "label": labels, "attributed": attributed or [False] * n})


def test_perfect_agreement_is_one():
    labels = ["pro", "anti", "neutral", "neutral"]
    table = kappa_table(paired_labels(_ann(labels), _ann(labels)))
    assert table["overall"] == pytest.approx(1.0)
    assert all(v == pytest.approx(1.0) for v in table["per_label"].values())
    assert table["observed_agreement"] == 1.0


def test_hand_computed_kappa():
    # 4 items, agreement on 3: p_o = .75; marginals pro(2,1) anti(1,2) neutral(1,1) -> p_e = (2+2+1)/16
    first = _ann(["pro", "anti", "neutral", "pro"])
    second = _ann(["pro", "anti", "neutral", "anti"])
    table = kappa_table(paired_labels(first, second))
    assert table["overall"] == pytest.approx((0.75 - 5 / 16) / (1 - 5 / 16))
    assert len(disagreements(paired_labels(first, second))) == 1


def test_pairs_match_on_text_not_position():
    first = _ann(["pro", "anti"], texts=["a", "b"])
    second = _ann(["anti", "pro", "neutral"], texts=["b", "a", "edited"])
    pairs = paired_labels(first, second)
    assert len(pairs) == 2 and (pairs["label_1"] == pairs["label_2"]).all()


def test_committed_second_pass_covers_400_sentences_and_every_seed_article():
    from stance.annotations.agreement import agreement_report
    from stance.annotations.annotated_corpus import load_annotations

    report = agreement_report(load_annotations())
    assert report["all"]["n"] >= 400
    assert report["seed"]["n"] >= 160  # every seed sentence; repeated passages pair once
    assert -1 <= report["all"]["overall"] <= 1
