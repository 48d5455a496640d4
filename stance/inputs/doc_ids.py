"""Which ``doc_id`` values a labelling run has seen, and where: kept on disk, not in memory.

Finding a repeated ``doc_id`` needs every id read so far. A Python dict of
them costs about 200 bytes per article (200 MB per million), so a run over
an archive would grow without bound; an SQLite table in a temporary file
keeps the process at a few MB whatever the corpus size, for about 10 µs per
article (a million articles add seconds to a run that takes days of CPU).
"""
from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path


class SeenIds:
    """A set of ``doc_id`` values, each with where it was first seen.

    Examples
    --------
    >>> with SeenIds() as seen:
    ...     seen.first_seen("a", "in.jsonl line 1"), seen.first_seen("a", "in.jsonl line 7")
    (None, 'in.jsonl line 1')
    """

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="stance-ids-")
        # Autocommit off, journal off: the table is scratch, rebuilt by every run.
        self._db = sqlite3.connect(Path(self._dir.name) / "ids.sqlite", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (doc_id TEXT PRIMARY KEY, location TEXT) WITHOUT ROWID")
        self._db.execute("BEGIN")

    def first_seen(self, doc_id: str, location: str) -> str | None:
        """Record ``doc_id`` at ``location``; if it was seen before, return where instead."""
        inserted = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (doc_id, location)).rowcount
        if inserted:
            return None
        return self._db.execute("SELECT location FROM seen WHERE doc_id = ?", (doc_id,)).fetchone()[0]

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> "SeenIds":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
