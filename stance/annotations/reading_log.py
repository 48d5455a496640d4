"""The writers' reading log: the real articles read before writing corpus v2 (corpus/reading-log/*.jsonl).

One JSON line per article read: ``url``, ``outlet``, ``register``,
``stance_of_article``, ``moves`` (argument moves, in the reader's words),
``furniture`` (page junk seen) and ``notes``. The log records what taught the
writers how real pages look; no sentence of those pages is in the corpus.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from stance.config import CORPUS_DIR

READING_LOG_DIR = CORPUS_DIR / "reading-log"
REQUIRED_FIELDS = ("url", "outlet", "register", "moves", "furniture")


def load_reading_log(directory: Path = READING_LOG_DIR) -> pd.DataFrame:
    """Every entry of every writer's log, with a ``writer`` column (the file name)."""
    frames = [pd.read_json(path, lines=True).assign(writer=path.stem) for path in sorted(Path(directory).glob("*.jsonl"))]
    if not frames:
        raise FileNotFoundError(f"{directory}: no reading log (*.jsonl)")
    log = pd.concat(frames, ignore_index=True)
    missing = [f for f in REQUIRED_FIELDS if f not in log]
    if missing:
        raise ValueError(f"reading log lacks field(s) {missing}")
    return log


def reading_summary(log: pd.DataFrame) -> dict:
    """Distinct articles (by URL) and outlets read, and entries per writer and register."""
    distinct = log.drop_duplicates("url")
    return {"entries": int(len(log)), "articles": int(distinct["url"].nunique()),
            "outlets": int(distinct["outlet"].str.lower().str.strip().nunique()),
            "per_writer": {k: int(v) for k, v in log["writer"].value_counts().sort_index().items()},
            "stance_of_articles": {k: int(v) for k, v in distinct["stance_of_article"].value_counts().items()}
            if "stance_of_article" in distinct else {}}
