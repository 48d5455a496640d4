import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from stance.evaluation.baselines import LexiconRuleClassifier, SpacyTextCategorizer, build_baselines, tfidf_logreg

# A toy task a bag of words solves: each label has its own words.
TOY = pd.DataFrame({
    "text": ["guarantees for Russia are wise and fair", "Russia deserves fair guarantees, wise people say",
             "fair and wise: guarantee Russia's security", "guarantees would be wise", "a fair deal is wise",
             "this is a pretext for conquest", "a pretext, a myth, an excuse for conquest", "the myth of encirclement is a pretext",
             "conquest dressed up as fear, an excuse", "an excuse and a myth",
             "the meeting was held on Tuesday", "the summit took place in Paris on Tuesday",
             "ministers met in Paris", "the talks were held in Paris on Tuesday", "Tuesday's meeting ended"],
    "lemmas": [""] * 15,
})
TOY_Y = np.array(["pro"] * 5 + ["anti"] * 5 + ["neutral"] * 5, dtype=object)


@pytest.mark.parametrize("lemmas, expected", [
    ("this be a mere pretext", "anti"),
    ("address the root cause of the war", "pro"),
    ("it be NEG_pretext", "pro"),              # a negated anti cue counts for pro
    ("the meeting end on tuesday", "neutral"),  # no cue
    ("a pretext and a root cause", "neutral"),  # one each: a tie
    ("pretext upon pretext and a root cause", "anti"),
])
def test_lexicon_rule(lemmas, expected):
    rule = LexiconRuleClassifier().fit(pd.DataFrame({"lemmas": ["x"]}), ["pro", "anti", "neutral"])
    frame = pd.DataFrame({"lemmas": [lemmas]})
    assert rule.predict(frame)[0] == expected
    proba = rule.predict_proba(frame)[0]
    assert proba.sum() == 1 and rule.classes_[proba.argmax()] == expected


def test_lexicon_rule_custom_lexicons():
    rule = LexiconRuleClassifier(lexicons={"pro": ["good"], "anti": ["bad"]}).fit(["x"], ["pro", "anti", "neutral"])
    assert rule.predict(["good good", "bad", "pretext"]).tolist() == ["pro", "anti", "neutral"]


def test_spacy_textcat_bow_learns_a_toy_task():
    model = SpacyTextCategorizer(architecture="bow", n_epochs=15).fit(TOY, TOY_Y)
    assert sorted(model.classes_) == ["anti", "neutral", "pro"]
    proba = model.predict_proba(TOY)
    assert proba.shape == (15, 3) and np.allclose(proba.sum(axis=1), 1)
    assert np.mean(model.predict(TOY) == TOY_Y) >= 0.9
    # raw strings work as well as feature-record frames
    assert model.predict(["a pretext for conquest"])[0] == "anti"


def test_spacy_textcat_is_reproducible_and_clonable():
    first = SpacyTextCategorizer(n_epochs=3, seed=7).fit(TOY, TOY_Y).predict_proba(TOY)
    second = clone(SpacyTextCategorizer(n_epochs=3, seed=7)).fit(TOY, TOY_Y).predict_proba(TOY)
    assert np.allclose(first, second)


def test_spacy_textcat_rejects_unknown_architecture():
    with pytest.raises(ValueError, match="unknown architecture"):
        SpacyTextCategorizer(architecture="transformer").fit(TOY, TOY_Y)


def test_tfidf_logreg_reads_raw_text_only():
    model = tfidf_logreg().fit(TOY, TOY_Y)
    assert np.mean(model.predict(TOY) == TOY_Y) == 1.0
    assert model.predict(pd.DataFrame({"text": ["another pretext"], "lemmas": ["pro pro"]}))[0] == "anti"


def test_build_baselines_names_and_order():
    assert list(build_baselines()) == ["majority", "lexicon", "tfidf_logreg", "spacy_bow"]
    assert list(build_baselines(ensemble=True))[-1] == "spacy_ensemble"
    majority = build_baselines()["majority"].fit(TOY, np.array(["neutral"] * 10 + ["pro"] * 5, dtype=object))
    assert set(majority.predict(TOY)) == {"neutral"}
