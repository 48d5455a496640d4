"""Label articles sentence by sentence, at any scale, and write the results.

:func:`label_files` streams the inputs, cuts them into chunks of
``chunk_size`` input records, and runs one per-chunk function,
:class:`ChunkJob`, on each: here, on every local core, or on a Dask cluster
(:mod:`stance.batch.engines`). Each chunk becomes one Parquet part, written
atomically (:mod:`stance.batch.parts`); at the end the parts are merged, in input
order, into ``--out`` and the errors file. ``resume=True`` skips chunks whose
part exists, so a killed run continues without duplicates or gaps.

Every input article ends up either labelled (one row per sentence) or in the
errors file with its source, line/row and reason (``kind == "rejected"``);
``n_labelled + n_rejected == n_input``. Labelled articles with a problem worth
knowing -- bytes that were not UTF-8 and were replaced by U+FFFD -- also get a
``kind == "warning"`` row there.
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd
import pyarrow as pa

from stance.batch import engines, parts
from stance.config import DEFAULT_MODEL_PATH, LABELS
from stance.inputs.readers import Article, Rejected, read_articles, read_path
from stance.inputs.doc_ids import SeenIds
from stance.model.card import card_path, file_sha256, load_model, read_card, verify_model_file, verify_spacy_pipeline
from stance.sentences.spacy_pipeline import cached_nlp, content_sentences, sentence_row
from stance.batch.progress import Progress

OUTPUT_COLUMNS = ["doc_id", "outlet", "date", "sent_idx", "text", "label",
                  "p_pro", "p_anti", "p_neutral", "attributed", "boilerplate"]
OUTPUT_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("outlet", pa.string()), ("date", pa.string()), ("sent_idx", pa.int64()),
    ("text", pa.string()), ("label", pa.string()), ("p_pro", pa.float64()), ("p_anti", pa.float64()),
    ("p_neutral", pa.float64()), ("attributed", pa.bool_()), ("boilerplate", pa.bool_()),
])
ERROR_COLUMNS = ["doc_id", "source", "location", "kind", "reason"]
OUTPUT_FORMATS = (".parquet", ".csv", ".jsonl")

# Defaults chosen by measurement (see README, "Batch labelling at scale", and `make bench`).
DEFAULT_BATCH_SIZE = 16  # documents per nlp.pipe batch (also capped in characters)
DEFAULT_CHUNK_SIZE = 32  # input records per part: a few seconds of work on one core
# spaCy's working memory grows with the characters in a batch (about 3 MB per
# 1,000 here), so batches are also capped in characters, and longer texts are
# parsed in pieces cut at line breaks, which the pipeline treats as sentence
# boundaries anyway: sentences stay whole, only tokens next to a cut see less context.
MAX_BATCH_CHARS = 50_000
MAX_PIECE_CHARS = 50_000

REPAIRED_ENCODING = "bytes that are not UTF-8 were replaced by U+FFFD; labelled anyway"
NO_SENTENCES = "no sentences found in the text"


@dataclass
class LabelSummary:
    """Counts of a labelling run; ``n_labelled + n_rejected == n_input``."""

    n_input: int = 0
    n_labelled: int = 0
    n_rejected: int = 0
    n_warnings: int = 0
    n_sentences: int = 0
    seconds: float = 0.0

    def add(self, info: dict) -> None:
        self.n_labelled += info["n_labelled"]
        self.n_rejected += info["n_rejected"]
        self.n_warnings += info["n_warnings"]
        self.n_sentences += info["n_sentences"]

    def line(self) -> str:
        warnings = f", {self.n_warnings} labelled with a warning" if self.n_warnings else ""
        return (f"{self.n_input} articles read: {self.n_labelled} labelled ({self.n_sentences} sentences), "
                f"{self.n_rejected} rejected{warnings}")


def default_n_process() -> int:
    """Cores this process may run on (respects CPU affinity, e.g. in containers and batch jobs)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise ValueError(f"{path}: output format must be one of {', '.join(OUTPUT_FORMATS)} (from the extension).")
    return suffix


def split_long_text(text: str, max_chars: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``max_chars``, never dropping a character.

    Cuts go at the last line break before the limit, else after the last
    ``". "``, else at the last space, else exactly at the limit.

    Examples
    --------
    >>> split_long_text("One.\\nTwo.\\nThree.", 10)
    ['One.\\nTwo.', '\\nThree.']
    """
    pieces, start = [], 0
    while len(text) - start > max_chars:
        end = start + max_chars
        cut = text.rfind("\n", start + 1, end + 1)
        if cut <= start:
            cut = text.rfind(". ", start, end + 1) + 1
        if cut <= start:
            cut = text.rfind(" ", start + 1, end + 1)
        cut = cut if cut > start else end
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def text_batches(units: Iterable[tuple[str, object]], batch_size: int,
                 max_chars: int = MAX_BATCH_CHARS) -> Iterator[list[tuple[str, object]]]:
    """Group ``(text, context)`` pairs into batches of ``batch_size`` texts or ``max_chars`` characters."""
    batch, chars = [], 0
    for unit in units:
        if batch and (len(batch) >= batch_size or chars + len(unit[0]) > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(unit)
        chars += len(unit[0])
    if batch:
        yield batch


def sentence_records(articles: list[Article], nlp, batch_size: int = DEFAULT_BATCH_SIZE,
                     max_chars: int | None = None) -> list[dict]:
    """Split articles into sentences and compute each sentence's feature record.

    Texts longer than ``max_chars`` (default: ``MAX_PIECE_CHARS``, and never
    above spaCy's ``nlp.max_length``) are parsed in pieces; ``sent_idx`` runs
    on across pieces.
    """
    limit = min(max_chars or MAX_PIECE_CHARS, nlp.max_length - 1)
    units = ((piece, article) for article in articles for piece in split_long_text(article.text, limit))
    records, next_idx = [], {}
    for batch in text_batches(units, batch_size):
        for doc, article in nlp.pipe(batch, as_tuples=True, batch_size=len(batch)):
            for span in content_sentences(doc):
                idx = next_idx.get(article.doc_id, 0)
                next_idx[article.doc_id] = idx + 1
                records.append({"doc_id": article.doc_id, "outlet": article.outlet, "date": article.date,
                                "sent_idx": idx, **sentence_row(span)})
    return records


def label_articles(articles: list[Article], model, nlp, batch_size: int = DEFAULT_BATCH_SIZE,
                   max_chars: int | None = None, attribution=None) -> pd.DataFrame:
    """One row per sentence of ``articles`` with ``OUTPUT_COLUMNS``.

    With ``attribution`` (:class:`stance.sentences.attribution.AttributionModel`), the ``attributed``
    column is its verdict; otherwise the rules'. The stance model always sees the rules' flag, as in training.
    """
    records = sentence_records(articles, nlp, batch_size=batch_size, max_chars=max_chars)
    if not records:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    frame = pd.DataFrame(records)
    proba = model.predict_proba(frame)
    classes = list(model.classes_)
    for label in LABELS:
        frame[f"p_{label}"] = proba[:, classes.index(label)]
    frame["label"] = [classes[i] for i in proba.argmax(axis=1)]
    if attribution is not None:
        frame["attributed"] = attribution.predict(frame)
    return frame[OUTPUT_COLUMNS]


def label_chunk(records: list, model, nlp, batch_size: int = DEFAULT_BATCH_SIZE,
                max_chars: int | None = None, attribution=None) -> tuple[pd.DataFrame, list[dict]]:
    """Label one chunk of input records: sentence rows, and the chunk's error rows in input order.

    An article whose labelling raises is rejected with the exception as its
    reason, and the rest of the chunk is still labelled; an article that
    yields no sentence is rejected too, so every labelled article has rows.
    """
    articles = [r for r in records if isinstance(r, Article)]
    try:
        frame, failures = label_articles(articles, model, nlp, batch_size, max_chars, attribution), {}
    except Exception:  # noqa: BLE001 -- find the article(s) at fault, label the rest
        frame, failures = _label_one_by_one(articles, model, nlp, batch_size, max_chars, attribution)
    with_rows = set(frame["doc_id"])
    errors = []
    for record in records:
        if isinstance(record, Rejected):
            errors.append(_error_row(record, "rejected", record.reason))
        elif record.doc_id in failures or record.doc_id not in with_rows:
            errors.append(_error_row(record, "rejected", failures.get(record.doc_id, NO_SENTENCES)))
        elif record.repaired_encoding:
            errors.append(_error_row(record, "warning", REPAIRED_ENCODING))
    return frame.reset_index(drop=True), errors


def _label_one_by_one(articles, model, nlp, batch_size, max_chars, attribution=None) -> tuple[pd.DataFrame, dict]:
    frames, failures = [], {}
    for article in articles:
        try:
            frames.append(label_articles([article], model, nlp, batch_size, max_chars, attribution))
        except Exception as exc:  # noqa: BLE001 -- reported per article in the errors file
            failures[article.doc_id] = f"labelling failed: {type(exc).__name__}: {exc}"
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT_COLUMNS)
    return frame, failures


def _error_row(record, kind: str, reason: str) -> dict:
    return {"doc_id": record.doc_id, "source": record.source, "location": record.location,
            "kind": kind, "reason": reason}


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Sentence rows as an Arrow table with the fixed output schema (empty frames included)."""
    if frame.empty:
        return OUTPUT_SCHEMA.empty_table()
    return pa.Table.from_pandas(frame[OUTPUT_COLUMNS], schema=OUTPUT_SCHEMA, preserve_index=False)


_NLP_LOCK = threading.Lock()


@dataclass
class ChunkJob:
    """The per-chunk function every engine runs: label a chunk, write its part, return its counts.

    Picklable, and sent once to each worker; the spaCy pipeline is loaded on
    first use in the worker's process and checked against the model card.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        A trained stance model.
    spacy_pipeline : dict
        The card's ``spacy_pipeline`` entry.
    parts_dir : str
        The run's parts folder; every worker must see it at this path.
    batch_size, max_chars
        Passed to :func:`label_chunk`.
    """

    model: object
    spacy_pipeline: dict
    parts_dir: str
    batch_size: int = DEFAULT_BATCH_SIZE
    max_chars: int | None = None
    attribution: object | None = None  # the learned attribution classifier; None: the rules

    def __call__(self, chunk_id: int, records: list) -> dict:
        # spaCy pipelines are not documented as thread-safe; a Dask worker
        # with several threads runs its chunks one at a time.
        with _NLP_LOCK:
            nlp = self._nlp()
            frame, errors = label_chunk(records, self.model, nlp, self.batch_size, self.max_chars,
                                        self.attribution)
        info = chunk_info(records, frame, errors)
        parts.write_part(Path(self.parts_dir), chunk_id, to_arrow(frame), {**info, "errors": errors})
        return {**info, "chunk": chunk_id}

    def _nlp(self):
        spacy_model = self.model.named_steps["spacy"].spacy_model
        verify_spacy_pipeline({"spacy_pipeline": self.spacy_pipeline}, spacy_model)
        return cached_nlp(spacy_model)


def chunk_info(records: list, frame: pd.DataFrame, errors: list[dict]) -> dict:
    """The counts a part records; labelled + rejected == records."""
    n_rejected = sum(e["kind"] == "rejected" for e in errors)
    return {"n_records": len(records), "n_labelled": len(records) - n_rejected, "n_rejected": n_rejected,
            "n_warnings": sum(e["kind"] == "warning" for e in errors), "n_sentences": len(frame)}


def checked_records(records: Iterable, counter: LabelSummary | None = None) -> Iterator:
    """Pass records through, turning a repeated ``doc_id`` into a rejection.

    The first article with a ``doc_id`` is kept. The ids seen so far are kept
    on disk (:class:`~stance.inputs.doc_ids.SeenIds`), so memory does not grow with the corpus.
    """
    with SeenIds() as seen:
        for record in records:
            if counter is not None:
                counter.n_input += 1
            if isinstance(record, Article):
                first = seen.first_seen(record.doc_id, f"{record.source} {record.location}")
                if first is not None:
                    record = Rejected(record.doc_id, record.source, record.location,
                                      f"duplicate doc_id (first seen at {first})")
            yield record


def chunked(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def check_inputs(inputs: list) -> None:
    """Open every input and read its first record, before any work.

    A missing file, an unknown format or a file without a ``text`` column
    raises :class:`~stance.inputs.readers.CorpusError` here rather than hours into a run.
    """
    for path in inputs:
        records = iter(read_path(Path(path)))
        try:
            next(records, None)
        finally:
            getattr(records, "close", lambda: None)()


def label_files(inputs: list[str | Path], out: str | Path, model_path: str | Path | None = None,
                errors_path: str | Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                n_process: int = 1, chunk_size: int = DEFAULT_CHUNK_SIZE, engine: str = "local",
                scheduler: str | None = None, resume: bool = False, progress: bool = False,
                max_chars: int | None = None, trust_pickle: bool = False,
                attribution_path: str | Path | None = "auto") -> LabelSummary:
    """Label every article in ``inputs`` and write sentence rows to ``out``.

    Parameters
    ----------
    inputs : list of str or Path
        Files (JSONL, CSV, Parquet, ``.txt``; text formats also ``.gz``) or folders of ``.txt``.
    out : str or Path
        Output file; the format comes from the extension (.parquet, .csv, .jsonl).
    model_path : str or Path, optional
        Trained model (default ``models/stance.skops``), checked against its card.
    errors_path : str or Path, optional
        Rejected articles and warnings (default ``<out stem>.errors.csv``).
    batch_size : int
        Documents per ``nlp.pipe`` batch.
    n_process : int
        Local worker processes, or ``LocalCluster`` workers for ``engine="dask"``.
    chunk_size : int
        Input records per part: the unit of work, of crash recovery and of progress.
    engine : {"local", "dask"}
        Where chunks run.
    scheduler : str, optional
        Address of a Dask scheduler (``engine="dask"``); default: a new ``LocalCluster``.
    resume : bool
        Continue the unfinished run of ``out`` from its parts folder.
    progress : bool
        Draw a progress bar on stderr.
    max_chars : int, optional
        Longest text parsed in one piece (default ``MAX_PIECE_CHARS``).
    trust_pickle : bool
        Allow a legacy ``.joblib`` model (see :func:`stance.model.card.load_model`).
    attribution_path : str or Path, optional
        Attribution classifier for the ``attributed`` column; ``"auto"``: ``models/attribution.skops``
        when it exists; ``None``: the rules.

    Returns
    -------
    LabelSummary
        Counts; also written to ``<out>.meta.json``.
    """
    started = time.perf_counter()
    out = Path(out)
    output_format(out)
    errors_out = errors_file(out, errors_path)
    output_format(errors_out)
    if engine not in ("local", "dask"):
        raise ValueError(f"engine must be 'local' or 'dask', not {engine!r}")
    check_inputs(inputs)
    model_path = Path(model_path or DEFAULT_MODEL_PATH)
    job = _make_job(model_path, out, batch_size, max_chars, trust_pickle)
    job.attribution = _attribution(attribution_path)
    folder = parts.parts_folder(out)
    manifest = _manifest(inputs, model_path, chunk_size, batch_size, max_chars)
    done = parts.prepare(folder, manifest, resume)

    summary = LabelSummary()
    with Progress(inputs, enabled=progress) as bar:
        records = checked_records(read_articles(inputs), summary)
        tasks = _tasks(chunked(records, chunk_size), done, summary, bar)
        for info in _run(job, tasks, engine, n_process, scheduler):
            summary.add(info)
            bar.advance(info["n_records"], info["n_sentences"])
    _check_counts(summary)
    n_chunks = -(-summary.n_input // chunk_size)
    parts.merge(folder, n_chunks, out, OUTPUT_SCHEMA, errors_out, ERROR_COLUMNS)
    summary.seconds = time.perf_counter() - started
    settings = {"engine": engine, "n_process": n_process, "scheduler": scheduler,
                **{key: manifest[key] for key in ("chunk_size", "batch_size", "max_chars")}}
    write_meta(out, model_path, inputs, summary, settings)
    parts.discard(folder)
    return summary


def _attribution(path):
    from stance.model.attribution_training import DEFAULT_ATTRIBUTION_PATH, load_attribution

    if path == "auto":
        path = DEFAULT_ATTRIBUTION_PATH if DEFAULT_ATTRIBUTION_PATH.exists() else None
    return None if path is None else load_attribution(path)


def _make_job(model_path: Path, out: Path, batch_size: int, max_chars: int | None,
              trust_pickle: bool = False) -> ChunkJob:
    # The file is checked against its card here; the spaCy pipeline is checked
    # where it runs (a worker), so a multi-process run never loads spaCy here.
    if not model_path.exists():
        raise FileNotFoundError(f"{model_path}: no such model. Train one with `stance train --out {model_path}`.")
    verify_model_file(model_path)  # before reading anything from it
    model = load_model(model_path, verify=False, trust_pickle=trust_pickle)
    return ChunkJob(model=model, spacy_pipeline=read_card(model_path).get("spacy_pipeline", {}),
                    parts_dir=str(parts.parts_folder(out).resolve()), batch_size=batch_size, max_chars=max_chars)


def _manifest(inputs, model_path: Path, chunk_size: int, batch_size: int, max_chars: int | None) -> dict:
    """What must be equal for a resumed run to produce the same rows."""
    return {
        "inputs": [str(Path(p).resolve()) for p in inputs],
        "inputs_fingerprint": parts.input_fingerprint(inputs),
        "model_sha256": file_sha256(model_path),
        "chunk_size": chunk_size,
        "batch_size": batch_size,
        "max_chars": max_chars,
    }


def _tasks(chunks: Iterable[list], done: dict, summary: LabelSummary, bar: Progress) -> Iterator:
    """``(chunk_id, records)`` for every chunk without a part; done chunks are counted, not redone."""
    for chunk_id, chunk in enumerate(chunks):
        info = done.get(chunk_id)
        if info is None:
            yield chunk_id, chunk
            continue
        if info["n_records"] != len(chunk):  # the manifest makes this impossible; checked all the same
            raise parts.PartsError(f"part {chunk_id} holds {info['n_records']} records but the inputs now "
                                   f"give {len(chunk)}; delete the parts folder and start over.")
        summary.add(info)
        bar.skip(info["n_records"], info["n_sentences"])


def _run(job: ChunkJob, tasks: Iterator, engine: str, n_process: int, scheduler: str | None) -> Iterator[dict]:
    """Dispatch to an engine; a local run with one process, or with one chunk, stays in this process."""
    if engine == "dask":
        return engines.run_on_dask(job, tasks, address=scheduler, n_workers=n_process)
    first_two = list(islice(tasks, 2))
    tasks = chain(first_two, tasks)
    if n_process <= 1 or len(first_two) < 2:
        return engines.run_in_process(job, tasks)
    return engines.run_on_local_processes(job, tasks, n_process)


def _check_counts(summary: LabelSummary) -> None:
    # Holds by construction; checked because a silent gap is the one failure
    # this module exists to prevent.
    if summary.n_labelled + summary.n_rejected != summary.n_input:
        raise RuntimeError(f"count mismatch: {summary.n_input} read, {summary.n_labelled} labelled, "
                           f"{summary.n_rejected} rejected")


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


def write_meta(out: Path, model_path, inputs, summary: LabelSummary, settings: dict | None = None) -> None:
    """``<out>.meta.json``: the model's sha256, the inputs, the counts and the run's settings."""
    model_path = Path(model_path or DEFAULT_MODEL_PATH)
    meta = {
        "model": str(model_path),
        "model_sha256": file_sha256(model_path),
        "model_card": str(card_path(model_path)),
        "inputs": [str(p) for p in inputs],
        "n_input": summary.n_input,
        "n_labelled": summary.n_labelled,
        "n_rejected": summary.n_rejected,
        "n_warnings": summary.n_warnings,
        "n_sentences": summary.n_sentences,
        "seconds": round(summary.seconds, 3),
        "settings": settings or {},
    }
    out.with_name(out.name + ".meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
