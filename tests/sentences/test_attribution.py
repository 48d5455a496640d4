"""The learned attribution classifier: rule features, fitting on annotations, the threshold, the labels output."""
from __future__ import annotations

import numpy as np
import pandas as pd

from stance.sentences.attribution import AttributionModel, fit_attribution, rule_features
from stance.sentences.spacy_pipeline import cached_nlp, parse_units


def records(texts):
    return pd.DataFrame(parse_units(texts, cached_nlp()))


OWN = ["NATO enlargement was a mistake.", "Guarantees for Russia would reward aggression.",
       "Europe needs a new security order.", "The war could have been avoided."] * 3
REPORTED = ["Lavrov said that NATO enlargement was a mistake.", "Moscow sought to frame the war as defence.",
            "According to the Kremlin, the West ignored its concerns.", "Macron argued that Russia needs guarantees."] * 3


def test_rule_features_carry_the_rules_verdict_and_parts():
    frame = records(["According to officials, the talks failed.", "I think the talks failed.",
                     'He wrote: "the West must never give in to blackmail."'])
    f = rule_features(frame[["text", "lemmas", "attributed"]])
    assert f.shape == (3, 10)
    assert f[0, 0] == 1 and f[0, 1] == 1  # rule verdict, "according to"
    assert f[1, 5] == 1  # first person
    assert f[2, 2] == 1 and f[2, 3] == 1  # long quote


def test_fitted_classifier_tells_reported_from_own_voice():
    X = records(OWN + REPORTED)
    model = fit_attribution(X, [False] * len(OWN) + [True] * len(REPORTED), ngram_weight=1.0)
    assert isinstance(model, AttributionModel)
    new = records(["Peskov said the alliance was a threat.", "The alliance is no threat to anyone."])
    p = model.predict_proba(new)
    assert p[0] > p[1]
    assert list(model.predict(new)) == list(p >= model.threshold)


def test_labels_output_uses_the_learned_attribution(small_model):
    from stance.batch.labeller import label_articles
    from stance.inputs.readers import Article
    from stance.model.card import load_model

    X = records(OWN + REPORTED)
    always = fit_attribution(X, [False] * len(OWN) + [True] * len(REPORTED), threshold=0.0)  # says yes to all
    articles = [Article("a", "o", "NATO enlargement was a mistake. The talks resume on Monday.")]
    ruled = label_articles(articles, load_model(small_model), cached_nlp())
    learned = label_articles(articles, load_model(small_model), cached_nlp(), attribution=always)
    assert not ruled["attributed"].any() and learned["attributed"].all()
    np.testing.assert_allclose(ruled["p_pro"], learned["p_pro"])  # the stance model sees the rules' flag
