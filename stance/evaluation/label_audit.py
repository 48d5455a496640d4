"""Label-issue audit of the annotated corpus with cleanlab (confident learning).

Out-of-fold probabilities come from the default design under grouped CV
(folds by document, so no sentence is scored by a model that saw its own
article); cleanlab ranks the rows whose given label the model finds least
plausible given its estimated noise rates. Flagged rows go to a person (or
an annotator session) for re-adjudication; they are never relabelled
automatically.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from stance.config import LABELS
from stance.evaluation.harness import grouped_cv

AUDIT_COLUMNS = ("id", "doc_id", "source", "register", "text", "label", "attributed", "suggested", "p_given",
                 "p_suggested", "rank")


def out_of_fold_probabilities(estimator, corpus: pd.DataFrame, features: pd.DataFrame, n_splits: int = 5) -> np.ndarray:
    """Probabilities in ``LABELS`` order for every row, each from a model that never saw its document."""
    with threadpool_limits(limits=1):
        predictions = grouped_cv(estimator, features, corpus["label"].to_numpy(dtype=object), corpus["doc_id"], n_splits)
    return predictions[[f"p_{label}" for label in LABELS]].to_numpy()


def label_issues(corpus: pd.DataFrame, pred_probs: np.ndarray) -> pd.DataFrame:
    """Rows cleanlab flags, most suspicious first, with the label the model would give instead."""
    from cleanlab.filter import find_label_issues

    codes = corpus["label"].map({label: i for i, label in enumerate(LABELS)}).to_numpy()
    ranked = find_label_issues(codes, pred_probs, return_indices_ranked_by="self_confidence",
                               filter_by="prune_by_noise_rate")
    flagged = corpus.iloc[ranked].copy()
    flagged["suggested"] = np.asarray(LABELS, dtype=object)[pred_probs[ranked].argmax(axis=1)]
    flagged["p_given"] = pred_probs[ranked, codes[ranked]].round(3)
    flagged["p_suggested"] = pred_probs[ranked].max(axis=1).round(3)
    flagged["rank"] = np.arange(1, len(ranked) + 1)
    return flagged[[c for c in AUDIT_COLUMNS if c in flagged]].reset_index(drop=True)
