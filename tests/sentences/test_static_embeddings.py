"""The model2vec static embedding and prototype blocks: real vectors from the committed static model."""
from __future__ import annotations

import pickle
import shutil

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from stance.sentences.static_embeddings import (STATIC_MODEL_DIR, PrototypeSimilarity, StaticEmbedding,
                                                StaticModelMismatch, encode_static)


def test_static_vectors_are_unit_length_and_scaled_by_weight():
    texts = [["Russia will need security guarantees."], ["The weather in Lisbon was mild."]]
    plain = StaticEmbedding().fit(texts).transform(texts)
    assert plain.shape == (2, 256) and plain.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(plain, axis=1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(StaticEmbedding(weight=0.5).fit(texts).transform(texts), 0.5 * plain, rtol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences():
    v = encode_static(["The West must give Moscow binding security guarantees.",
                       "Russia should receive legally binding assurances about its security.",
                       "The recipe needs two cups of flour and an egg."])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_prototype_similarity_leans_to_the_matching_side():
    block = PrototypeSimilarity().fit([["x"]])
    names = list(block.get_feature_names_out())
    sims = block.transform([["NATO expansion provoked Moscow and ignored its security concerns."],
                            ["Putin's talk of NATO is a pretext for imperial conquest."]])
    pro, anti = names.index("max_sim_pro"), names.index("max_sim_anti")
    assert sims.shape == (2, 6)
    assert sims[0, pro] > sims[0, anti] and sims[1, anti] > sims[1, pro]


def test_fitted_blocks_pickle_without_the_model():
    block = PrototypeSimilarity().fit([["x"]])
    restored = pickle.loads(pickle.dumps(StaticEmbedding().fit([["x"]])))
    assert restored.transform([["peace talks"]]).shape == (1, 256)
    assert len(pickle.dumps(block)) < 50_000  # 28 prototype vectors, no vocabulary table


def test_changed_weights_are_refused(tmp_path):
    block = StaticEmbedding().fit([["x"]])
    changed = tmp_path / "static"
    shutil.copytree(STATIC_MODEL_DIR, changed)
    weights = changed / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-2] + b"\x00\x01")
    block.model_dir_ = str(changed)  # as if the folder had changed under a fitted model
    with pytest.raises(StaticModelMismatch, match="differ"):
        block.transform([["anything new"]])


def test_single_string_is_refused():
    with pytest.raises(TypeError, match="single string"):
        StaticEmbedding().fit("one sentence")


@parametrize_with_checks([StaticEmbedding(), PrototypeSimilarity()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
