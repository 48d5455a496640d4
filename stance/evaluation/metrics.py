"""Quality figures: macro-F1, F_avg (mean F1 of pro and anti), per class, confusion."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from stance.config import LABELS


def classification_metrics(y_true, y_pred, labels=LABELS, stance_labels=("pro", "anti")) -> dict:
    """The project's standard figures for one set of predictions.

    Returns
    -------
    dict
        ``n``, ``macro_f1``, ``f_avg`` (mean F1 of ``stance_labels``),
        ``per_class`` (precision/recall/f1/support per label) and ``confusion``
        (``labels`` and a matrix, rows = true, columns = predicted).

    Examples
    --------
    >>> m = classification_metrics(["pro", "anti", "neutral"], ["pro", "neutral", "neutral"])
    >>> round(m["f_avg"], 3), round(m["macro_f1"], 3)
    (0.5, 0.556)
    """
    labels = list(labels)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per_class = {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                 for i, lab in enumerate(labels)}
    return {
        "n": int(len(y_true)),
        "macro_f1": float(np.mean(f)),
        "f_avg": float(np.mean([per_class[lab]["f1"] for lab in stance_labels])),
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }


def headline(metrics: dict) -> str:
    """One line: n, macro-F1, F_avg."""
    return f"n={metrics['n']}  macro-F1={metrics['macro_f1']:.3f}  F_avg={metrics['f_avg']:.3f}"
