"""The parts folder of a labelling run: one Parquet file per chunk of input.

``stance label ... --out labels.parquet`` works in ``labels.parquet.parts/``:

* ``manifest.json`` -- what the run is: its inputs (paths, sizes, modification
  times), the model's sha256 and the settings that decide which rows come out.
  ``--resume`` refuses a folder whose manifest differs, because chunk numbers
  would then point at different articles.
* ``part-000000.parquet`` -- the sentence rows of chunk 0 (the first
  ``chunk_size`` input records). Its footer metadata (key ``stance``) holds the
  chunk's counts and its rejected/warning rows, so a part is one file and one
  commit point.

A part only ever exists complete: it is written under a temporary name in the
same folder, flushed to disk, then renamed (atomic on POSIX and Windows). A
kill leaves at most temporary files, which :func:`prepare` deletes.
:func:`merge` streams the parts, in chunk order, into the final output and
errors files (each also written to a temporary name and renamed), so the
result of a resumed run is byte-for-byte the rows of an uninterrupted one.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "manifest.json"
META_KEY = b"stance"
PART_GLOB = "part-*.parquet"
TMP_MARK = ".tmp-"


class PartsError(RuntimeError):
    """A parts folder that cannot be used as asked (unfinished run, different run, gap)."""


def parts_folder(out: str | Path) -> Path:
    """Where the parts of a run writing ``out`` live: ``<out>.parts/`` beside it."""
    out = Path(out)
    return out.with_name(out.name + ".parts")


def part_path(folder: Path, chunk_id: int) -> Path:
    return folder / f"part-{chunk_id:06d}.parquet"


def input_fingerprint(paths: Iterable[str | Path]) -> str:
    """sha256 over every input file's path, size and modification time.

    Cheap (no file is read) and enough to notice an input that was edited,
    replaced, added to a folder or removed between a run and its resume.
    """
    digest = hashlib.sha256()
    for path in paths:
        path = Path(path)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            stat = file.stat()
            digest.update(f"{file.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def prepare(folder: Path, manifest: dict, resume: bool) -> dict[int, dict]:
    """Create ``folder`` for a new run, or check it for a resumed one.

    Returns
    -------
    dict
        ``chunk_id -> part info`` of the parts already written (empty for a new run).

    Raises
    ------
    PartsError
        The folder holds an unfinished run and ``resume`` is false, or it was
        made by a different run (inputs, model or settings differ).
    """
    if folder.exists() and not resume:
        n_parts = len(list(folder.glob(PART_GLOB)))
        raise PartsError(f"{folder} holds an unfinished run ({n_parts} parts). Continue it with --resume, "
                         "or delete the folder to start over.")
    if folder.exists() and (folder / MANIFEST).exists():
        _check_manifest(folder, manifest)
        _remove_temporaries(folder)
        return {info["chunk"]: info for info in map(read_info, sorted(folder.glob(PART_GLOB)))}
    folder.mkdir(parents=True, exist_ok=True)
    _remove_temporaries(folder)
    with _atomic(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return {}


def _check_manifest(folder: Path, manifest: dict) -> None:
    saved = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    changed = sorted(k for k in set(saved) | set(manifest) if saved.get(k) != manifest.get(k))
    if changed:
        raise PartsError(f"{folder} was made by a different run ({', '.join(changed)} changed), so its parts "
                         "cannot be reused. Rerun with the same inputs, model and --chunk-size/--batch-size, "
                         "or delete the folder to start over.")


def _remove_temporaries(folder: Path) -> None:
    for path in folder.iterdir():
        if TMP_MARK in path.name:
            path.unlink(missing_ok=True)


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; on success flush it to disk and rename it to ``path``.

    The temporary name carries the process id, so two writers of the same
    part (a resumed run racing a worker of the killed one) never share a file.
    """
    tmp = path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_part(folder: Path, chunk_id: int, table: pa.Table, info: dict) -> None:
    """Write one chunk's rows with ``info`` (JSON-able) in the footer; atomically."""
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps({**info, "chunk": chunk_id}, ensure_ascii=False).encode("utf-8")
    with _atomic(part_path(folder, chunk_id)) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)


def read_info(path: Path) -> dict:
    """The ``info`` a part was written with (reads the footer only)."""
    return json.loads(pq.read_schema(path).metadata[META_KEY])


def merge(folder: Path, n_chunks: int, out: Path, schema: pa.Schema, errors_path: Path,
          error_columns: list[str]) -> None:
    """Stream parts ``0 .. n_chunks-1`` into ``out`` and their error rows into ``errors_path``.

    Raises :class:`PartsError` if a part is missing: a gap is never merged.
    """
    missing = [i for i in range(n_chunks) if not part_path(folder, i).exists()]
    if missing:
        raise PartsError(f"{folder}: parts {missing[:5]} are missing; rerun with --resume to make them.")
    paths = [part_path(folder, i) for i in range(n_chunks)]
    with _atomic(out) as tmp, TableWriter(tmp, out, schema) as writer:
        for path in paths:
            writer.write(pq.read_table(path).replace_schema_metadata(None))
    error_schema = pa.schema([(c, pa.string()) for c in error_columns])
    with _atomic(errors_path) as tmp, TableWriter(tmp, errors_path, error_schema) as writer:
        for path in paths:
            rows = read_info(path)["errors"]
            if rows:
                writer.write(pa.Table.from_pylist(rows, schema=error_schema))


def discard(folder: Path) -> None:
    """Delete a finished run's parts; renamed first so a kill mid-delete leaves no half folder."""
    if not folder.exists():
        return
    trash = folder.with_name(folder.name + ".trash")
    shutil.rmtree(trash, ignore_errors=True)
    os.replace(folder, trash)
    shutil.rmtree(trash, ignore_errors=True)


class TableWriter:
    """Append Arrow tables to one file whose format comes from ``name``'s extension.

    Parameters
    ----------
    path : Path
        File to write (may be a temporary name).
    name : Path
        The file's final name, whose extension (.parquet, .csv, .jsonl) decides the format.
    schema : pyarrow.Schema
        Columns of every table written; also used for an empty Parquet file.
    """

    def __init__(self, path: Path, name: Path, schema: pa.Schema):
        self.path, self.schema = Path(path), schema
        self.suffix = Path(name).suffix.lower()
        self._parquet = None
        self._header_written = False

    def __enter__(self) -> "TableWriter":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.suffix == ".parquet":
            self._parquet = pq.ParquetWriter(self.path, self.schema)
        else:
            self._fh = open(self.path, "w", encoding="utf-8", newline="")
        return self

    def write(self, table: pa.Table) -> None:
        if self._parquet is not None:
            self._parquet.write_table(table)
        elif not table.num_rows:
            return
        elif self.suffix == ".csv":
            table.to_pandas().to_csv(self._fh, index=False, header=not self._header_written)
            self._header_written = True
        else:
            lines = table.to_pandas().to_json(orient="records", lines=True, force_ascii=False, double_precision=15)
            self._fh.write(lines.rstrip("\n") + "\n")

    def __exit__(self, *exc) -> None:
        if self._parquet is not None:
            self._parquet.close()
            return
        if self.suffix == ".csv" and not self._header_written:
            self._fh.write(",".join(self.schema.names) + "\n")  # header-only, as pandas writes an empty frame
        self._fh.close()
