"""The one list of types a model file may contain beyond skops' own defaults.

Model files are written with ``skops.io``, which rebuilds only types it is
told to trust; everything else is refused before any object is built, so a
model file handed over by someone else cannot run code at load time. skops
already trusts the public scikit-learn estimators, numpy arrays and dtypes,
scipy sparse matrices and Python builtins. A stance model needs, in
addition, the types below: the project's own feature steps, the flag
conversion function, and the private scikit-learn objects a fitted
``CalibratedClassifierCV`` holds.

A new model design that needs another type fails at ``stance train`` (the
saved file is loaded back and checked); add the type here after reading it.
"""
from __future__ import annotations

TRUSTED_TYPES = (
    # the project's own classes and function (stance.sentences)
    "stance.sentences.features.CueLexiconCounter",
    "stance.sentences.features.SpacySentenceFeaturizer",
    "stance.sentences.features._flags_to_float",
    "stance.sentences.embeddings.SentenceEmbedding",
    # static-embedding blocks: they hold a folder path and its sha256, and reload the float16 table
    # with numpy after checking that hash (nothing executable in the file)
    "stance.sentences.static_embeddings.StaticEmbedding",
    "stance.sentences.static_embeddings.PrototypeSimilarity",
    # the fine-tuned encoder block of the accurate model: it holds the encoder folder and its sha256 and
    # opens encoder.onnx with ONNX Runtime after checking that hash
    "stance.sentences.onnx_encoder.OnnxSentenceEmbedding",
    # the learned attribution classifier (models/attribution.skops) and its rule-feature function
    "stance.sentences.attribution.AttributionModel",
    "stance.sentences.attribution.rule_features",
    # scikit-learn internals of a fitted CalibratedClassifierCV, one per calibration method
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    # numpy / scipy objects skops does not trust by default but fitted estimators hold
    "numpy.dtype",
    "builtins.slice",
)
