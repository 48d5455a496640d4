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

    report = agreement_report(load_annotations())["v1"]
    assert report["all"]["n"] >= 400
    assert report["seed"]["n"] >= 160  # every seed sentence; repeated passages pair once
    assert -1 <= report["all"]["overall"] <= 1


def test_blind_sample_takes_whole_documents_from_every_file():
    from stance.annotations.agreement import blind_sample, blind_sheet

    corpus = pd.DataFrame({"doc_id": [f"{f}-{d}" for f in "ab" for d in range(5) for _ in range(4)],
                           "file": [f for f in "ab" for _ in range(20)], "sent_idx": list(range(4)) * 10,
                           "outlet": "X", "text": [f"s{i}" for i in range(40)], "label": "neutral"})
    sample = blind_sample(corpus, ["a", "b"], min_sentences=10)
    assert len(sample) == 12 and set(sample["file"]) == {"a", "b"}
    assert sample.groupby("doc_id").size().eq(4).all()
    sheet = blind_sheet(sample)
    assert "neutral" not in sheet and sheet.count("# DOC") == 3


def test_second_pass_answers_join_the_corpus_text(tmp_path):
    from stance.annotations.agreement import read_second_pass_answers

    corpus = pd.DataFrame({"doc_id": ["d", "d"], "sent_idx": [0, 1], "text": ["first", "second"]})
    path = tmp_path / "answers.txt"
    path.write_text("d 1 anti y\nd 0 neutral n\n")
    answers = read_second_pass_answers(path, corpus)
    assert answers[["text", "label", "attributed"]].values.tolist() == [["second", "anti", True],
                                                                       ["first", "neutral", False]]
    path.write_text("d 7 anti y\n")
    with pytest.raises(ValueError, match="line 1"):
        read_second_pass_answers(path, corpus)
