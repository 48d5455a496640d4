"""Check an annotation export row by row and write it as user annotations.

Every row is accepted or rejected with a reason; nothing is dropped silently.
Accepted rows become ``corpus/annotations/user/NAME.jsonl`` with
``source: user`` and a ``split`` per document (a stable hash of the
``doc_id``), so one document's sentences always share a split, also across
later imports.
"""
from __future__ import annotations

import json
from pathlib import Path

from stance.annotations import user_annotations
from stance.annotations.annotated_corpus import NEAR_DUPLICATE_THRESHOLD, find_near_duplicates, normalized
from stance.annotations.user_annotations import USER_SOURCE, load_user_annotations, user_annotation_files, user_split
from stance.config import LABELS


def row_problem(row: dict) -> str | None:
    """Why a read row cannot be a training example, or ``None``."""
    if row.get("problem"):
        return row["problem"]
    if not str(row.get("text") or "").strip():
        return "empty text"
    label = row.get("label")
    if isinstance(label, list):
        return f"several stance labels {label}"
    if label is None or label == "":
        return "no stance label"
    if label not in LABELS:
        return f"unknown label '{label}' (allowed: {', '.join(LABELS)})"
    if not isinstance(row.get("attributed"), bool):
        return f"'attributed' must be true or false, not '{row.get('attributed')}'"
    return None


def check_rows(rows: list[dict], known_texts=(), threshold: float = NEAR_DUPLICATE_THRESHOLD) -> tuple[list, list]:
    """``(accepted, rejected)``: rejected rows carry ``reason``.

    Beyond :func:`row_problem`, a row is rejected when its text repeats an
    earlier row of the export, or near-duplicates (character n-gram cosine
    at or above ``threshold``) a ``known_texts`` sentence: the annotated
    corpus and earlier user files, whose label would otherwise be counted
    twice or leak across splits.
    """
    accepted, rejected = [], []
    seen = set()
    for row in rows:
        reason = row_problem(row)
        key = normalized(str(row.get("text") or ""))
        if reason is None and key in seen:
            reason = "duplicate of an earlier row of this export"
        if reason:
            rejected.append({**row, "reason": reason})
            continue
        seen.add(key)
        accepted.append(row)
    duplicates = _corpus_duplicates([r["text"] for r in accepted], list(known_texts), threshold)
    rejected += [{**row, "reason": f"near-duplicate of a corpus sentence: '{duplicates[i][:60]}'"}
                 for i, row in enumerate(accepted) if i in duplicates]
    return [row for i, row in enumerate(accepted) if i not in duplicates], rejected


def _corpus_duplicates(texts: list[str], known: list[str], threshold: float) -> dict:
    """``{position in texts: the known text it near-duplicates}``."""
    if not texts or not known:
        return {}
    known_keys = {normalized(t): t for t in known}
    found = {i: known_keys[normalized(t)] for i, t in enumerate(texts) if normalized(t) in known_keys}
    for i, j, _ in find_near_duplicates(texts + known, threshold):
        if i < len(texts) <= j and i not in found:
            found[i] = known[j - len(texts)]
    return found


def user_records(rows: list[dict], name: str) -> list[dict]:
    """Accepted rows as user annotation records (the corpus schema plus ``split`` and ``task_id``)."""
    records = []
    for number, row in enumerate(rows):
        doc_id = str(row.get("doc_id") or f"user-{name}")  # an export without ids: one document per import
        sent_idx = int(row["sent_idx"]) if row.get("sent_idx") not in (None, "") else number
        records.append({
            "id": f"user-{name}-{number:05d}", "doc_id": doc_id, "sent_idx": sent_idx,
            "outlet": row.get("outlet") or "unknown", "source": USER_SOURCE, "text": str(row["text"]).strip(),
            "label": row["label"], "attributed": bool(row["attributed"]), "split": user_split(doc_id),
            "task_id": row.get("task_id") or f"{doc_id}-{sent_idx:03d}",
        })
    return records


def import_export(export: str | Path, name: str, fmt: str | None = None, known_texts=(),
                  out_dir: Path | None = None, replace: bool = False) -> dict:
    """Read, check and write one export; returns the output path and the accepted and rejected rows."""
    from stance.annotation_loop.formats import read_export

    if not name or any(ch in name for ch in "/\\ ") or name.startswith("."):
        raise ValueError(f"--name {name!r}: use a short name without spaces or slashes, e.g. 'regional-2024'.")
    out_dir = Path(user_annotations.USER_ANNOTATIONS_DIR if out_dir is None else out_dir)
    out = out_dir / f"{name}.jsonl"
    if out.exists() and not replace:
        raise ValueError(f"{out} exists; choose another --name or pass --replace.")
    others = [p for p in user_annotation_files(out_dir) if p != out]
    known = list(known_texts) + load_user_annotations(others)["text"].astype(str).tolist()
    accepted, rejected = check_rows(read_export(export, fmt), known)
    records = user_records(accepted, name)
    if records:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {"out": out if records else None, "records": records, "rejected": rejected}
