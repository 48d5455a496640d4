"""Writers' drafts: a compact one-line-per-sentence format, turned into annotation JSONL.

Writers (people or helper sessions) draft pseudo-articles faster in a plain
text format than in JSONL, and a line-based file diffs well in review::

    # DOC 014 | outlet=The Vistula Review | style=oped-atlanticist
    anti n headline | Paris wants to reassure the arsonist
    neutral y wire | Moscow expects a written reply next week, the deputy minister said. || R23
    anti n oped pair=ha-c001 | Enlargement did not cause this war.

Each ``# DOC`` line opens a document; each sentence line gives the label,
``attributed`` (``y``/``n``), the register, an optional contrast-group id
(``pair=``), the text and an optional note after ``||``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from stance.annotations.annotated_corpus import FIELD_ORDER, REGISTERS
from stance.config import LABELS

DOC_LINE = re.compile(r"^# DOC (?P<slug>\S+) \| outlet=(?P<outlet>[^|]+?) \| style=(?P<style>[^|]+?)\s*$")
SENTENCE_LINE = re.compile(r"^(?P<label>\w+) (?P<attributed>[yn]) (?P<register>\w+)(?: pair=(?P<pair>\S+))?"
                           r" \| (?P<text>.+?)(?: \|\| (?P<note>.*))?$")


class DraftError(ValueError):
    """A draft line that is neither a document header nor a sentence line, or a bad value in one."""


@dataclass
class DraftDocument:
    slug: str
    outlet: str
    style: str
    rows: list[dict] = field(default_factory=list)


def parse_draft(path: str | Path) -> list[DraftDocument]:
    """The documents of a draft file; raises :class:`DraftError` listing every bad line."""
    documents, problems = [], []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            header = DOC_LINE.match(line)
            if header:
                documents.append(DraftDocument(header["slug"], header["outlet"].strip(), header["style"].strip()))
                continue
            problem = _add_sentence(documents, SENTENCE_LINE.match(line))
            if problem:
                problems.append(f"{path}, line {lineno}: {problem}: {line[:80]!r}")
    problems += _document_problems(path, documents)
    if problems:
        raise DraftError("\n".join(problems))
    return documents


def _add_sentence(documents: list[DraftDocument], match) -> str | None:
    if match is None:
        return "not a '# DOC slug | outlet=... | style=...' line nor 'label y|n register [pair=id] | text'"
    if not documents:
        return "sentence before the first '# DOC' line"
    if match["label"] not in LABELS:
        return f"unknown label '{match['label']}'"
    if match["register"] not in REGISTERS:
        return f"unknown register '{match['register']}'"
    documents[-1].rows.append({"label": match["label"], "attributed": match["attributed"] == "y",
                               "register": match["register"], "text": match["text"].strip(),
                               "pair_id": match["pair"], "note": (match["note"] or "").strip() or None})
    return None


def _document_problems(path, documents: list[DraftDocument]) -> list[str]:
    slugs = [d.slug for d in documents]
    problems = [f"{path}: document '{s}' appears twice" for s in sorted({s for s in slugs if slugs.count(s) > 1})]
    problems += [f"{path}: document '{d.slug}' has no sentences" for d in documents if not d.rows]
    pairs: dict[str, list[tuple[str, str]]] = {}
    for doc in documents:
        for row in doc.rows:
            if row["pair_id"]:
                pairs.setdefault(row["pair_id"], []).append((doc.slug, row["label"]))
    for pair_id, members in pairs.items():
        if len({slug for slug, _ in members}) > 1:
            problems.append(f"{path}: contrast group '{pair_id}' spans several documents")
        if len(members) < 2 or len({label for _, label in members}) < 2:
            problems.append(f"{path}: contrast group '{pair_id}' needs two or more sentences with different labels")
    return problems


def draft_records(documents: list[DraftDocument], name: str) -> list[dict]:
    """Annotation rows (``source: authored``) for the documents of draft ``name``."""
    records = []
    for doc in documents:
        doc_id = f"au-{name}-{doc.slug}"
        for sent_idx, row in enumerate(doc.rows):
            record = {"id": f"{doc_id}-{sent_idx:03d}", "doc_id": doc_id, "sent_idx": sent_idx,
                      "outlet": doc.outlet, "source_style": doc.style, "source": "authored", **row}
            if record["pair_id"]:
                record["pair_id"] = f"{name}:{record['pair_id']}"
            records.append({k: record[k] for k in FIELD_ORDER if record.get(k) is not None})
    return records


def write_draft_annotations(draft: str | Path, name: str, out: str | Path) -> list[dict]:
    """Parse ``draft`` and write its rows as JSONL to ``out``; return the rows."""
    records = draft_records(parse_draft(draft), name)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return records
