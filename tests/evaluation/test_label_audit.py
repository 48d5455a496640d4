import numpy as np
import pandas as pd

from stance.evaluation.label_audit import label_issues


def test_label_issues_flags_the_row_the_model_contradicts():
    corpus = pd.DataFrame({"id": [f"r{i}" for i in range(30)], "doc_id": [f"d{i // 3}" for i in range(30)],
                           "label": ["pro", "anti", "neutral"] * 10, "text": ["t"] * 30})
    proba = np.array([{"pro": [0.9, 0.05, 0.05], "anti": [0.05, 0.9, 0.05], "neutral": [0.05, 0.05, 0.9]}[lab]
                      for lab in corpus["label"]])
    proba[4] = [0.02, 0.03, 0.95]  # labelled anti, the model is sure it is neutral
    flagged = label_issues(corpus, proba)
    assert flagged["id"].tolist()[:1] == ["r4"]
    assert flagged.loc[0, "suggested"] == "neutral" and flagged.loc[0, "p_given"] == 0.03
