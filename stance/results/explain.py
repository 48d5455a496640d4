"""Why the model labelled a sentence as it did, and articles coloured by label.

The classifier is linear: for each class ``k`` its score is ``w_k · x + b_k``
over the feature vector ``x`` of the ``features`` step, and the probabilities
are the softmax of the scores. Adding the same number to every class's score
leaves the softmax unchanged, so the weights are centred across classes
(``w_k - mean_j w_j``); then ``x_i * w_ki`` is how far feature ``i`` pushes
the sentence toward class ``k`` relative to the average class, and the
contributions plus the centred intercept add up exactly to the scores behind
the reported probabilities (:func:`explain_sentence` checks this and says
so in ``Explanation.exact``).

Calibrated models: when the final step is a ``CalibratedClassifierCV``, the
coefficients of its fitted estimators are averaged. The probabilities shown are
the calibrated ones, and the contributions explain the averaged linear score
before calibration, which calibration rescales per class; the explanation says
so (``exact`` is False). A final step with no linear coefficients raises
:class:`NotExplainable`.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stance.config import LABELS

BLOCK_NAMES = {"lemma_ngrams": "lemma", "char_ngrams": "chars", "cues": "cue", "flags": "flag",
               "embedding": "embedding", "static_embedding": "static_embedding", "prototypes": "prototype"}
WHOLE_BLOCKS = ("embedding", "static_embedding")  # dimensions mean nothing one by one: shown as one summed row
LABEL_BACKGROUND = {"pro": "#c6dbef", "anti": "#fcbba1", "neutral": "transparent"}
LABEL_BORDER = {"pro": "#2166ac", "anti": "#b2182b", "neutral": "#bdbdbd"}


class NotExplainable(TypeError):
    """The model's final step is not a linear classifier the explanation can be faithful to."""


@dataclass
class LinearModel:
    """Centred class weights and intercepts of the pipeline's final step."""
    classes: list
    weights: np.ndarray  # (n_classes, n_features), centred across classes
    intercepts: np.ndarray  # (n_classes,), centred
    exact: bool
    note: str = ""


@dataclass
class Explanation:
    """The prediction for one sentence and the features behind it."""
    text: str
    label: str
    probabilities: dict
    contributions: pd.DataFrame  # one row per active feature; a column per class
    intercepts: dict
    exact: bool
    note: str = ""
    blocks: pd.DataFrame = field(default_factory=pd.DataFrame)

    def top(self, n: int = 10, label: str | None = None) -> pd.DataFrame:
        """The ``n`` features that pushed hardest toward or away from ``label`` (default: the prediction)."""
        label = label or self.label
        order = self.contributions[label].abs().sort_values(ascending=False).index
        return self.contributions.loc[order[:n], ["feature", "value", label]].reset_index(drop=True)

    def to_text(self, n: int = 10) -> str:
        """A readable multi-line summary."""
        probs = "  ".join(f"{k}={v:.2f}" for k, v in self.probabilities.items())
        lines = [f"{self.text}", f"label: {self.label}   ({probs})", "",
                 f"features pushing toward '{self.label}' (+) or away from it (-), weight x value:"]
        lines += [f"  {row[self.label]:+7.3f}  {row['feature']}" + _value_note(row["value"])
                  for _, row in self.top(n).iterrows()]
        lines += ["", "by feature block: " + ", ".join(f"{b} {v:+.2f}" for b, v in self.blocks[self.label].items())]
        if self.note:
            lines += ["", f"note: {self.note}"]
        return "\n".join(lines)

    def to_dict(self, n: int = 10) -> dict:
        """JSON-ready: label, probabilities, top features for the predicted label, blocks."""
        return {"text": self.text, "label": self.label, "probabilities": self.probabilities,
                "top_features": _json_records(self.top(n)), "blocks": self.blocks[self.label].to_dict(),
                "exact": self.exact, "note": self.note}


def _json_records(frame: pd.DataFrame) -> list[dict]:
    # NaN (the value of a merged block) is not JSON; None is
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def _value_note(value: float) -> str:
    return "" if pd.isna(value) else f"  (value {value:.3g})"


def linear_model(pipeline) -> LinearModel:
    """Centred weights of the pipeline's final step (a linear classifier, or a calibrated one).

    Raises
    ------
    NotExplainable
        When the final step has no ``coef_`` (and is not a calibrated linear model).
    """
    final = pipeline.steps[-1][1]
    classes = list(final.classes_)
    if hasattr(final, "coef_"):
        coef, intercept, exact, note = final.coef_, final.intercept_, True, ""
    elif hasattr(final, "calibrated_classifiers_"):
        coef, intercept = _averaged_calibrated(final)
        exact = False
        note = ("the model is calibrated: probabilities are the calibrated ones; contributions explain the "
                f"average linear score of its {len(final.calibrated_classifiers_)} fitted estimator(s) "
                "before calibration")
    else:
        raise NotExplainable(f"the final step {type(final).__name__} has no linear coefficients (coef_); "
                             "explanations need a linear classifier such as LogisticRegression.")
    coef, intercept = _full_rank(np.asarray(coef, dtype=float), np.asarray(intercept, dtype=float), len(classes))
    return LinearModel(classes, coef - coef.mean(axis=0), intercept - intercept.mean(), exact, note)


def _averaged_calibrated(calibrated) -> tuple[np.ndarray, np.ndarray]:
    estimators = [c.estimator for c in calibrated.calibrated_classifiers_]
    if not all(hasattr(e, "coef_") for e in estimators):
        raise NotExplainable("the calibrated model's estimators have no linear coefficients (coef_).")
    return (np.mean([e.coef_ for e in estimators], axis=0),
            np.mean([np.atleast_1d(e.intercept_) for e in estimators], axis=0))


def _full_rank(coef: np.ndarray, intercept: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """One row per class; a binary model's single row w is the score of class 1 against class 0."""
    if coef.shape[0] == 1 and n_classes == 2:
        return np.vstack([-coef / 2, coef / 2]), np.concatenate([-intercept / 2, intercept / 2])
    return coef, intercept


def feature_names(pipeline) -> np.ndarray:
    """Readable names of the columns the classifier sees, e.g. ``lemma 'pretext'``, ``flag attributed``."""
    raw = pipeline.steps[-2][1].get_feature_names_out()
    return np.array([_readable(name) for name in raw], dtype=object)


def _readable(name: str) -> str:
    block, _, feature = name.partition("__")
    if not feature:
        return name
    shown = f"'{feature}'" if block.endswith("ngrams") else feature.removeprefix("cue_")
    return f"{BLOCK_NAMES.get(block, block)} {shown}"


def _block(name: str) -> str:
    return name.split(" ", 1)[0]


def explain_sentence(pipeline, text: str, linear: LinearModel | None = None,
                     names: np.ndarray | None = None) -> Explanation:
    """Predicted label, probabilities and per-feature contributions for one sentence.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        A trained stance model (``stance.model.card.load_model``).
    text : str
        One sentence; it is parsed as one unit, as in training.
    linear, names : optional
        Precomputed :func:`linear_model` and :func:`feature_names`, to explain many sentences quickly.

    Returns
    -------
    Explanation
        ``contributions`` has one row per feature active in the sentence,
        a ``value`` column and one column per class.

    Examples
    --------
    >>> from stance.model.pipeline import load_model  # doctest: +SKIP
    >>> print(explain_sentence(load_model(), "Russia's fears are a pretext.").to_text(5))  # doctest: +SKIP
    """
    linear = linear or linear_model(pipeline)
    names = feature_names(pipeline) if names is None else names
    features = pipeline[:-1].transform([text]).tocsr()
    proba = pipeline.steps[-1][1].predict_proba(features)[0]
    columns, values = features.indices, features.data
    contributions = pd.DataFrame({"feature": names[columns], "value": values})
    for k, label in enumerate(linear.classes):
        contributions[label] = values * linear.weights[k, columns]
    contributions = _merge_whole_blocks(contributions, linear.classes)
    exact, note = linear.exact, linear.note
    if exact and not reproduces(contributions, linear, proba):
        exact, note = False, ("the classifier's probabilities are not the softmax of its linear scores "
                              "(not a multinomial model); contributions explain the scores only")
    blocks = contributions.assign(block=contributions["feature"].map(_block)).groupby("block")[linear.classes].sum()
    blocks.loc["intercept"] = linear.intercepts
    return Explanation(text=text, label=linear.classes[int(np.argmax(proba))],
                       probabilities={label: float(p) for label, p in zip(linear.classes, proba)},
                       contributions=contributions, intercepts=dict(zip(linear.classes, linear.intercepts)),
                       exact=exact, note=note, blocks=blocks)


def _merge_whole_blocks(contributions: pd.DataFrame, classes) -> pd.DataFrame:
    """One row per block in ``WHOLE_BLOCKS`` (e.g. ``embedding (MiniLM, 384 dims)``), summing its columns."""
    block = contributions["feature"].map(_block)
    merged = [contributions[~block.isin(WHOLE_BLOCKS)]]
    for name in WHOLE_BLOCKS:
        rows = contributions[block == name]
        if len(rows):
            kind = "MiniLM" if name == "embedding" else "model2vec static"
            merged.append(pd.DataFrame([{"feature": f"{name} ({kind}, {len(rows)} dims)", "value": float("nan"),
                                         **{label: rows[label].sum() for label in classes}}]))
    return pd.concat(merged, ignore_index=True)


def reproduces(contributions: pd.DataFrame, linear: LinearModel, proba: np.ndarray) -> bool:
    """True when softmax(contributions + intercepts) gives back the model's probabilities."""
    scores = contributions[linear.classes].sum().to_numpy() + linear.intercepts
    softmax = np.exp(scores - scores.max())
    return bool(np.allclose(softmax / softmax.sum(), proba, atol=1e-6))


def top_features(pipeline, n: int = 15) -> pd.DataFrame:
    """The ``n`` features with the largest centred weight for each class.

    Returns a DataFrame with ``label, rank, feature, weight``.
    """
    linear = linear_model(pipeline)
    names = feature_names(pipeline)
    rows = []
    for k, label in enumerate(linear.classes):
        best = np.argsort(-linear.weights[k])[:n]
        rows += [{"label": label, "rank": r + 1, "feature": names[i], "weight": float(linear.weights[k, i])}
                 for r, i in enumerate(best)]
    return pd.DataFrame(rows)


def worst_mistakes(texts, y_true, proba: np.ndarray, classes, n: int = 10) -> pd.DataFrame:
    """Wrong predictions the model was most sure of: ``text, true, predicted, p_predicted, p_true``."""
    proba = np.asarray(proba)
    classes = list(classes)
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    true_index = np.array([classes.index(label) for label in y_true])
    table = pd.DataFrame({"text": list(texts), "true": list(y_true), "predicted": predicted,
                          "p_predicted": proba.max(axis=1), "p_true": proba[np.arange(len(proba)), true_index]})
    wrong = table[table["true"] != table["predicted"]]
    return wrong.sort_values("p_predicted", ascending=False).head(n).reset_index(drop=True)


def sentence_span(row) -> str:
    """One labelled sentence as a coloured HTML span with its probabilities as a tooltip."""
    probs = " · ".join(f"{label} {row[f'p_{label}']:.2f}" for label in LABELS if f"p_{label}" in row)
    flags = [name for name in ("attributed", "boilerplate") if bool(row.get(name, False))]
    tooltip = row["label"] + (f": {probs}" if probs else "") + (f" ({', '.join(flags)})" if flags else "")
    style = (f"padding:1px 2px;background:{LABEL_BACKGROUND[row['label']]};"
             f"border-bottom:2px solid {LABEL_BORDER[row['label']]};"
             + ("font-style:italic;" if "attributed" in flags else "")
             + ("color:#999999;" if "boilerplate" in flags else ""))
    return f'<span class="{row["label"]}" title="{html.escape(tooltip)}" style="{style}">{html.escape(str(row["text"]))}</span>'


def article_fragment(labels: pd.DataFrame, doc_id: str | None = None) -> str:
    """One article as an HTML ``<div>``, each sentence coloured by its label.

    Styles are inline only, so the fragment can be shown inside a notebook
    (``IPython.display.HTML``) without restyling the page around it.

    Parameters
    ----------
    labels : DataFrame
        Output of ``stance label``; rows of other articles are ignored.
    doc_id : str, optional
        The article to show; may be omitted when ``labels`` holds one article.
    """
    doc_id = doc_id if doc_id is not None else _only_doc(labels)
    rows = labels[labels["doc_id"] == doc_id].sort_values("sent_idx")
    if rows.empty:
        raise ValueError(f"no sentences for doc_id '{doc_id}' in the labels table.")
    outlet = rows["outlet"].iloc[0] if "outlet" in rows else "unknown outlet"
    counts = rows["label"].value_counts().reindex(list(LABELS), fill_value=0)
    summary = ", ".join(f"{n} {label}" for label, n in counts.items())
    legend = " ".join(sentence_span({"label": label, "text": label}) for label in LABELS)
    body = "\n".join(sentence_span(row) for row in rows.to_dict("records"))
    return (f'<div class="stance-article" style="font-family:serif;line-height:1.7;max-width:800px">\n'
            f'<h2>{html.escape(f"{doc_id} — {outlet}")}</h2>\n'
            f'<p style="font-family:sans-serif;font-size:0.9em">{len(rows)} sentences: {summary}. '
            f"Legend: {legend}; <i>italic</i> = attributed to someone else, grey = boilerplate. "
            f"Hover a sentence for its probabilities.</p>\n<p>\n{body}\n</p>\n</div>")


def article_html(labels: pd.DataFrame, doc_id: str | None = None) -> str:
    """A self-contained HTML page of one article (see :func:`article_fragment`)."""
    doc_id = doc_id if doc_id is not None else _only_doc(labels)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(str(doc_id))}</title></head>\n"
            '<body style="margin:2em auto;max-width:800px;padding:0 1em">\n'
            f"{article_fragment(labels, doc_id)}\n</body></html>\n")


def _only_doc(labels: pd.DataFrame) -> str:
    docs = labels["doc_id"].unique()
    if len(docs) != 1:
        raise ValueError(f"the labels table holds {len(docs)} articles; say which doc_id to show.")
    return docs[0]
