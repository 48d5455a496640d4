import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from stance.sentences.features import CueLexiconCounter, SpacySentenceFeaturizer, build_feature_union
from stance.sentences.spacy_pipeline import FEATURE_COLUMNS


@pytest.mark.parametrize("lemmas, expected", [
    ("this be a mere pretext", [1, 0]),            # anti cue
    ("address the root cause of the war", [0, 1]),  # pro cue
    ("it be NEG_pretext", [0, 1]),                  # negated anti cue counts as pro
    ("nothing evaluative here", [0, 0]),
    ("pretext upon pretext", [2, 0]),
])
def test_cue_counts(lemmas, expected):
    counts = CueLexiconCounter().fit([[lemmas]]).transform([[lemmas]]).toarray()[0]
    assert (counts > 0).astype(int).tolist() == [int(e > 0) for e in expected]
    if expected[0] == 2:
        assert counts[0] > CueLexiconCounter().fit([["x"]]).transform([["pretext"]]).toarray()[0][0]


def test_cue_counter_accepts_custom_lexicons():
    counter = CueLexiconCounter(lexicons={"anti": ["bad"], "pro": ["good"]}).fit([["x"]])
    assert counter.get_feature_names_out().tolist() == ["cue_anti", "cue_pro"]
    assert counter.transform([["good good"]]).toarray()[0, 1] > 0


@parametrize_with_checks([CueLexiconCounter()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_featurizer_parses_raw_text_and_passes_records_through(nlp):
    featurizer = SpacySentenceFeaturizer().fit(["x"])
    rows = featurizer.transform(["Lavrov said NATO threatens Russia.", "Photo: Reuters"])
    assert list(rows.columns) == list(FEATURE_COLUMNS)
    assert rows["attributed"].tolist() == [True, False]
    assert rows["boilerplate"].tolist() == [False, True]
    assert featurizer.transform(rows).equals(rows)
    assert featurizer.spacy_pipeline_["version"]
    with pytest.raises(TypeError, match="list of sentences"):
        featurizer.transform("one string")


def test_feature_union_produces_one_sparse_matrix(nlp):
    rows = SpacySentenceFeaturizer().fit(["x"]).transform(
        ["NATO is no threat.", "NATO is a threat.", "Russia's fears are a pretext.", "Russia's fears are real."])
    union = build_feature_union(char_ngrams=True)
    matrix = union.fit_transform(rows)
    assert matrix.shape[0] == 4 and matrix.shape[1] > 10
    names = union.get_feature_names_out()
    assert any(n.startswith("cues__cue_") for n in names) and "flags__negated" in names
