"""The classifier: a scikit-learn Pipeline from sentences to pro/anti/neutral.

``build_pipeline()`` gives the unfitted design (spaCy featurizer, feature
blocks, calibrated linear classifier); ``load_model`` (in
:mod:`stance.model.card`) gives a fitted one whose
``predict(["a sentence"])`` runs spaCy itself.
"""
from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from stance.sentences.features import SpacySentenceFeaturizer, build_feature_union

# Chosen by grouped 5-fold CV on the train split only (`stance evaluate --tune`, grid in
# stance.evaluation.harness.TUNING_GRID); README, "Evaluation", has the figures.
DEFAULT_C = 1.0
DEFAULT_LINEAR_MODEL = "svm"
DEFAULT_CALIBRATION = "temperature"
# The MiniLM model (`stance train --embeddings`): `stance evaluate --tune --embeddings` (grouped CV on
# the train split) gave mean fold macro-F1 0.744 / 0.750 / 0.746 / 0.730 at weights 0.25 / 0.5 / 1 / 2.
DEFAULT_EMBEDDING_WEIGHT = 0.5


LINEAR_MODELS = {
    "svm": lambda C: LinearSVC(C=C, class_weight="balanced"),
    "logreg": lambda C: LogisticRegression(C=C, class_weight="balanced", max_iter=5000),
}


def build_classifier(C: float = DEFAULT_C, linear_model: str = DEFAULT_LINEAR_MODEL,
                     calibration: str = DEFAULT_CALIBRATION, calibration_folds: int = 3) -> CalibratedClassifierCV:
    """A class-weighted linear classifier with calibrated probabilities.

    The linear model is fitted on ``calibration_folds - 1`` folds and its
    scores mapped to probabilities on the remaining one, for each fold;
    predictions average the folds' calibrated probabilities
    (``CalibratedClassifierCV``).

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    linear_model : {"svm", "logreg"}
        A linear SVM or a logistic regression, both with balanced class weights.
    calibration : {"sigmoid", "isotonic", "temperature"}
        How scores become probabilities.
    calibration_folds : int
        Stratified folds for the calibration.
    """
    if linear_model not in LINEAR_MODELS:
        raise ValueError(f"unknown linear_model {linear_model!r}; use one of {sorted(LINEAR_MODELS)}")
    return CalibratedClassifierCV(LINEAR_MODELS[linear_model](C), method=calibration, cv=calibration_folds)


def build_pipeline(C: float = DEFAULT_C, spacy_model: str | None = None, char_ngrams: bool = True,
                   linear_model: str = DEFAULT_LINEAR_MODEL, calibration: str = DEFAULT_CALIBRATION,
                   embeddings: bool = False, embedding_weight: float = DEFAULT_EMBEDDING_WEIGHT,
                   static_embeddings: bool = False, static_weight: float = 1.0,
                   prototypes: bool = False, prototype_weight: float = 1.0,
                   encoder: str | None = None, encoder_weight: float = 1.0, ngram_blocks: bool = True) -> Pipeline:
    """The untrained stance pipeline: spaCy features, feature union, calibrated linear classifier.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the linear model.
    spacy_model : str, optional
        spaCy pipeline used to featurize raw text.
    char_ngrams : bool
        Include character n-grams.
    linear_model : {"svm", "logreg"}
        See :func:`build_classifier`.
    calibration : str
        Calibration method, see :func:`build_classifier`.
    embeddings : bool
        Add MiniLM sentence embeddings to the features (the ``embeddings`` extra; slower).
    embedding_weight : float
        Scale of the embedding block.
    static_embeddings, static_weight, prototypes, prototype_weight
        The model2vec blocks, see :func:`stance.sentences.features.build_feature_union`.
    encoder, encoder_weight, ngram_blocks
        A fine-tuned ONNX encoder block and whether to keep the n-gram blocks, see
        :func:`stance.sentences.features.build_feature_union`.

    Examples
    --------
    >>> pipe = build_pipeline()
    >>> [name for name, _ in pipe.steps]
    ['spacy', 'features', 'clf']
    """
    return Pipeline([
        ("spacy", SpacySentenceFeaturizer(spacy_model=spacy_model)),
        ("features", build_feature_union(char_ngrams=char_ngrams, embeddings=embeddings,
                                         embedding_weight=embedding_weight, static_embeddings=static_embeddings,
                                         static_weight=static_weight, prototypes=prototypes,
                                         prototype_weight=prototype_weight, encoder=encoder,
                                         encoder_weight=encoder_weight, ngram_blocks=ngram_blocks)),
        ("clf", build_classifier(C=C, linear_model=linear_model, calibration=calibration)),
    ])


def design_summary(pipeline: Pipeline) -> dict:
    """What the card and the evaluation report record about the design (JSON-ready).

    Examples
    --------
    >>> design_summary(build_pipeline())["classifier"]
    {'name': 'LinearSVC', 'C': 1.0, 'class_weight': 'balanced', 'calibration': 'temperature', 'calibration_folds': 3}
    """
    clf = pipeline.named_steps["clf"]
    base = getattr(clf, "estimator", clf)
    return {
        "features": {name: _block_params(step, columns)
                     for name, step, columns in pipeline.named_steps["features"].transformers if step != "drop"},
        "classifier": {"name": type(base).__name__, "C": getattr(base, "C", None),
                       "class_weight": getattr(base, "class_weight", None),
                       "calibration": getattr(clf, "method", None), "calibration_folds": getattr(clf, "cv", None)},
    }


def _block_params(step, columns) -> dict:
    wanted = ("analyzer", "ngram_range", "min_df", "max_features", "sublinear_tf", "weight")
    params = step.get_params(deep=False)
    out = {k: params[k] for k in wanted if k in params}
    if "lexicons" in params:
        from stance.sentences.features import CUE_LEXICONS

        out = {f"n_{side}_cues": len(cues) for side, cues in (params["lexicons"] or CUE_LEXICONS).items()}
    from stance.sentences.embeddings import ENCODER_NAME, SentenceEmbedding

    from stance.sentences.onnx_encoder import OnnxSentenceEmbedding

    if isinstance(step, SentenceEmbedding):
        out["encoder"] = ENCODER_NAME
    if isinstance(step, OnnxSentenceEmbedding):
        out["encoder"] = step.encoder_dir
        if hasattr(step, "encoder_sha256_"):
            out["encoder_sha256"] = step.encoder_sha256_
    return out or {"columns": list(columns) if isinstance(columns, (list, tuple)) else columns}
