"""Inter-annotator agreement: Cohen's kappa overall, per label and for `attributed`."""
from __future__ import annotations

from pathlib import Path

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
    restored = corpus.copy()
    decided = adjudication.set_index("id")
    hit = restored["id"].isin(decided.index)
    restored.loc[hit, "label"] = restored.loc[hit, "id"].map(decided["first"])
    if "first_attributed" in decided:  # v2 decisions record the flag too
        restored.loc[hit, "attributed"] = restored.loc[hit, "id"].map(decided["first_attributed"]).astype(bool)
    return restored


def agreement_report(corpus: pd.DataFrame, directory=AGREEMENT_DIR) -> dict:
    """Kappa of each committed independent second pass against the first pass, overall and by source.

    A pass is ``second_pass<suffix>.jsonl`` with its ``adjudication<suffix>.jsonl``
    (v1: no suffix; corpus v2: ``_v2``).
    """
    report = {}
    for second_path in sorted(Path(directory).glob("second_pass*.jsonl")):
        suffix = second_path.stem[len("second_pass"):]
        second = pd.read_json(second_path, lines=True, dtype={"doc_id": str})
        adjudication = pd.read_json(Path(directory) / f"adjudication{suffix}.jsonl", lines=True)
        pairs = paired_labels(first_pass(corpus, adjudication), second)
        part = {"all": kappa_table(pairs)}
        for source, group in pairs.groupby("source"):
            part[source] = kappa_table(group)
        part["adjudicated"] = int(len(adjudication))
        part["changed_by_adjudication"] = int((adjudication["first"] != adjudication["final"]).sum())
        report[suffix.lstrip("_") or "v1"] = part
    return report


def blind_sample(corpus: pd.DataFrame, files: list[str], min_sentences: int, seed: int = 20221203) -> pd.DataFrame:
    """Whole documents drawn at random from ``files`` until ``min_sentences`` are reached, in reading order.

    Whole documents, not sentences: the guidelines label a sentence in the context of its article.
    Documents are drawn round-robin across files so that every writer is checked.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    pools = [list(rng.permutation(sorted(corpus.loc[corpus["file"] == f, "doc_id"].unique()))) for f in files]
    size = corpus.groupby("doc_id").size()
    chosen, total = [], 0
    while total < min_sentences and any(pools):
        for pool in pools:
            if pool and total < min_sentences:
                chosen.append(pool.pop())
                total += int(size[chosen[-1]])
    sample = corpus[corpus["doc_id"].isin(chosen)]
    return sample.sort_values(["doc_id", "sent_idx"])


def blind_sheet(sample: pd.DataFrame) -> str:
    """The sample as plain text for a second annotator: documents and numbered sentences, no labels."""
    lines = []
    for doc_id, doc in sample.groupby("doc_id", sort=False):
        lines.append(f"# DOC {doc_id} | outlet={doc['outlet'].iloc[0]}")
        lines += [f"{row.sent_idx} | {row.text}" for row in doc.itertuples()]
        lines.append("")
    return "\n".join(lines)


def read_second_pass_answers(path, corpus: pd.DataFrame) -> pd.DataFrame:
    """A second annotator's answers (lines ``doc_id sent_idx label y|n``) joined to the corpus text.

    Raises on an unknown sentence or label, so a typo cannot silently drop a pair.
    """
    rows = []
    text = corpus.set_index(["doc_id", "sent_idx"])["text"]
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            doc_id, sent_idx, label, attributed = line.split()[:4]
            key = (doc_id, int(sent_idx))
            if key not in text.index or label not in LABELS or attributed not in ("y", "n"):
                raise ValueError(f"{path}, line {lineno}: unknown sentence, label or flag: {line.strip()!r}")
            rows.append({"doc_id": doc_id, "sent_idx": int(sent_idx), "text": text[key], "label": label,
                         "attributed": attributed == "y"})
    return pd.DataFrame(rows)
