import pandas as pd

from stance.annotations.variety import bigrams_per_thousand, variety_table, vocabulary_coverage


def frame(texts, labels):
    return pd.DataFrame({"text": texts, "label": labels, "doc_id": ["d"] * len(texts), "attributed": [False] * len(texts)})


def test_variety_rows_measure_length_quotes_and_neutral_share():
    a = frame(["One two three.", "He said “no deal” today."], ["neutral", "anti"])
    table = variety_table({"a": a, "ref": a}, reference="ref")
    row = table.loc["a"]
    assert row["sentences"] == 2 and row["share_neutral"] == 0.5 and row["share_with_quotes"] == 0.5
    assert row["covers_reference_words"] == 1.0


def test_bigram_variety_and_coverage():
    assert bigrams_per_thousand(["a b c"] * 10, sample_size=5, n_samples=2) == 2 * 1000 / 5
    assert vocabulary_coverage(["alpha beta"], ["alpha gamma"]) == 0.5
