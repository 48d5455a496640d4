"""Inter-annotator agreement: Cohen's kappa overall, per label and for `attributed`."""
from __future__ import annotations

import pandas as pd
from sklearn.metrics import cohen_kappa_score

from stance.config import CORPUS_DIR, LABELS

AGREEMENT_DIR = CORPUS_DIR / "agreement"



def paired_labels(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Pair two annotations of the same sentences, matched on ``doc_id`` and exact text.

    Matching on text (not position) keeps a pair valid when a document was
    renumbered between the passes; sentences edited in between drop out.
    A text repeated within one document is paired once.
    """
    keys = ["doc_id", "text"]
    first = first.drop_duplicates(keys)
    second = second.drop_duplicates(keys)
    return first.merge(second, on=keys, suffixes=("_1", "_2"), validate="one_to_one")


def kappa_table(pairs: pd.DataFrame) -> dict:
    """Cohen's kappa: overall (three labels), each label against the rest, and ``attributed``.

    Examples
    --------
    >>> pairs = pd.DataFrame({"label_1": ["pro", "anti", "neutral", "pro"],
    ...                       "label_2": ["pro", "anti", "neutral", "anti"],
    ...                       "attributed_1": [True, False, False, True],
    ...                       "attributed_2": [True, False, True, True]})
    >>> round(kappa_table(pairs)["overall"], 3)
    0.636
    """
    a, b = pairs["label_1"], pairs["label_2"]
    table = {
        "n": int(len(pairs)),
        "observed_agreement": float((a == b).mean()),
        "overall": float(cohen_kappa_score(a, b, labels=list(LABELS))),
        "per_label": {lab: float(cohen_kappa_score(a == lab, b == lab)) for lab in LABELS},
    }
    if {"attributed_1", "attributed_2"} <= set(pairs.columns):
        table["attributed"] = float(cohen_kappa_score(pairs["attributed_1"].astype(bool),
                                                      pairs["attributed_2"].astype(bool)))
    return table


def disagreements(pairs: pd.DataFrame) -> pd.DataFrame:
    """Sentences the two passes labelled differently."""
    return pairs.loc[pairs["label_1"] != pairs["label_2"], ["doc_id", "text", "label_1", "label_2"]]


def first_pass(corpus: pd.DataFrame, adjudication: pd.DataFrame) -> pd.DataFrame:
    """The first annotator's labels: the corpus as committed, with adjudicated changes undone."""
    before = adjudication.set_index("id")["first"]
    restored = corpus.copy()
    hit = restored["id"].isin(before.index)
    restored.loc[hit, "label"] = restored.loc[hit, "id"].map(before)
    return restored


def agreement_report(corpus: pd.DataFrame, directory=AGREEMENT_DIR) -> dict:
    """Kappa of the committed independent second pass against the first pass, overall and by source."""
    second = pd.read_json(directory / "second_pass.jsonl", lines=True)
    adjudication = pd.read_json(directory / "adjudication.jsonl", lines=True)
    pairs = paired_labels(first_pass(corpus, adjudication), second)
    report = {"all": kappa_table(pairs)}
    for source, group in pairs.groupby("source"):
        report[source] = kappa_table(group)
    report["adjudicated"] = int(len(adjudication))
    return report
