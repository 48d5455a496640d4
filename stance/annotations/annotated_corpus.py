"""The annotated sentence corpus: loading, splits, validation, near-duplicates.

Files (schema in ``corpus/README.md``):

* ``corpus/annotations/seed.jsonl`` -- every sentence of the five seed articles;
* ``corpus/annotations/authored/*.jsonl`` -- sentences written by the team;
* ``corpus/splits.json`` -- ``doc_id -> train|dev|test``, fixed and committed.
"""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd

from stance.config import ANNOTATIONS_DIR, LABELS, SPLITS_PATH

SPLITS = ("train", "dev", "test")
SPLIT_SHARES = {"train": 0.70, "dev": 0.15, "test": 0.15}
SPLIT_SEED = 20221203  # the day Macron's TF1 interview was broadcast
REGISTERS = ("wire", "oped", "thinktank", "editorial", "official", "interview", "headline",
             "subheading", "bullet", "question", "caption", "boilerplate")
SOURCES = ("seed", "authored")
REQUIRED = ("id", "doc_id", "sent_idx", "outlet", "source", "register", "text", "label", "attributed")
NEAR_DUPLICATE_THRESHOLD = 0.85
FIELD_ORDER = ("id", "doc_id", "sent_idx", "outlet", "source_style", "register", "source", "text", "label",
               "attributed", "pair_id", "note")


def annotation_files(directory: Path = ANNOTATIONS_DIR) -> list[Path]:
    """All annotation JSONL files, seed first, in a stable order."""
    directory = Path(directory)
    # Older batches first (corpus v2 files are named v2-*), so deduplication keeps their rows.
    authored = sorted(directory.glob("authored/*.jsonl"), key=lambda p: (p.name.startswith("v2-"), p.name))
    return sorted(directory.glob("*.jsonl")) + authored


def load_annotations(directory: Path = ANNOTATIONS_DIR, splits_path: Path | None = SPLITS_PATH) -> pd.DataFrame:
    """All annotated sentences as one DataFrame, with a ``split`` column when splits exist."""
    frames = [with_defaults(read_jsonl(path), path) for path in annotation_files(directory)]
    if not frames:
        raise FileNotFoundError(f"{directory}: no annotation files (*.jsonl).")
    df = pd.concat(frames, ignore_index=True)
    if splits_path is not None and Path(splits_path).exists():
        df["split"] = df["doc_id"].map(load_splits(splits_path))
    return df


def with_defaults(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Fill derivable fields: ``id`` from doc and sentence index, ``source`` from the folder, ``outlet``."""
    df = df.assign(file=path.name)
    if "id" not in df:
        df["id"] = df["doc_id"] + "-" + df["sent_idx"].astype(int).map("{:03d}".format)
    if "source" not in df:
        df["source"] = "authored" if path.parent.name == "authored" else "seed"
    if "outlet" not in df:
        df["outlet"] = df["source_style"]
    return df


def read_jsonl(path: str | Path) -> pd.DataFrame:
    """Read a JSONL file strictly: a malformed line is an error naming the line."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}, line {lineno}: malformed JSON ({exc.msg}).") from exc
    return pd.DataFrame(rows)


def load_splits(path: Path = SPLITS_PATH) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))["splits"]


def assign_splits(df: pd.DataFrame, existing: dict | None = None, seed_split: str = "train") -> dict:
    """``doc_id -> split`` for every document, keeping ``existing`` assignments.

    New authored documents are shuffled within their file (a stable seed) and
    dealt out by ``SPLIT_SHARES``, so every batch and register reaches every
    split. Seed articles go to ``seed_split``: they are real text, and are
    evaluated by leave-one-seed-article-out instead.
    """
    splits = dict(existing or {})
    for file, group in df.groupby("file", sort=True):
        new_docs = sorted(set(group["doc_id"]) - set(splits))
        if not new_docs:
            continue
        if (group["source"] == "seed").all():
            splits.update({doc: seed_split for doc in new_docs})
            continue
        random.Random(f"{SPLIT_SEED}-{file}").shuffle(new_docs)
        splits.update(_deal(new_docs))
    return dict(sorted(splits.items()))


def _deal(docs: list[str]) -> dict:
    n = len(docs)
    n_test = max(1, round(n * SPLIT_SHARES["test"]))
    n_dev = max(1, round(n * SPLIT_SHARES["dev"]))
    out = {doc: "test" for doc in docs[:n_test]}
    out.update({doc: "dev" for doc in docs[n_test:n_test + n_dev]})
    out.update({doc: "train" for doc in docs[n_test + n_dev:]})
    return out


def write_splits(splits: dict, path: Path = SPLITS_PATH) -> None:
    payload = {"seed": SPLIT_SEED, "shares": SPLIT_SHARES, "splits": splits}
    Path(path).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def data_sha256(df: pd.DataFrame) -> str:
    """Hash of the training rows that matter (id, text, label), order-independent."""
    digest = hashlib.sha256()
    for row in sorted(zip(df["id"], df["text"], df["label"])):
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def normalized(text: str) -> str:
    return " ".join(text.lower().split())


def find_near_duplicates(texts: list[str], threshold: float = NEAR_DUPLICATE_THRESHOLD) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, cosine)`` with ``i < j`` whose character 3–5-gram TF-IDF cosine is ``>= threshold``."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 2:
        return []
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True).fit_transform(texts)
    sims = (matrix @ matrix.T).tocoo()
    keep = (sims.row < sims.col) & (sims.data >= threshold)
    return sorted(zip(sims.row[keep].tolist(), sims.col[keep].tolist(), np.round(sims.data[keep], 3).tolist()))


def duplicate_rows(df: pd.DataFrame, threshold: float = NEAR_DUPLICATE_THRESHOLD) -> pd.DataFrame:
    """Authored rows that near-duplicate an earlier row (seed rows are real text and always kept).

    Returns one row per duplicate with the ``id`` it repeats and the cosine.
    """
    pairs = find_near_duplicates(df["text"].tolist(), threshold)
    groups = df["pair_id"].tolist() if "pair_id" in df else [None] * len(df)
    pairs = [(i, j, c) for i, j, c in pairs if not _same_contrast_group(groups[i], groups[j])]
    ids, sources = df["id"].tolist(), df["source"].tolist()
    found = {}
    for i, j in (_keep_and_drop(i, j, sources, groups) for i, j, _ in pairs):
        if i != j and sources[j] == "authored" and ids[j] not in found:
            found[ids[j]] = ids[i]
    sims = {(ids[i], ids[j]): c for i, j, c in pairs}
    rows = [{"id": dup, "duplicate_of": orig, "cosine": sims.get((orig, dup), sims.get((dup, orig)))}
            for dup, orig in found.items()]
    return pd.DataFrame(rows, columns=["id", "duplicate_of", "cosine"])


def _keep_and_drop(i: int, j: int, sources: list, groups: list) -> tuple[int, int]:
    """Which of a near-duplicate pair to keep and which to drop: never a seed row, nor a contrast-group
    member when the other row is not one (dropping it would leave its group without a flip)."""
    if sources[j] != "authored":
        return j, i
    in_group = [isinstance(groups[k], str) for k in (i, j)]
    if in_group == [False, True] and sources[i] == "authored":
        return j, i
    if all(in_group):
        return i, i  # members of two different groups: keep both (a row never duplicates itself)
    return i, j


def _same_contrast_group(a, b) -> bool:
    """Members of one contrast group differ by one edit on purpose: not duplicates of each other."""
    return isinstance(a, str) and a == b


def write_annotations(df: pd.DataFrame, directory: Path = ANNOTATIONS_DIR) -> None:
    """Rewrite the annotation files from ``df`` (its ``file`` column says which file a row belongs to)."""
    directory = Path(directory)
    for path in annotation_files(directory):
        rows = df[df["file"] == path.name]
        columns = [c for c in FIELD_ORDER if c in rows.columns]
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows[columns].to_dict("records"):
                row = {k: v for k, v in row.items() if not (isinstance(v, float) and v != v)}  # drop NaN
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def apply_decisions(df: pd.DataFrame, decisions: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Set ``label`` (and ``attributed``, when decided) of the rows named in ``decisions``.

    ``decisions`` has ``id`` and ``final`` and optionally ``final_attributed``; an unknown
    id or label is an error, so a stale decisions file cannot half-apply.
    """
    unknown = sorted(set(decisions["id"]) - set(df["id"]))
    bad = sorted(set(decisions["final"]) - set(LABELS))
    if unknown or bad:
        raise ValueError(f"decisions name unknown ids {unknown[:5]} or labels {bad}")
    out = df.copy()
    row = out.reset_index().set_index("id")["index"]
    before = out[["label", "attributed"]].copy()
    for decision in decisions.to_dict("records"):
        out.loc[row[decision["id"]], "label"] = decision["final"]
        if isinstance(decision.get("final_attributed"), (bool, np.bool_)):
            out.loc[row[decision["id"]], "attributed"] = bool(decision["final_attributed"])
    changed = {col: int((out[col] != before[col]).sum()) for col in ("label", "attributed")}
    return out, changed


def check_corpus(df: pd.DataFrame, splits: dict | None = None) -> list[str]:
    """Problems that make the corpus unusable; an empty list means it is valid.

    Rejects missing fields, unknown labels/registers/sources, non-boolean
    ``attributed``, empty text, duplicate ids, documents without a split, and
    split leakage (one text, or one document, in two splits).
    """
    problems = [f"missing column '{col}'" for col in REQUIRED if col not in df.columns]
    if problems:
        return problems
    where = df["file"] + ":" + df["id"].astype(str) if "file" in df.columns else df["id"].astype(str)
    problems += _bad_values(df, where, "label", LABELS)
    problems += _bad_values(df, where, "register", REGISTERS)
    problems += _bad_values(df, where, "source", SOURCES)
    problems += [f"{w}: 'attributed' must be true or false" for w, v in zip(where, df["attributed"])
                 if not isinstance(v, (bool, np.bool_))]
    problems += [f"{w}: empty text" for w, t in zip(where, df["text"]) if not str(t).strip()]
    problems += [f"duplicate id '{i}'" for i in df.loc[df["id"].duplicated(), "id"]]
    if splits is not None:
        problems += _split_problems(df, splits)
    return problems


def _bad_values(df: pd.DataFrame, where: pd.Series, column: str, allowed) -> list[str]:
    bad = ~df[column].isin(allowed)
    return [f"{w}: unknown {column} '{v}' (allowed: {', '.join(allowed)})" for w, v in zip(where[bad], df.loc[bad, column])]


def _split_problems(df: pd.DataFrame, splits: dict) -> list[str]:
    problems = [f"doc_id '{d}' has no split" for d in sorted(set(df["doc_id"]) - set(splits))]
    problems += [f"doc_id '{d}': unknown split '{s}'" for d, s in splits.items() if s not in SPLITS]
    split_of = df["doc_id"].map(splits)
    by_text = pd.DataFrame({"text": df["text"].map(normalized), "split": split_of}).dropna()
    leaked = by_text.groupby("text")["split"].nunique()
    problems += [f"text in several splits (leakage): '{t[:60]}'" for t in leaked[leaked > 1].index]
    if "pair_id" in df:
        groups = pd.DataFrame({"pair_id": df["pair_id"], "split": split_of, "label": df["label"]}).dropna()
        spread = groups.groupby("pair_id").agg(splits=("split", "nunique"), labels=("label", "nunique"))
        problems += [f"contrast group '{g}' spans several splits" for g in spread.index[spread["splits"] > 1]]
        problems += [f"contrast group '{g}' does not flip the label" for g in spread.index[spread["labels"] < 2]]
    return problems


def featurize(df: pd.DataFrame, nlp, batch_size: int = 64) -> pd.DataFrame:
    """Feature records for annotated sentences, each sentence parsed as one unit."""
    from stance.sentences.spacy_pipeline import parse_units

    return pd.DataFrame(parse_units(df["text"].tolist(), nlp, batch_size=batch_size), index=df.index)


def corpus_tables(df: pd.DataFrame) -> dict:
    """Counts for the datasheet: label by source, split, register and attribution."""
    label_cols = list(LABELS)

    def crosstab(column: str) -> pd.DataFrame:
        table = pd.crosstab(df[column], df["label"]).reindex(columns=label_cols, fill_value=0)
        table["total"] = table.sum(axis=1)
        table.loc["all"] = table.sum()
        return table

    tables = {name: crosstab(name) for name in ("source", "split", "register", "attributed")}
    tables["documents"] = df.groupby(["source", "split"])["doc_id"].nunique().unstack(fill_value=0)
    return tables


def markdown_table(table: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (index as first column)."""
    header = [str(table.index.name or "")] + [str(c) for c in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join([str(i)] + [str(v) for v in row]) + " |"
              for i, row in zip(table.index, table.itertuples(index=False))]
    return "\n".join(lines)
