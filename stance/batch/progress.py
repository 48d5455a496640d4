"""Progress of a labelling run: a tqdm bar on a terminal, nothing otherwise.

The bar counts input articles (labelled or rejected) and shows articles/s,
sentences/s and, once the inputs have been counted, the ETA. Counting runs
in a background thread so labelling starts at once; until it finishes the bar
has no total.
"""
from __future__ import annotations

import csv
import gzip
import sys
import threading
import time
from pathlib import Path
from typing import Iterable

from stance.inputs.readers import CorpusError, input_kind


def is_terminal(stream=None) -> bool:
    """True when ``stream`` (default: stderr) is an interactive terminal."""
    stream = stream if stream is not None else sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def count_records(paths: Iterable[str | Path]) -> int:
    """How many input records the readers of :mod:`stance.inputs.readers` will yield.

    One per non-blank JSONL line, CSV row, Parquet row and ``.txt`` file.
    """
    return sum(_count_path(Path(p)) for p in paths)


def _count_path(path: Path) -> int:
    if path.is_dir():
        return sum(1 for p in path.rglob("*") if p.is_file() and p.name.lower().endswith((".txt", ".txt.gz")))
    kind = input_kind(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if kind == "txt":
        return 1
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    if kind == "jsonl":
        with opener(path, "rb") as fh:
            return sum(1 for line in fh if line.strip())
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        return max(0, sum(1 for row in csv.reader(fh) if row) - 1)


class Progress:
    """A progress bar for a labelling run (a no-op when not ``enabled``).

    Parameters
    ----------
    inputs : list of str or Path
        The run's inputs, counted in the background for the bar's total.
    enabled : bool
        Draw the bar (on stderr).
    """

    def __init__(self, inputs: list, enabled: bool):
        self.enabled = enabled
        self.n_sentences = 0
        self._total: int | None = None
        self._started = time.perf_counter()
        if not enabled:
            return
        from tqdm import tqdm

        self._bar = tqdm(total=None, unit=" articles", dynamic_ncols=True, file=sys.stderr, smoothing=0.05)
        threading.Thread(target=self._count, args=(list(inputs),), daemon=True).start()

    def _count(self, inputs: list) -> None:
        try:
            self._total = count_records(inputs)
        except (OSError, CorpusError, csv.Error, ValueError):
            pass  # no total, no ETA; the run itself reports unreadable inputs

    def skip(self, n_records: int, n_sentences: int) -> None:
        """Account for records done by an earlier run (resume); not in the rates."""
        self.advance(n_records, n_sentences, count_in_rate=False)

    def advance(self, n_records: int, n_sentences: int, count_in_rate: bool = True) -> None:
        """Record one finished chunk."""
        if not self.enabled:
            return
        if self._total is not None and self._bar.total != self._total:
            self._bar.total = self._total
        if count_in_rate:
            self.n_sentences += n_sentences
            elapsed = max(time.perf_counter() - self._started, 1e-9)
            self._bar.set_postfix_str(f"{self.n_sentences / elapsed:,.0f} sentences/s", refresh=False)
        self._bar.update(n_records)

    def close(self) -> None:
        if self.enabled:
            self._bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
