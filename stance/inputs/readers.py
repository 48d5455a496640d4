"""Read articles from JSONL, CSV, Parquet or folders of ``.txt`` files.

Every reader yields the same two kinds of record, lazily and in input order:

* :class:`Article` -- ``doc_id, outlet, text`` plus optional ``title, date, url``
  and where it came from (``source`` file, ``location`` line/row);
* :class:`Rejected` -- an input record that cannot be labelled, with the reason.

A whole input that cannot be read at all (missing file, unknown format) raises
:class:`CorpusError` with a message that says what to do.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from dataclasses import dataclass, asdict
from pathlib import Path
from typing import Iterable, Iterator, Union

OPTIONAL_FIELDS = ("title", "date", "url")
TEXT_SUFFIXES = (".jsonl", ".csv", ".txt")
SUPPORTED = ".jsonl, .csv, .parquet (each of the text formats also as .gz), a .txt file or a folder of .txt files"
HEADER_LINE = re.compile(r"^([A-Za-z_]+):\s?(.*)$")
HEADER_END = "---"
# JSON can escape lone UTF-16 surrogates ("\ud800"); no UTF-8 file, Parquet table or
# errors CSV can hold them, so they are repaired like undecodable bytes.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Python's csv module refuses fields over 128 KiB by default; articles can be longer.
CSV_FIELD_LIMIT = 1 << 30


class CorpusError(Exception):
    """An input that cannot be read at all."""


@dataclass(frozen=True)
class Article:
    doc_id: str
    outlet: str
    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    source: str = ""
    location: str = ""
    repaired_encoding: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Rejected:
    doc_id: str | None
    source: str
    location: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


Record = Union[Article, Rejected]


def text_doc_id(text: str) -> str:
    """Stable id for an article without one: a hash of its text."""
    return "sha1-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def read_articles(paths: Iterable[str | Path]) -> Iterator[Record]:
    """Yield articles and rejected records from every input path, in order.

    Parameters
    ----------
    paths : iterable of str or Path
        Files (``.jsonl``, ``.csv``, ``.parquet``, ``.txt``; text formats also
        gzipped) or folders of ``.txt`` files.

    Examples
    --------
    >>> recs = list(read_articles(["corpus/articles"]))  # doctest: +SKIP
    """
    for path in paths:
        yield from read_path(Path(path))


def read_path(path: Path) -> Iterator[Record]:
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder. Check the path, or list inputs with `ls`.")
    if path.is_dir():
        return _read_txt_folder(path)
    kind = input_kind(path)
    readers = {"jsonl": _read_jsonl, "csv": _read_csv, "parquet": _read_parquet, "txt": _read_txt_file}
    return readers[kind](path)


def input_kind(path: Path) -> str:
    """Format of ``path`` from its extension, or :class:`CorpusError`."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(".parquet") and not path.name.lower().endswith(".gz"):
        return "parquet"
    for suffix in TEXT_SUFFIXES:
        if name.endswith(suffix):
            return suffix[1:]
    raise CorpusError(f"{path}: unknown input format. Supported: {SUPPORTED}.")


def _open_text(path: Path) -> io.TextIOBase:
    """Open a (possibly gzipped) text file; bad bytes become U+FFFD."""
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def make_record(raw: dict, source: str, location: str) -> Record:
    """Validate one raw input mapping and turn it into an article or a rejection."""
    doc_id = _clean(raw.get("doc_id"))
    text = raw.get("text")
    if text is None:
        return Rejected(doc_id, source, location, "missing field 'text'")
    if not isinstance(text, str):
        return Rejected(doc_id, source, location, f"field 'text' is {type(text).__name__}, expected a string")
    text = valid_unicode(text)
    if not text.strip():
        return Rejected(doc_id, source, location, "empty text")
    optional = {k: _clean(raw.get(k)) for k in OPTIONAL_FIELDS}
    return Article(
        doc_id=doc_id or text_doc_id(text),
        outlet=_clean(raw.get("outlet")) or "unknown",
        text=text,
        source=source,
        location=location,
        repaired_encoding="\ufffd" in text,
        **optional,
    )


def _clean(value) -> str | None:
    """Optional string field: None, NaN and blanks become None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    value = valid_unicode(str(value)).strip()
    return value or None


def valid_unicode(value: str) -> str:
    """``value`` with lone surrogates replaced by U+FFFD (as undecodable bytes are)."""
    return LONE_SURROGATE.sub("\ufffd", value)


def _read_jsonl(path: Path) -> Iterator[Record]:
    with _open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            location = f"line {lineno}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Rejected(None, str(path), location, f"malformed JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(raw, dict):
                yield Rejected(None, str(path), location, "JSON line is not an object")
                continue
            yield make_record(raw, str(path), location)


def _read_csv(path: Path) -> Iterator[Record]:
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    with _open_text(path) as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "text" not in reader.fieldnames:
            raise CorpusError(f"{path}: CSV has no 'text' column (columns: {reader.fieldnames}). "
                              "Rename the article-text column to 'text'.")
        rows = enumerate(reader, start=1)
        while True:
            try:
                rowno, raw = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:  # the parser cannot go on: say where the rest of the file was lost
                yield Rejected(None, str(path), f"line {reader.line_num}",
                               f"unreadable CSV from here on ({exc}); the rest of the file was not read")
                return
            yield make_record(raw, str(path), f"row {rowno}")


def _read_parquet(path: Path, batch_size: int = 1024) -> Iterator[Record]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise CorpusError(f"{path}: not a readable Parquet file ({exc}).") from exc
    if "text" not in pf.schema_arrow.names:
        raise CorpusError(f"{path}: Parquet file has no 'text' column (columns: {pf.schema_arrow.names}).")
    rowno = 0
    for batch in pf.iter_batches(batch_size=batch_size):
        for raw in batch.to_pylist():
            rowno += 1
            yield make_record(raw, str(path), f"row {rowno}")


def _read_txt_folder(folder: Path) -> Iterator[Record]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and _is_txt(p))
    if not files:
        raise CorpusError(f"{folder}: folder holds no .txt or .txt.gz files.")
    for path in files:
        yield from _read_txt_file(path)


def _is_txt(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".txt") or name.endswith(".txt.gz")


def _read_txt_file(path: Path) -> Iterator[Record]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if b"\x00" in data:
        yield Rejected(_txt_stem(path), str(path), "file", "binary file (contains NUL bytes), not text")
        return
    meta, body = parse_txt_header(data.decode("utf-8", errors="replace"))
    meta.setdefault("doc_id", _txt_stem(path))
    meta["text"] = body
    yield make_record(meta, str(path), "file")


def _txt_stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".txt"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def parse_txt_header(content: str) -> tuple[dict, str]:
    """Split an optional ``key: value`` header, closed by a ``---`` line, from the text.

    Examples
    --------
    >>> parse_txt_header("outlet: X\\n---\\nBody.")
    ({'outlet': 'X'}, 'Body.')
    >>> parse_txt_header("No header here.")
    ({}, 'No header here.')
    """
    lines = content.split("\n")
    meta: dict = {}
    for i, line in enumerate(lines[:30]):
        if line.strip() == HEADER_END and meta:
            return meta, "\n".join(lines[i + 1:])
        match = HEADER_LINE.match(line.rstrip("\r"))
        if not match:
            break
        meta[match.group(1).lower()] = match.group(2).strip()
    return {}, content
