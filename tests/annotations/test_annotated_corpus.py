import pandas as pd
import pytest

from stance.config import ARTICLES_DIR
from stance.annotations.annotated_corpus import (assign_splits, check_corpus, data_sha256, find_near_duplicates, load_annotations,
                            load_splits)


def _row(**kw):
    row = {"id": "d1-000", "doc_id": "d1", "sent_idx": 0, "outlet": "o", "source": "authored", "register": "oped",
           "text": "Some sentence.", "label": "neutral", "attributed": False, "file": "f.jsonl"}
    row.update(kw)
    return row


@pytest.mark.parametrize("rows, problem", [
    ([_row(label="positive")], "unknown label 'positive'"),
    ([_row(text="  ")], "empty text"),
    ([_row(), _row(text="Other.")], "duplicate id 'd1-000'"),
    ([_row(register="tweet")], "unknown register"),
    ([_row(source="web")], "unknown source"),
    ([_row(attributed="yes")], "'attributed' must be true or false"),
    ([_row(), _row(id="d2-000", doc_id="d2")], "leakage"),
    ([_row(id="d3-000", doc_id="d3", text="x")], "has no split"),
])
def test_check_corpus_rejects(rows, problem):
    problems = check_corpus(pd.DataFrame(rows), splits={"d1": "train", "d2": "test"})
    assert any(problem in p for p in problems), problems


def test_check_corpus_accepts_valid_rows():
    rows = [_row(), _row(id="d2-000", doc_id="d2", text="Another one.")]
    assert check_corpus(pd.DataFrame(rows), splits={"d1": "train", "d2": "test"}) == []


def test_committed_corpus_is_valid_and_large_enough():
    df = load_annotations()
    assert check_corpus(df, load_splits()) == []
    authored = df[df["source"] == "authored"]
    assert len(authored) >= 3000
    shares = df["label"].value_counts(normalize=True)
    # real pages are mostly neutral (seed 58%, realdev 71%); both stances stay well represented
    assert shares["pro"] >= 0.18 and shares["anti"] >= 0.18 and 0.5 <= shares["neutral"] <= 0.7
    assert set(df["split"]) == {"train", "dev", "test"}
    assert authored.groupby("split")["register"].nunique().min() >= 8  # every split sees most registers


def test_seed_annotations_match_the_project_segmentation(nlp):
    from stance.inputs.readers import read_articles
    from stance.sentences.spacy_pipeline import content_sentences

    seed = load_annotations().query("source == 'seed'")
    expected = [(a.doc_id, i, s.text) for a in read_articles([ARTICLES_DIR])
                for i, s in enumerate(content_sentences(nlp(a.text)))]
    assert list(zip(seed["doc_id"], seed["sent_idx"], seed["text"])) == expected


def test_splits_are_stable_and_grouped():
    df = pd.DataFrame([_row(id=f"d{i}-000", doc_id=f"d{i}", text=f"t{i}") for i in range(40)])
    first = assign_splits(df)
    assert assign_splits(df) == first
    assert assign_splits(df, existing={"d0": "dev"})["d0"] == "dev"
    assert set(first.values()) == {"train", "dev", "test"}


def test_near_duplicates():
    texts = ["NATO expansion provoked the war in Ukraine.", "NATO expansion provoked the war in Ukraine!",
             "The interview was broadcast on 3 December."]
    assert [(i, j) for i, j, _ in find_near_duplicates(texts)] == [(0, 1)]


def test_data_hash_ignores_row_order():
    df = pd.DataFrame([_row(), _row(id="d2-000", text="B")])
    assert data_sha256(df) == data_sha256(df.iloc[::-1])
    assert data_sha256(df) != data_sha256(df.assign(label="pro"))


def test_apply_decisions_changes_only_the_named_rows():
    import pandas as pd

    from stance.annotations.annotated_corpus import apply_decisions

    df = pd.DataFrame({"id": ["a", "b", "c"], "label": ["pro", "anti", "neutral"], "attributed": [False] * 3})
    decisions = pd.DataFrame({"id": ["b", "c"], "final": ["neutral", "neutral"], "final_attributed": [True, None]})
    out, changed = apply_decisions(df, decisions)
    assert out["label"].tolist() == ["pro", "neutral", "neutral"]
    assert out["attributed"].tolist() == [False, True, False]
    assert changed == {"label": 1, "attributed": 1}
    with pytest.raises(ValueError, match="unknown ids"):
        apply_decisions(df, pd.DataFrame({"id": ["zz"], "final": ["pro"]}))


def test_contrast_groups_are_not_near_duplicates_of_each_other():
    import pandas as pd

    from stance.annotations.annotated_corpus import duplicate_rows

    text = "The alliance's growth did not cause this war, whatever Moscow says."
    df = pd.DataFrame({"id": ["x1", "x2", "y1"], "source": ["authored"] * 3, "pair_id": ["g", "g", None],
                       "text": [text, text.replace(" not", ""), text + " "]})
    assert duplicate_rows(df)["id"].tolist() == ["y1"]


def test_dedup_keeps_the_contrast_member_and_drops_the_plain_duplicate():
    import pandas as pd

    from stance.annotations.annotated_corpus import duplicate_rows

    text = "Moscow expects a written reply next week, the deputy minister told reporters."
    df = pd.DataFrame({"id": ["plain", "c1", "c2", "d1"], "source": ["authored"] * 4,
                       "pair_id": [None, "g", "g", "h"], "text": [text, text + " ", text + "  ", text]})
    assert duplicate_rows(df)["id"].tolist() == ["plain"]
