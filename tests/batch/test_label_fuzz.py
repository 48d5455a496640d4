"""Property-based test of `stance label` end to end: generated inputs in every format, one run each.

Every article read ends labelled (with sentence rows) or in the errors file
with a reason; labelled + rejected = read, and no run crashes.
"""
import csv
import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner
from hypothesis import example, given, strategies as st

from stance.batch.labeller import read_table
from stance.cli import main
from tests.fuzzing import fuzz_settings

words = st.sampled_from(["NATO", "Russia", "guarantees", "never", "security", "talks", "pretext", "the", "is", ".",
                         "\n", "Ukraine", "\ufffd", "\x00", "“quoted”", "", "  "])
texts = st.one_of(
    st.lists(words, max_size=25).map(" ".join),
    st.text(st.characters(codec="utf-8"), max_size=80),
    st.just(""),
)
values = st.none() | st.integers() | st.booleans() | texts | st.lists(st.integers(), max_size=2)
articles = st.lists(st.fixed_dictionaries({"text": texts | values},
                                          optional={"doc_id": st.sampled_from(["a", "b", "c"]) | values,
                                                    "outlet": values}), min_size=1, max_size=5)


def write_inputs(folder: Path, records: list, kind: str) -> Path:
    if kind == "jsonl":
        path = folder / "in.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n{broken\n", encoding="utf-8")
    elif kind == "csv":
        path = folder / "in.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["text", "doc_id", "outlet"])
            writer.writerows([[r.get("text"), r.get("doc_id"), r.get("outlet")][:1 + i % 3] + ["extra"] * (i % 2)
                              for i, r in enumerate(records)])
    elif kind == "parquet":
        path = folder / "in.parquet"
        column = lambda key: pa.array([json.dumps(r.get(key)) if not isinstance(r.get(key), str) else r.get(key)
                                       for r in records])  # noqa: E731
        pq.write_table(pa.table({"text": column("text"), "doc_id": pa.array(range(len(records)))}), path)
    else:
        path = folder / "txt"
        path.mkdir()
        for i, r in enumerate(records):
            (path / f"{i}.txt").write_bytes(str(r.get("text")).encode("utf-8", "surrogatepass"))
    return path


def label(path: Path, model: Path) -> tuple[dict, list, list]:
    out = path.parent / "labels.parquet"
    result = CliRunner().invoke(main, ["label", str(path), "--out", str(out), "--model", str(model),
                                       "--n-process", "1", "--quiet", "--chunk-size", "2"])
    assert result.exit_code == 0, result.output
    meta = json.loads(Path(f"{out}.meta.json").read_text())
    errors_path = out.with_name("labels.errors.csv")
    with open(errors_path, encoding="utf-8", newline="") as fh:
        errors = list(csv.DictReader(fh))
    return meta, errors, read_table(out)["doc_id"].unique().tolist()


@fuzz_settings(6)
@given(records=articles, kind=st.sampled_from(["jsonl", "csv", "parquet", "txt"]))
@example(records=[{"text": "Security guarantees. " * 8000, "doc_id": "huge"}, {"text": ""}], kind="csv")
def test_label_accounts_for_every_article(small_model, records, kind):
    with tempfile.TemporaryDirectory() as tmp:
        meta, errors, labelled_ids = label(write_inputs(Path(tmp), records, kind), small_model)
    counts = meta
    rejected = [e for e in errors if e["kind"] == "rejected"]
    assert all(e["reason"] for e in errors)
    assert counts["n_labelled"] + counts["n_rejected"] == counts["n_input"]
    assert counts["n_rejected"] == len(rejected)
    assert counts["n_labelled"] == len(labelled_ids)  # every labelled article has rows
    expected_input = len(records) + (kind == "jsonl")  # the broken JSON line is read, and rejected
    assert counts["n_input"] == expected_input
