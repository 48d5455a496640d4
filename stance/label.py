"""Label articles sentence by sentence and write the results.

Every input article ends up either labelled (one row per sentence) or in the
errors file with its reason; the summary's counts add up to the input count.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from stance.config import LABELS
from stance.corpus import Article, Rejected, read_articles
from stance.model import card_path, file_sha256, load_model
from stance.preprocess import cached_nlp, content_sentences, sentence_row

OUTPUT_COLUMNS = ["doc_id", "outlet", "date", "sent_idx", "text", "label",
                  "p_pro", "p_anti", "p_neutral", "attributed", "boilerplate"]
ERROR_COLUMNS = ["doc_id", "source", "location", "reason"]
OUTPUT_FORMATS = (".parquet", ".csv", ".jsonl")


@dataclass
class LabelSummary:
    n_input: int = 0
    n_labelled: int = 0
    n_rejected: int = 0
    n_sentences: int = 0
    errors: list = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.n_input} articles read: {self.n_labelled} labelled ({self.n_sentences} sentences), "
                f"{self.n_rejected} rejected")


def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise ValueError(f"{path}: output format must be one of {', '.join(OUTPUT_FORMATS)} (from the extension).")
    return suffix


def split_long_text(text: str, max_chars: int) -> list[str]:
    """Cut ``text`` into pieces under ``max_chars``, at paragraph breaks where possible, never dropping any."""
    if len(text) <= max_chars:
        return [text]
    pieces, start = [], 0
    while start < len(text):
        end = min(start + max_chars, len(text))
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(". ", start, end) + 1)
            end = cut if cut > start else end
        pieces.append(text[start:end])
        start = end
    return pieces


def sentence_records(articles: list[Article], nlp, batch_size: int = 32, n_process: int = 1) -> list[dict]:
    """Split articles into sentences and compute each sentence's feature record."""
    units = [(piece, (a, k)) for a in articles for k, piece in enumerate(split_long_text(a.text, nlp.max_length - 1))]
    records, next_idx = [], {}
    for doc, (article, _) in nlp.pipe(units, as_tuples=True, batch_size=batch_size, n_process=n_process):
        for span in content_sentences(doc):
            idx = next_idx.get(article.doc_id, 0)
            next_idx[article.doc_id] = idx + 1
            records.append({"doc_id": article.doc_id, "outlet": article.outlet, "date": article.date,
                            "sent_idx": idx, **sentence_row(span)})
    return records


def label_articles(articles: list[Article], model, nlp, batch_size: int = 32, n_process: int = 1) -> pd.DataFrame:
    """One row per sentence of ``articles`` with ``OUTPUT_COLUMNS``."""
    records = sentence_records(articles, nlp, batch_size=batch_size, n_process=n_process)
    if not records:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    frame = pd.DataFrame(records)
    proba = model.predict_proba(frame)
    classes = list(model.classes_)
    for label in LABELS:
        frame[f"p_{label}"] = proba[:, classes.index(label)]
    frame["label"] = [classes[i] for i in proba.argmax(axis=1)]
    return frame[OUTPUT_COLUMNS]


def checked_articles(records: Iterable, summary: LabelSummary) -> Iterator[Article]:
    """Articles from ``records``; rejections and repeated doc_ids go to ``summary.errors``."""
    first_seen: dict[str, str] = {}
    for record in records:
        summary.n_input += 1
        if isinstance(record, Article) and record.doc_id in first_seen:
            record = Rejected(record.doc_id, record.source, record.location,
                              f"duplicate doc_id (first seen at {first_seen[record.doc_id]})")
        if isinstance(record, Rejected):
            summary.n_rejected += 1
            summary.errors.append(record.to_dict())
            continue
        first_seen[record.doc_id] = f"{record.source} {record.location}"
        yield record


def chunked(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def label_files(inputs: list[str | Path], out: str | Path, model_path: str | Path | None = None,
                errors_path: str | Path | None = None, batch_size: int = 32, n_process: int = 1,
                chunk_size: int = 500) -> LabelSummary:
    """Label every article in ``inputs`` and write sentence rows to ``out``.

    Rejected articles go to ``errors_path`` (default: ``<out stem>.errors.csv``).
    A ``<out>.meta.json`` records the model's sha256 and the counts.
    """
    out = Path(out)
    output_format(out)
    model = load_model(model_path)
    nlp = cached_nlp(model.named_steps["spacy"].spacy_model)
    summary = LabelSummary()
    frames = []
    for chunk in chunked(checked_articles(read_articles(inputs), summary), chunk_size):
        frame = label_articles(chunk, model, nlp, batch_size=batch_size, n_process=n_process)
        summary.n_labelled += len(chunk)
        summary.n_sentences += len(frame)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT_COLUMNS)
    write_table(table, out)
    write_table(pd.DataFrame(summary.errors, columns=ERROR_COLUMNS), errors_file(out, errors_path))
    write_meta(out, model_path, inputs, summary)
    return summary


def errors_file(out: Path, errors_path: str | Path | None) -> Path:
    return Path(errors_path) if errors_path else out.with_name(out.name.split(".")[0] + ".errors.csv")


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` in the format given by the extension (.parquet, .csv, .jsonl)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = output_format(path)
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, force_ascii=False)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a labels or aggregate table written by :func:`write_table`."""
    path = Path(path)
    suffix = output_format(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_json(path, lines=True)


def write_meta(out: Path, model_path, inputs, summary: LabelSummary) -> None:
    from stance.config import DEFAULT_MODEL_PATH

    model_path = Path(model_path or DEFAULT_MODEL_PATH)
    meta = {
        "model": str(model_path),
        "model_sha256": file_sha256(model_path),
        "model_card": str(card_path(model_path)),
        "inputs": [str(p) for p in inputs],
        "n_input": summary.n_input,
        "n_labelled": summary.n_labelled,
        "n_rejected": summary.n_rejected,
        "n_sentences": summary.n_sentences,
    }
    out.with_name(out.name + ".meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
