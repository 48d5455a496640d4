"""The committed corpus v2 meets the sizes the datasheet promises (issue: corpus v2)."""
from stance.annotations.annotated_corpus import check_corpus, load_annotations, load_splits
from stance.annotations.reading_log import load_reading_log, reading_summary


def test_authored_corpus_size_articles_and_contrast_groups():
    df = load_annotations()
    authored = df[df["source"] == "authored"]
    v2 = authored[authored["file"].str.startswith("v2-")]
    assert len(authored) >= 16_000
    assert len(v2) >= 12_000
    assert v2.loc[v2["outlet"] != "contrast", "doc_id"].nunique() >= 700
    assert df["pair_id"].nunique() >= 600


def test_contrast_groups_flip_the_label_within_one_split():
    df = load_annotations()
    groups = df.dropna(subset=["pair_id"]).groupby("pair_id")
    assert (groups["label"].nunique() >= 2).all()
    assert (groups["split"].nunique() == 1).all()
    assert not check_corpus(df, load_splits())


def test_reading_log_covers_100_articles_from_40_outlets():
    summary = reading_summary(load_reading_log())
    assert summary["articles"] >= 100 and summary["outlets"] >= 40
    assert len(summary["per_writer"]) >= 6
