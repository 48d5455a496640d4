"""Tasks out, annotations in: Label Studio JSON, Prodigy-style JSONL and CSV.

Writers take the task table of :func:`stance.annotation_loop.selection.select_tasks`.
Readers return one dict per exported row with ``location`` (where it was in
the file), the task fields, ``label`` and ``attributed`` as the annotator
gave them (possibly missing or wrong: :mod:`.importing` checks them), and
``problem`` when the row cannot even be read as an answer (a skipped task,
a malformed line).
"""
from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import pandas as pd

from stance.config import LABELS

FORMATS = ("label-studio", "prodigy", "csv")
EXTENSIONS = {".json": "label-studio", ".jsonl": "prodigy", ".csv": "csv"}
TASK_FIELDS = ("task_id", "doc_id", "sent_idx", "outlet", "text", "context_before", "context_after")
STANCE_CONTROL, ATTRIBUTED_CONTROL, TEXT_OBJECT = "stance", "attributed", "text"  # names in label_studio.xml
ATTRIBUTED_CHOICE = "attributed"
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "y", "1", "x"}, {"false", "no", "n", "0", ""}


def label_studio_config() -> str:
    """The shipped Label Studio labelling config (XML)."""
    return resources.files("stance.annotation_loop").joinpath("label_studio.xml").read_text(encoding="utf-8")


def format_for(path: str | Path, explicit: str | None = None) -> str:
    """The format named by ``explicit``, else by the file's extension."""
    if explicit:
        if explicit not in FORMATS:
            raise ValueError(f"unknown format {explicit!r}; use one of {', '.join(FORMATS)}")
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValueError(f"{path}: cannot tell the format from '{suffix}'; use .json (Label Studio), "
                         ".jsonl (Prodigy-style) or .csv, or give --format.")
    return EXTENSIONS[suffix]


def _records(tasks: pd.DataFrame) -> list[dict]:
    return json.loads(tasks.to_json(orient="records", force_ascii=False))


def label_studio_task(task: dict, model_version: str = "stance") -> dict:
    """One Label Studio task: the fields under ``data``, the model's label as a prediction."""
    proba = {label: task[f"p_{label}"] for label in LABELS}
    return {
        "data": task,
        "predictions": [{
            "model_version": model_version,
            "score": max(proba.values()),
            "result": [{"from_name": STANCE_CONTROL, "to_name": TEXT_OBJECT, "type": "choices",
                        "value": {"choices": [task["model_label"]]}}],
        }],
    }


def prodigy_task(task: dict) -> dict:
    """One Prodigy ``choice`` task: options pro/anti/neutral/attributed, the model's label pre-accepted."""
    options = [{"id": label, "text": label} for label in LABELS]
    options.append({"id": ATTRIBUTED_CHOICE, "text": "attributed (someone else's position)"})
    meta = {k: task[k] for k in ("doc_id", "sent_idx", "outlet", "model_label", *(f"p_{l}" for l in LABELS))}
    return {**{k: task[k] for k in TASK_FIELDS}, "options": options, "accept": [task["model_label"]],
            "meta": meta, "model_label": task["model_label"]}


def write_tasks(tasks: pd.DataFrame, path: str | Path, fmt: str | None = None, model_version: str = "stance") -> Path:
    """Write ``tasks`` in ``fmt`` (default: from the extension)."""
    path = Path(path)
    fmt = format_for(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = _records(tasks)
    if fmt == "label-studio":
        payload = [label_studio_task(r, model_version) for r in records]
        path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    elif fmt == "prodigy":
        with open(path, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(prodigy_task(record), ensure_ascii=False) + "\n")
    else:
        tasks.assign(label="", attributed="").to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    return path


def read_export(path: str | Path, fmt: str | None = None) -> list[dict]:
    """Every row of an annotation export, read but not yet checked (see module docstring)."""
    fmt = format_for(path, fmt)
    reader = {"label-studio": _read_label_studio, "prodigy": _read_prodigy, "csv": _read_csv}[fmt]
    return reader(Path(path))


def _task_fields(data: dict) -> dict:
    return {k: data.get(k) for k in TASK_FIELDS}


def _read_label_studio(path: Path) -> list[dict]:
    try:
        exported = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a Label Studio JSON export ({exc.msg}).") from exc
    if not isinstance(exported, list):
        raise ValueError(f"{path}: a Label Studio JSON export is a list of tasks.")
    return [{"location": f"task {i + 1}", **_label_studio_answer(task)} for i, task in enumerate(exported)]


def _label_studio_answer(task: dict) -> dict:
    """The task's fields and its annotation; JSON-MIN exports (flat rows) are read too."""
    if "data" not in task:  # JSON-MIN: the data fields and one column per control
        choices = task.get(ATTRIBUTED_CONTROL)
        attributed = ATTRIBUTED_CHOICE in (choices if isinstance(choices, list) else [choices]) if choices else False
        return {**_task_fields(task), "label": task.get(STANCE_CONTROL), "attributed": attributed}
    row = _task_fields(task["data"])
    done = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
    if not done:
        return {**row, "problem": "no annotation (skipped or cancelled)"}
    answers = {tuple(_choices(a.get("result", []), STANCE_CONTROL)) for a in done}
    if len(answers) > 1:
        return {**row, "problem": f"annotators disagree ({len(done)} annotations)"}
    result = done[-1].get("result", [])
    stance = _choices(result, STANCE_CONTROL)
    return {**row, "label": stance[0] if len(stance) == 1 else (stance or None),
            "attributed": ATTRIBUTED_CHOICE in _choices(result, ATTRIBUTED_CONTROL)}


def _choices(result: list[dict], control: str) -> list[str]:
    for item in result:
        if item.get("from_name") == control and item.get("type") == "choices":
            return list(item.get("value", {}).get("choices", []))
    return []


def _read_prodigy(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            location = f"line {lineno}"
            try:
                example = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.append({"location": location, "problem": f"malformed JSON ({exc.msg})"})
                continue
            rows.append({"location": location, **_prodigy_answer(example)})
    return rows


def _prodigy_answer(example: dict) -> dict:
    meta = example.get("meta") or {}
    row = {k: example.get(k, meta.get(k)) for k in TASK_FIELDS}
    answer = example.get("answer", "accept")
    if answer != "accept":
        return {**row, "problem": f"answer was '{answer}', not 'accept'"}
    accepted = list(example.get("accept") or ([example["label"]] if example.get("label") else []))
    stance = [choice for choice in accepted if choice != ATTRIBUTED_CHOICE]
    return {**row, "label": stance[0] if len(stance) == 1 else (stance or None),
            "attributed": ATTRIBUTED_CHOICE in accepted}


def _read_csv(path: Path) -> list[dict]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "label" not in frame.columns or "text" not in frame.columns:
        raise ValueError(f"{path}: a CSV export needs 'text' and 'label' columns.")
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        row = {"location": f"row {i + 2}", **{k: record.get(k) or None for k in TASK_FIELDS},
               "label": record["label"].strip() or None}
        flag = str(record.get("attributed", "")).strip().lower()
        if flag in TRUE_WORDS or flag in FALSE_WORDS:
            row["attributed"] = flag in TRUE_WORDS
        else:
            row["attributed"] = record.get("attributed")
        rows.append(row)
    return rows
