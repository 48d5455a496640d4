import numpy as np
import pandas as pd
import pytest

from stance.evaluation.realdev import (RealdevData, article_auc, article_net_stance, predictions_frame,
                                       realdev_available)

needs_realdev = pytest.mark.skipif(not realdev_available(), reason="../shared/data/realdev is absent")


def constructed():
    sentences = pd.DataFrame({"doc_id": ["a", "a", "b", "b", "c", "c"],
                              "label": ["pro", "neutral", "anti", "anti", "pro", "anti"],
                              "attributed": [False] * 6, "register": ["oped"] * 6})
    articles = pd.DataFrame({"doc_id": ["a", "b", "c"], "article_stance": ["pro", "anti", "neutral"]})
    return sentences, articles


def test_net_stance_per_article():
    sentences, _ = constructed()
    net = article_net_stance(sentences, sentences["label"])
    assert net.to_dict() == {"a": 1.0, "b": -1.0, "c": 0.0}


def test_article_auc_separates_or_inverts():
    sentences, articles = constructed()
    assert article_auc(sentences, articles, sentences["label"]) == 1.0
    flipped = sentences["label"].map({"pro": "anti", "anti": "pro", "neutral": "neutral"})
    assert article_auc(sentences, articles, flipped) == 0.0


def test_predictions_frame_takes_the_most_probable_label():
    frame = predictions_frame(np.array([[0.2, 0.7, 0.1], [0.1, 0.1, 0.8]]), [3, 5])
    assert frame["pred"].tolist() == ["anti", "neutral"] and frame.index.tolist() == [3, 5]


@needs_realdev
def test_realdev_loads_and_scores_the_reference_labels_perfectly():
    data = RealdevData.load()
    sentences = data.sentences
    assert len(sentences) == len(data.features) and set(sentences["label"]) <= {"pro", "anti", "neutral"}
    proba = pd.get_dummies(sentences["label"]).reindex(columns=["pro", "anti", "neutral"], fill_value=0)
    metrics = data.metrics(predictions_frame(proba.to_numpy(float), sentences.index))
    assert metrics["macro_f1"] == 1.0
    assert metrics["article_auc"] == metrics["article_auc_reference_labels"]
