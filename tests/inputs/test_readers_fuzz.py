"""Property-based tests of the article readers: bytes nobody chose, in every format.

Whatever the input, every record the format holds comes out once, as an
article with usable text or as a rejection with a reason; nothing raises.
"""
import csv
import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import example, given, strategies as st

from stance.inputs.readers import Article, Rejected, read_articles
from tests.fuzzing import fuzz_settings

HUGE = 200_000  # above the csv module's default field limit (131,072)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
# Any Unicode, lone surrogates included (JSON can carry them as \ud800 escapes;
# hypothesis leaves them out of text() unless asked).
any_text = st.text(st.characters(codec=None, exclude_categories=()) | st.characters(categories=["Cs"]), max_size=60)
field_text = st.one_of(any_text, st.just(""), st.just(" \n\t "), st.integers(1, HUGE).map(lambda n: "word " * (n // 5)))
line_breaks = "\r\n"


def assert_accounted(records: list, n_expected: int) -> None:
    assert len(records) == n_expected
    for record in records:
        assert isinstance(record, (Article, Rejected))
        if isinstance(record, Rejected):
            assert record.reason and record.location
        else:
            assert isinstance(record.text, str) and record.text.strip() and record.doc_id and record.outlet
            record.text.encode("utf-8")  # storable: no lone surrogates left
            record.doc_id.encode("utf-8")


def read_all(path: Path) -> list:
    return list(read_articles([path]))


@fuzz_settings(60)
@given(lines=st.lists(st.one_of(
    st.fixed_dictionaries({}, optional={"text": json_values | field_text, "doc_id": json_values | any_text,
                                        "outlet": json_values, "date": json_values, "title": json_values})
    .map(json.dumps),
    json_values.map(json.dumps),
    st.text(st.characters(exclude_characters=line_breaks), max_size=40),
), max_size=8))
@example(lines=[json.dumps({"doc_id": "\udfff", "text": "Lone \ud800 surrogate."})])
def test_jsonl_any_values(lines):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        records = read_all(path)
    assert_accounted(records, sum(bool(line.strip()) for line in lines))
    for line, record in zip([line for line in lines if line.strip()], records):
        try:
            value = json.loads(line)
        except ValueError:
            assert isinstance(record, Rejected)
            continue
        has_text = isinstance(value, dict) and isinstance(value.get("text"), str) and value["text"].strip()
        assert isinstance(record, Article) == bool(has_text)


@fuzz_settings(40)
@given(lines=st.lists(st.binary(max_size=80).filter(lambda b: b"\n" not in b and b"\r" not in b), max_size=6))
def test_jsonl_any_bytes(lines):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        path.write_bytes(b"\n".join(lines))
        records = read_all(path)
    assert len(records) == sum(bool(line.decode("utf-8", "replace").strip()) for line in lines)
    assert_accounted(records, len(records))


cells = st.one_of(st.text(st.characters(codec="utf-8"), max_size=30), st.sampled_from(['"', '""', ',', '"a,b', "\n"]),
                  st.just("x " * (HUGE // 2)))


@fuzz_settings(40)
@given(header=st.lists(st.sampled_from(["doc_id", "outlet", "date", "other"]), max_size=3, unique=True),
       rows=st.lists(st.lists(cells, max_size=6), max_size=6),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
def test_csv_ragged_rows(header, rows, quoting):
    """Rows longer or shorter than the header; each written row is one record, its text intact."""
    columns = ["text"] + header
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=quoting)
            writer.writerow(columns)
            writer.writerows(rows)
        records = read_all(path)
    written = [row for row in rows if row]  # csv skips the blank line an empty row becomes
    assert_accounted(records, len(written))
    for row, record in zip(written, records):
        if isinstance(record, Article):
            assert record.text == row[0]


@fuzz_settings(40)
@given(body=st.text(st.characters(codec="utf-8"), max_size=200).map(lambda t: "text,doc_id\n" + t))
def test_csv_odd_quoting(body):
    """Text nobody formatted: whatever the csv module makes of it is accounted for."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_text(body, encoding="utf-8", newline="")
        records = read_all(path)
        with open(path, encoding="utf-8", newline="") as fh:
            n_rows = sum(1 for _ in csv.DictReader(fh))
    assert_accounted(records, n_rows)


parquet_columns = st.sampled_from([
    (pa.string(), any_text.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))),
    (pa.int64(), st.integers(-2**63, 2**63 - 1)),
    (pa.float64(), st.floats()),
    (pa.bool_(), st.booleans()),
    (pa.binary(), st.binary(max_size=20)),
    (pa.list_(pa.int32()), st.lists(st.integers(-2**31, 2**31 - 1), max_size=3)),
    (pa.struct([("a", pa.string())]), st.fixed_dictionaries({"a": st.text(max_size=5)})),
    (pa.timestamp("s"), st.datetimes().map(lambda d: d.replace(microsecond=0))),
])


@st.composite
def parquet_tables(draw):
    n = draw(st.integers(0, 6))
    columns = {}
    for name in ["text"] + draw(st.lists(st.sampled_from(["doc_id", "outlet", "date", "url"]), unique=True)):
        kind, values = draw(parquet_columns)
        columns[name] = pa.array(draw(st.lists(st.none() | values, min_size=n, max_size=n)), type=kind)
    return pa.table(columns)


@fuzz_settings(40)
@given(table=parquet_tables())
def test_parquet_wrong_column_types(table):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.parquet"
        pq.write_table(table, path)
        records = read_all(path)
    assert_accounted(records, table.num_rows)
    texts = table.column("text").to_pylist()
    for text, record in zip(texts, records):
        assert isinstance(record, Article) == (isinstance(text, str) and bool(text.strip()))


@fuzz_settings(40)
@given(files=st.lists(st.binary(max_size=300) | st.just(b"doc_id: same\n---\n" + b"x" * HUGE), min_size=1,
                      max_size=4))
def test_txt_any_bytes(files):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, data in enumerate(files):
            (folder / f"f{i}.txt").write_bytes(data)
        records = read_all(folder)
    assert_accounted(records, len(files))
