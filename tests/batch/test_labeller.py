"""Labelling: every input accounted for, long texts split not dropped, formats, parts and resume.

The heavier scale tests (SIGKILL and resume in a subprocess, Dask) are in test_scale.py.
"""
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from stance.batch import parts
from stance.cli import main
from stance.inputs.readers import CorpusError, text_doc_id
from stance.batch.labeller import (DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_SIZE, OUTPUT_COLUMNS, ChunkJob, label_chunk,
                          label_files, read_table, split_long_text, text_batches)
from stance.batch.progress import count_records
from tests.conftest import write_jsonl

SEED_ARTICLES = Path(__file__).resolve().parents[2] / "corpus" / "articles"


def seed_paragraphs() -> list[str]:
    """Non-blank lines of the seed articles (their headers dropped), in a fixed order."""
    lines = []
    for path in sorted(SEED_ARTICLES.glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        lines += [line.strip() for line in body.splitlines() if len(line.split()) >= 4]
    return lines


def good_articles(n: int, paragraphs_each: int = 3) -> list[dict]:
    paragraphs = seed_paragraphs()
    return [{"doc_id": f"g{i:03d}", "outlet": f"Outlet {i % 3}", "date": "2022-12-05",
             "text": "\n\n".join(paragraphs[(i * paragraphs_each + k) % len(paragraphs)]
                                 for k in range(paragraphs_each))}
            for i in range(n)]


def long_text(min_chars: int) -> str:
    text, paragraphs = "", seed_paragraphs()
    while len(text) < min_chars:
        text += paragraphs[len(text) % len(paragraphs)] + "\n"
    return text


def messy_corpus(folder: Path, n_good: int = 6) -> dict:
    """Inputs with every kind of bad record, and what should become of each.

    Returns ``{"inputs": [...], "n_input": int, "labelled": set of doc_ids,
    "rejected": {doc_id or location: reason fragment}, "warned": set of doc_ids}``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    good = good_articles(n_good)
    jsonl = folder / "articles.jsonl"
    lines = [json.dumps(a, ensure_ascii=False) for a in good[:4]] + [
        json.dumps({"doc_id": "empty", "text": ""}),
        json.dumps({"doc_id": "blank", "text": "  \n\t "}),
        '{"doc_id": "broken", "text": "no closing quote',
        json.dumps({"outlet": "No Id", "text": "An article without an id still gets labelled."}),
        json.dumps({"doc_id": "g000", "text": "A second article reusing an id."}),
        json.dumps({"doc_id": "notext", "title": "Only a title"}),
        json.dumps({"doc_id": "long", "outlet": "Long", "text": long_text(6000)}),
    ]
    with open(jsonl, "wb") as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
        fh.write(b'{"doc_id": "latin1", "text": "Caf\xe9 talk: NATO will not change course."}\n')
    gz = folder / "more.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(good[4]) + "\n")
    csv = folder / "more.csv"
    row = {"doc_id": good[5]["doc_id"], "outlet": "CSV Outlet", "text": good[5]["text"]}
    pd.DataFrame([row]).to_csv(csv, index=False)
    with open(csv, "a", encoding="utf-8") as fh:
        fh.write("short-row,Outlet\n")  # a row that ends before its text field
    txt = folder / "txt"
    txt.mkdir(exist_ok=True)
    (txt / "plain.txt").write_text("outlet: Txt Outlet\n---\nA text file article. It has two sentences.",
                                   encoding="utf-8")
    (txt / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return {
        "inputs": [jsonl, gz, csv, txt],
        "n_input": 12 + 1 + 2 + 2,
        "labelled": {"g000", "g001", "g002", "g003", "g004", "g005", "long", "latin1", "plain",
                     text_doc_id("An article without an id still gets labelled.")},
        "rejected": {"empty": "empty text", "blank": "empty text", "line 7": "malformed JSON",
                     "line 9": "duplicate doc_id", "notext": "missing field 'text'", "short-row": "missing field",
                     "image": "binary file"},
        "warned": {"latin1"},
    }


def run(tmp_path, small_model, inputs, out_name="labels.parquet", **kwargs):
    out = tmp_path / "out" / out_name
    summary = label_files(inputs, out, model_path=small_model, **kwargs)
    return summary, out


def errors_of(out: Path) -> pd.DataFrame:
    return pd.read_csv(out.with_name(out.name.split(".")[0] + ".errors.csv"), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    return messy_corpus(tmp_path_factory.mktemp("messy"))


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory, small_model, messy):
    tmp = tmp_path_factory.mktemp("messy_run")
    summary, out = run(tmp, small_model, messy["inputs"], chunk_size=4, max_chars=2000)
    return summary, out


def test_every_input_article_is_labelled_or_rejected(messy, messy_run):
    summary, out = messy_run
    table, errors = read_table(out), errors_of(out)
    rejected = errors[errors["kind"] == "rejected"]
    assert summary.n_input == messy["n_input"] == count_records(messy["inputs"])
    assert summary.n_labelled + summary.n_rejected == summary.n_input
    assert set(table["doc_id"]) == messy["labelled"] and summary.n_labelled == len(messy["labelled"])
    assert len(rejected) == summary.n_rejected == len(messy["rejected"])
    for key, reason in messy["rejected"].items():
        row = rejected[(rejected["doc_id"] == key) | (rejected["location"] == key)]
        assert len(row) == 1 and reason in row["reason"].iloc[0], key
    assert set(rejected["doc_id"]) & set(table["doc_id"]) == {"g000"}  # the first g000 is labelled
    assert (rejected["source"] != "").all() and (rejected["location"] != "").all()


def test_repaired_encoding_is_labelled_and_listed_as_a_warning(messy, messy_run):
    summary, out = messy_run
    errors = errors_of(out)
    warnings = errors[errors["kind"] == "warning"]
    assert set(warnings["doc_id"]) == messy["warned"] and summary.n_warnings == 1
    assert "U+FFFD" in warnings["reason"].iloc[0]
    text = read_table(out).query("doc_id == 'latin1'")["text"].str.cat()
    assert "Caf\ufffd" in text


def test_long_text_is_split_into_pieces_and_nothing_is_dropped(messy_run):
    _, out = messy_run
    table = read_table(out)
    rows = table[table["doc_id"] == "long"]
    assert list(rows["sent_idx"]) == list(range(len(rows)))
    assert "".join("".join(rows["text"]).split()) == "".join(long_text(6000).split())


def test_sentences_keep_every_character_and_the_order(messy_run):
    _, out = messy_run
    table = read_table(out)
    for article in good_articles(6):
        rows = table[table["doc_id"] == article["doc_id"]]
        assert list(rows["sent_idx"]) == list(range(len(rows)))
        assert "".join("".join(rows["text"]).split()) == "".join(article["text"].split())


def test_output_columns_and_probabilities(messy_run):
    _, out = messy_run
    table = read_table(out)
    assert list(table.columns) == OUTPUT_COLUMNS
    assert set(table["label"]) <= {"pro", "anti", "neutral"}
    assert ((table[["p_pro", "p_anti", "p_neutral"]].sum(axis=1) - 1).abs() < 1e-9).all()
    meta = json.loads(out.with_name(out.name + ".meta.json").read_text())
    assert meta["n_input"] == meta["n_labelled"] + meta["n_rejected"]
    assert not parts.parts_folder(out).exists()  # merged, then removed


@pytest.mark.parametrize("name", ["labels.csv", "labels.jsonl"])
def test_text_formats_hold_the_same_rows(tmp_path, small_model, messy, messy_run, name):
    _, reference = messy_run
    _, out = run(tmp_path, small_model, messy["inputs"], out_name=name, chunk_size=4, max_chars=2000)
    expected, got = read_table(reference), read_table(out)
    assert list(got.columns) == OUTPUT_COLUMNS and len(got) == len(expected)
    assert (got["doc_id"] == expected["doc_id"]).all() and (got["label"] == expected["label"]).all()
    assert (got["p_pro"] - expected["p_pro"]).abs().max() < 1e-12


def test_chunk_size_does_not_change_the_rows(tmp_path, small_model, messy, messy_run):
    _, reference = messy_run
    _, out = run(tmp_path, small_model, messy["inputs"], chunk_size=100, max_chars=2000)
    pd.testing.assert_frame_equal(read_table(out), read_table(reference))
    pd.testing.assert_frame_equal(errors_of(out), errors_of(reference))


def test_all_rejected_still_writes_empty_outputs_with_columns(tmp_path, small_model):
    path = write_jsonl(tmp_path / "bad.jsonl", ['{"doc_id": "x", "text": ""}', "not json"])
    for name in ("e.parquet", "e.csv", "e.jsonl"):
        summary, out = run(tmp_path, small_model, [path], out_name=name)
        assert (summary.n_input, summary.n_labelled, summary.n_rejected) == (2, 0, 2)
        assert out.exists() and len(errors_of(out)) == 2
    assert list(read_table(tmp_path / "out" / "e.parquet").columns) == OUTPUT_COLUMNS
    assert (tmp_path / "out" / "e.csv").read_text().startswith("doc_id,outlet,date,sent_idx")


@pytest.mark.parametrize("make_bad, message", [
    (lambda p: pd.DataFrame({"body": ["x"]}).to_csv(p / "in.csv", index=False), "no 'text' column"),
    (lambda p: pd.DataFrame({"body": ["x"]}).to_parquet(p / "in.parquet"), "no 'text' column"),
])
def test_a_file_without_a_text_column_stops_the_run_before_any_work(tmp_path, small_model, make_bad, message):
    good = write_jsonl(tmp_path / "good.jsonl", good_articles(1))
    make_bad(tmp_path)
    bad = next(p for p in tmp_path.iterdir() if p.name.startswith("in."))
    with pytest.raises(CorpusError, match=message):
        run(tmp_path, small_model, [good, bad])
    assert not (tmp_path / "out").exists()


def test_an_article_whose_labelling_fails_is_rejected_and_the_rest_labelled(nlp, small_model):
    from stance.inputs.readers import Article
    from stance.model.card import load_model

    class FailsOnMarker:  # the real model, except on one sentence
        def __init__(self, model):
            self.model, self.classes_ = model, model.classes_

        def predict_proba(self, frame):
            if frame["text"].str.contains("MARKER").any():
                raise ValueError("cannot score this")
            return self.model.predict_proba(frame)

    records = [Article("a", "o", "A fine sentence."), Article("b", "o", "MARKER sentence."),
               Article("c", "o", "Another fine one.")]
    frame, errors = label_chunk(records, FailsOnMarker(load_model(small_model)), nlp)
    assert list(frame["doc_id"]) == ["a", "c"]
    assert [(e["doc_id"], e["kind"]) for e in errors] == [("b", "rejected")]
    assert "ValueError: cannot score this" in errors[0]["reason"]


def test_resume_after_a_failed_run_gives_the_same_rows(tmp_path, small_model, messy, messy_run, monkeypatch):
    _, reference = messy_run
    real_call = ChunkJob.__call__

    def fail_on_chunk_2(self, chunk_id, records):
        if chunk_id == 2:
            raise KeyboardInterrupt  # what Ctrl-C does mid-run
        return real_call(self, chunk_id, records)

    monkeypatch.setattr(ChunkJob, "__call__", fail_on_chunk_2)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, small_model, messy["inputs"], chunk_size=4, max_chars=2000)
    folder = parts.parts_folder(tmp_path / "out" / "labels.parquet")
    assert sorted(p.name for p in folder.glob("part-*")) == ["part-000000.parquet", "part-000001.parquet"]
    (folder / "part-000003.parquet.tmp-999").write_bytes(b"half a part")  # as a kill mid-write leaves

    with pytest.raises(parts.PartsError, match="--resume"):
        run(tmp_path, small_model, messy["inputs"], chunk_size=4, max_chars=2000)
    with pytest.raises(parts.PartsError, match="chunk_size"):
        run(tmp_path, small_model, messy["inputs"], chunk_size=5, max_chars=2000, resume=True)

    monkeypatch.setattr(ChunkJob, "__call__", real_call)
    summary, out = run(tmp_path, small_model, messy["inputs"], chunk_size=4, max_chars=2000, resume=True)
    assert summary.n_input == messy["n_input"]
    pd.testing.assert_frame_equal(read_table(out), read_table(reference))
    pd.testing.assert_frame_equal(errors_of(out), errors_of(reference))
    assert not folder.exists()


def test_resume_refuses_inputs_changed_since_the_interrupted_run(tmp_path, small_model, monkeypatch):
    path = write_jsonl(tmp_path / "in.jsonl", good_articles(3))
    real_call = ChunkJob.__call__

    def fail_on_chunk_1(self, chunk_id, records):
        if chunk_id == 1:
            raise KeyboardInterrupt
        return real_call(self, chunk_id, records)

    monkeypatch.setattr(ChunkJob, "__call__", fail_on_chunk_1)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, small_model, [path], chunk_size=1)
    monkeypatch.setattr(ChunkJob, "__call__", real_call)
    write_jsonl(path, good_articles(3)[::-1])  # same size, other order: chunk 0 is now another article
    with pytest.raises(parts.PartsError, match="inputs_fingerprint"):
        run(tmp_path, small_model, [path], chunk_size=1, resume=True)


@pytest.mark.parametrize("max_chars", [1, 7, 40, 1000])
def test_split_long_text_keeps_every_character(max_chars):
    text = "First line.\nSecond one here. Third sentence follows\n\nLast words withoutanybreakatallinthislongword"
    pieces = split_long_text(text, max_chars)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= max_chars for p in pieces)


def test_split_long_text_prefers_line_breaks_then_sentence_ends():
    assert split_long_text("aaaa\nbbbb cc. dd ee", 12) == ["aaaa", "\nbbbb cc.", " dd ee"]
    assert split_long_text("short", 10) == ["short"]


def test_text_batches_cap_documents_and_characters():
    units = [("x" * n, i) for i, n in enumerate([5, 5, 5, 30, 5])]
    assert [[i for _, i in b] for b in text_batches(units, batch_size=2, max_chars=100)] == [[0, 1], [2, 3], [4]]
    assert [[i for _, i in b] for b in text_batches(units, batch_size=10, max_chars=20)] == [[0, 1, 2], [3], [4]]


def test_cli_label_prints_a_summary_that_adds_up(tmp_path, small_model, messy):
    out = tmp_path / "labels.parquet"
    result = CliRunner().invoke(main, ["label", *map(str, messy["inputs"]), "--out", str(out), "--model",
                                       str(small_model), "--n-process", "1", "--chunk-size", "5"])
    assert result.exit_code == 0, result.output
    n, labelled, rejected = messy["n_input"], len(messy["labelled"]), len(messy["rejected"])
    assert f"{n} articles read: {labelled} labelled" in result.output
    assert f"{rejected} rejected, 1 labelled with a warning" in result.output
    assert "articles/s" not in result.output  # no progress bar when not on a terminal


def test_cli_label_options_and_errors(tmp_path, small_model):
    help_text = CliRunner().invoke(main, ["label", "--help"]).output
    for option in ("--n-process", "--engine", "--scheduler", "--resume", "--quiet", "--chunk-size", "--batch-size"):
        assert option in help_text
    assert f"[default: {DEFAULT_CHUNK_SIZE}]" in help_text and f"[default: {DEFAULT_BATCH_SIZE}]" in help_text
    path = write_jsonl(tmp_path / "in.jsonl", good_articles(1))
    result = CliRunner().invoke(main, ["label", str(path), "--out", str(tmp_path / "x.parquet"),
                                       "--scheduler", "tcp://nowhere:8786"])
    assert result.exit_code != 0 and "--engine dask" in result.output
    result = CliRunner().invoke(main, ["label", str(path), "--out", str(tmp_path / "x.parquet"),
                                       "--model", str(tmp_path / "missing.skops")])
    assert result.exit_code != 0 and "no such model" in result.output
    result = CliRunner().invoke(main, ["label", str(path), "--out", str(tmp_path / "x.xlsx"),
                                       "--model", str(small_model)])
    assert result.exit_code != 0 and "output format" in result.output
