import gzip

import pandas as pd
import pytest

from stance.inputs.readers import Article, CorpusError, Rejected, input_kind, parse_txt_header, read_articles, text_doc_id
from tests.conftest import write_jsonl

RECORDS = [
    {"doc_id": "a1", "outlet": "Outlet A", "text": "First article. It has two sentences.", "title": "T1"},
    {"doc_id": "a2", "outlet": "Outlet B", "text": "Second article.", "date": "2022-12-05"},
]


def _articles(path):
    return [r for r in read_articles([path]) if isinstance(r, Article)]


def _same(records):
    return [(a.doc_id, a.outlet, a.text) for a in records]


def test_all_formats_yield_the_same_records(tmp_path):
    jsonl = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    pd.DataFrame(RECORDS).to_csv(tmp_path / "in.csv", index=False)
    pd.DataFrame(RECORDS).to_parquet(tmp_path / "in.parquet")
    with gzip.open(tmp_path / "in.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(jsonl.read_text(encoding="utf-8"))
    folder = tmp_path / "txt"
    folder.mkdir()
    for r in RECORDS:
        (folder / f"{r['doc_id']}.txt").write_text(f"outlet: {r['outlet']}\n---\n{r['text']}", encoding="utf-8")
    expected = _same(_articles(jsonl))
    assert len(expected) == 2
    for path in ("in.csv", "in.parquet", "in.jsonl.gz", "txt"):
        assert _same(_articles(tmp_path / path)) == expected, path
    assert _articles(tmp_path / "in.csv")[1].date == "2022-12-05"


@pytest.mark.parametrize("line, reason", [
    ('{"doc_id": "x", "text": ""}', "empty text"),
    ('{"doc_id": "x", "text": "   \\n "}', "empty text"),
    ('{"doc_id": "x"}', "missing field 'text'"),
    ('{"doc_id": "x", "text": 42}', "expected a string"),
    ('{"doc_id": "x", "text": "unterminated', "malformed JSON"),
    ('[1, 2]', "not an object"),
])
def test_bad_lines_are_rejected_with_reason_and_line(tmp_path, line, reason):
    path = write_jsonl(tmp_path / "in.jsonl", [RECORDS[0], line])
    records = list(read_articles([path]))
    assert isinstance(records[0], Article)
    assert isinstance(records[1], Rejected)
    assert reason in records[1].reason
    assert records[1].location == "line 2"


def test_missing_outlet_and_doc_id_get_defaults(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [{"text": "Some text."}])
    (article,) = _articles(path)
    assert article.outlet == "unknown"
    assert article.doc_id == text_doc_id("Some text.")
    assert article.doc_id == _articles(path)[0].doc_id  # stable


def test_missing_file_and_unknown_format_raise_clear_errors(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        list(read_articles([tmp_path / "nope.jsonl"]))
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(CorpusError, match="unknown input format"):
        list(read_articles([tmp_path / "x.docx"]))


def test_csv_without_text_column_is_an_error(tmp_path):
    pd.DataFrame({"body": ["x"]}).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(CorpusError, match="no 'text' column"):
        list(read_articles([tmp_path / "in.csv"]))


def test_binary_file_in_txt_folder_is_rejected(tmp_path):
    (tmp_path / "good.txt").write_text("Plain words.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    records = list(read_articles([tmp_path]))
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [r.doc_id for r in rejected] == ["bad"] and "binary" in rejected[0].reason
    assert [a.doc_id for a in records if isinstance(a, Article)] == ["good"]


def test_invalid_utf8_is_repaired_and_flagged(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"doc_id": "x", "text": "caf\xe9 culture"}\n')
    (article,) = _articles(path)
    assert article.repaired_encoding and "\ufffd" in article.text


@pytest.mark.parametrize("content, meta, body", [
    ("outlet: X\ntitle: T\n---\nBody", {"outlet": "X", "title": "T"}, "Body"),
    ("Body only\n---\nmore", {}, "Body only\n---\nmore"),
    ("---\nBody", {}, "---\nBody"),
])
def test_txt_header(content, meta, body):
    assert parse_txt_header(content) == (meta, body)


@pytest.mark.parametrize("name, kind", [("a.jsonl", "jsonl"), ("a.JSONL.gz", "jsonl"), ("a.csv.gz", "csv"),
                                        ("a.parquet", "parquet"), ("a.txt", "txt")])
def test_input_kind(tmp_path, name, kind):
    from pathlib import Path

    assert input_kind(Path(name)) == kind


def test_seed_articles_carry_their_outlets(seed_dir):
    outlets = {a.doc_id: a.outlet for a in _articles(seed_dir)}
    assert outlets == {
        "seed-000": "Atlantic Council (UkraineAlert)",
        "seed-001": "Comment is Freed (Lawrence Freedman's Substack)",
        "seed-002": "socialbites.ca",
        "seed-003": "Responsible Statecraft",
        "seed-004": "Euromaidan Press",
    }
