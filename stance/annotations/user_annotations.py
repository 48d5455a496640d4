"""User annotations: sentences a user labelled for their own outlets (``corpus/annotations/user/*.jsonl``).

Written by ``stance annotate import`` (:mod:`stance.annotation_loop.importing`),
read by ``stance train`` and ``stance evaluate --user``. Each record has the
corpus' fields, ``source: user`` and its own ``split``: a hash of the
document id, so a document's sentences share a split in every import.
Kept apart from the corpus files, so training without them is unchanged.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from stance.annotations.annotated_corpus import SPLIT_SHARES, read_jsonl
from stance.config import USER_ANNOTATIONS_DIR

USER_SOURCE = "user"
USER_FIELDS = ("id", "doc_id", "sent_idx", "outlet", "source", "text", "label", "attributed", "split", "task_id")


def user_split(doc_id: str) -> str:
    """``train``, ``dev`` or ``test`` from the document id alone, in the corpus' shares (70/15/15)."""
    position = int(hashlib.sha256(str(doc_id).encode("utf-8")).hexdigest()[:8], 16) / 16 ** 8
    if position < SPLIT_SHARES["train"]:
        return "train"
    return "dev" if position < SPLIT_SHARES["train"] + SPLIT_SHARES["dev"] else "test"


def user_annotation_files(directory: Path | None = None) -> list[Path]:
    """The user annotation files, by default those in ``corpus/annotations/user/``."""
    return sorted(Path(USER_ANNOTATIONS_DIR if directory is None else directory).glob("*.jsonl"))


def load_user_annotations(paths) -> pd.DataFrame:
    """User annotation files as one frame with a ``file`` column (the corpus' columns plus ``split``)."""
    frames = [read_jsonl(path).assign(file=f"user/{Path(path).name}") for path in paths]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=[*USER_FIELDS, "file"])
    return pd.concat(frames, ignore_index=True)
