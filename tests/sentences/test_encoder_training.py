"""Encoder fine-tuning helpers: the training pairs, and float16 storage of ONNX weights."""
from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from stance.sentences.encoder_training import stance_pairs


def _corpus():
    rows = [("a1", "pro", "g1"), ("a2", "anti", "g1"), ("a3", "neutral", "g1"),
            ("p1", "pro", None), ("p2", "pro", None), ("n1", "anti", None), ("n2", "anti", None),
            ("u1", "neutral", None), ("u2", "neutral", None)]
    return pd.DataFrame(rows, columns=["text", "label", "pair_id"])


def test_pairs_hold_every_contrast_pair_and_say_whether_labels_agree():
    corpus = _corpus()
    pairs = stance_pairs(corpus, n_pairs=40, seed=1)
    label = dict(zip(corpus["text"], corpus["label"]))
    assert len(pairs) == 40
    assert all(target == float(label[a] == label[b]) for a, b, target in pairs)
    contrast = {frozenset((a, b)) for a, b, _ in pairs if a.startswith("a") and b.startswith("a")}
    assert contrast >= {frozenset(p) for p in [("a1", "a2"), ("a1", "a3"), ("a2", "a3")]}
    targets = [t for _, _, t in pairs]
    assert 0.25 < np.mean(targets) < 0.75  # random pairs are about half positive


@pytest.mark.skipif(importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None,
                    reason="onnx / onnxruntime not installed")
def test_float16_storage_computes_with_the_rounded_weights(tmp_path):
    import onnx
    import onnxruntime
    from onnx import helper, numpy_helper

    from stance.sentences.encoder_training import store_initializers_as_float16

    weights = np.random.default_rng(0).normal(size=(64, 32)).astype(np.float32)
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [None, 64])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None, 32])],
                              [numpy_helper.from_array(weights, "w")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    store_initializers_as_float16(path)
    stored = onnx.load(str(path))
    assert [i.data_type for i in stored.graph.initializer] == [onnx.TensorProto.FLOAT16]
    x = np.ones((2, 64), dtype=np.float32)
    y = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(y, x @ weights.astype(np.float16).astype(np.float32), rtol=1e-5)
