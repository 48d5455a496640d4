import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from stance.cli import main
from stance.results.explain import (NotExplainable, article_fragment, article_html, explain_sentence, linear_model, top_features,
                            worst_mistakes)
from tests.results.test_aggregate import article, frame
from tests.sentences.test_embeddings import needs_extra

TOY = ["guarantees for russia are fair", "guarantees reward the aggressor", "talks resume in geneva",
       "russia has fair concerns", "the aggressor must not be rewarded", "ministers met in geneva"] * 3
TOY_LABELS = ["pro", "anti", "neutral"] * 6


def toy_pipeline(final=None, labels=TOY_LABELS):
    """Sentence -> tf-idf -> classifier: the same shape as the stance pipeline, without spaCy."""
    return Pipeline([("features", TfidfVectorizer()), ("clf", final or LogisticRegression(C=10))]).fit(TOY, labels)


def softmax(scores):
    e = np.exp(scores - scores.max())
    return e / e.sum()


@pytest.mark.parametrize("labels", [TOY_LABELS, ["pro" if y == "pro" else "other" for y in TOY_LABELS]],
                         ids=["three-class", "binary"])
def test_contributions_add_up_to_the_model_probabilities(labels):
    pipe = toy_pipeline(labels=labels)
    explanation = explain_sentence(pipe, "fair guarantees for russia")
    classes = list(pipe.classes_)
    scores = explanation.contributions[classes].sum().to_numpy() + np.array([explanation.intercepts[c] for c in classes])
    assert softmax(scores) == pytest.approx(pipe.predict_proba(["fair guarantees for russia"])[0])
    assert explanation.exact and explanation.label == pipe.predict(["fair guarantees for russia"])[0]
    assert list(explanation.probabilities) == classes


def test_top_features_are_the_sentence_words_that_push_hardest():
    explanation = explain_sentence(toy_pipeline(), "the aggressor is rewarded")
    assert explanation.label == "anti"
    top = explanation.top(2)
    assert "aggressor" in set(top["feature"])
    assert (top["anti"].abs().diff().dropna() <= 0).all()  # sorted by strength
    assert top.loc[top["feature"] == "aggressor", "anti"].item() > 0


def test_calibrated_model_averages_its_estimators_and_says_so():
    pipe = toy_pipeline(CalibratedClassifierCV(LogisticRegression(C=10), cv=3))
    explanation = explain_sentence(pipe, "fair guarantees for russia")
    assert not explanation.exact and "calibrated" in explanation.note
    assert explanation.probabilities["pro"] == pytest.approx(pipe.predict_proba(["fair guarantees for russia"])[0][
        list(pipe.classes_).index("pro")])
    weights = linear_model(pipe).weights
    per_fold = [c.estimator.coef_ for c in pipe.named_steps["clf"].calibrated_classifiers_]
    expected = np.mean(per_fold, axis=0)
    assert weights == pytest.approx(expected - expected.mean(axis=0))


def test_model_without_coefficients_is_refused_clearly():
    with pytest.raises(NotExplainable, match="no linear coefficients"):
        explain_sentence(toy_pipeline(DummyClassifier()), "anything")


def test_top_features_per_class():
    table = top_features(toy_pipeline(), n=2)
    assert table.groupby("label").size().to_dict() == {"anti": 2, "neutral": 2, "pro": 2}
    assert "geneva" in set(table.loc[table["label"] == "neutral", "feature"])


def test_worst_mistakes_are_confident_errors_first():
    proba = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    table = worst_mistakes(["a", "b", "c", "d"], ["pro", "pro", "anti", "neutral"], proba, ["anti", "neutral", "pro"])
    # classes anti, neutral, pro: a says anti (0.9), d pro (0.8), b neutral (0.7), all wrong; c is right
    assert table["text"].tolist() == ["a", "d", "b"]
    assert table.loc[0, "predicted"] == "anti" and table.loc[0, "p_true"] == pytest.approx(0.05)


def test_real_stance_model_explanation_is_readable_and_honest_about_exactness(small_model):
    from stance.model.card import load_model

    model = load_model(small_model)
    explanation = explain_sentence(model, "Russia's security concerns are a mere pretext for conquest.")
    # the default classifier is a calibrated SVM: its explanation is the averaged linear scores, flagged as such
    assert explanation.exact is not isinstance(model.named_steps["clf"], CalibratedClassifierCV)
    assert explanation.exact or explanation.note
    assert explanation.probabilities == pytest.approx(
        dict(zip(model.classes_, model.predict_proba(["Russia's security concerns are a mere pretext for conquest."])[0])))
    features = set(explanation.contributions["feature"])
    assert "cue anti" in features and "flag mention_russia" in features
    assert {"lemma", "cue", "flag", "intercept"} <= set(explanation.blocks.index)
    assert "label:" in explanation.to_text(5)


def test_article_html_colours_every_sentence_and_escapes_text():
    labels = frame(article("a1", "X & Y", ["pro", "anti", "neutral"], attributed={1},
                           texts=["Guarantees <now>.", "Never, said he.", "Talks resume."]),
                   article("a2", "Z", ["pro"]))
    page = article_html(labels, "a1")
    assert "<style" not in article_fragment(labels, "a1")  # safe inside a notebook page
    body = page.split("<p>\n", 1)[1]
    assert body.count('<span class="pro"') == 1 and body.count('<span class="anti"') == 1
    assert "Guarantees &lt;now&gt;." in page and "X &amp; Y" in page
    assert "font-style:italic" in body
    with pytest.raises(ValueError, match="say which doc_id"):
        article_html(labels)
    with pytest.raises(ValueError, match="no sentences"):
        article_html(labels, "zzz")


def test_cli_explain_sentences_and_article(small_model, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["explain", "NATO expansion provoked Russia.", "--model", str(small_model),
                                  "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "label:" in result.stdout and "weight x value" in result.stdout
    result = runner.invoke(main, ["explain", "A.", "B.", "--model", str(small_model), "--json"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == ["A.", "B."] and all(len(r["top_features"]) <= 10 for r in records)
    labels_path = tmp_path / "labels.csv"
    frame(article("a1", "X", ["pro", "anti"])).to_csv(labels_path, index=False)
    out = tmp_path / "a1.html"
    result = runner.invoke(main, ["explain", "--article", "a1", "--labels", str(labels_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("<span class=") == 2 + 3  # two sentences, three legend items
    assert runner.invoke(main, ["explain", "--model", str(small_model)]).exit_code != 0


@needs_extra
def test_embedding_dimensions_are_shown_as_one_summed_row():
    from stance.config import MODELS_DIR
    from stance.model.card import load_model

    model = load_model(MODELS_DIR / "stance-minilm.skops")
    explanation = explain_sentence(model, "Appeasing Moscow only rewards aggression.")
    rows = explanation.contributions[explanation.contributions["feature"].str.startswith("embedding")]
    assert rows["feature"].tolist() == ["embedding (MiniLM, 384 dims)"]
    assert rows[explanation.label].item() == pytest.approx(explanation.blocks.loc["embedding", explanation.label])
    assert "value nan" not in explanation.to_text(20)
    json.dumps(explanation.to_dict(20), allow_nan=False)  # strict JSON
