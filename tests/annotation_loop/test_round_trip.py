"""select -> a filled export in each format (with bad rows) -> import -> train -> the card lists the user data."""
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from stance.cli import main
from stance.config import LABELS
from stance.model.card import file_sha256, read_card

ARTICLES = Path(__file__).parent / "data" / "articles.jsonl"
N_TASKS = 9


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def labels(small_model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("labels") / "labels.parquet"
    run("label", ARTICLES, "--model", small_model, "--out", out, "--n-process", 1, "--quiet")
    return out


def answer(i: int) -> tuple[str, bool]:
    """The simulated annotator: labels in turn, every third sentence attributed."""
    return LABELS[i % 3], i % 3 == 0


def filled_label_studio(tasks_path: Path, out: Path) -> int:
    tasks = json.loads(tasks_path.read_text())
    export = []
    for i, task in enumerate(tasks):
        label, attributed = answer(i)
        result = [{"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]
        if attributed:
            result.append({"from_name": "attributed", "to_name": "text", "type": "choices",
                           "value": {"choices": ["attributed"]}})
        export.append({"id": i + 1, "data": task["data"], "annotations": [{"result": result, "was_cancelled": False}]})
    export[1]["annotations"][0]["result"][0]["value"]["choices"] = ["unsure"]  # bad: unknown label
    export[2]["annotations"][0]["was_cancelled"] = True  # bad: skipped
    out.write_text(json.dumps(export))
    return len(export), 2


def filled_prodigy(tasks_path: Path, out: Path) -> int:
    lines = [json.loads(line) for line in tasks_path.read_text().splitlines()]
    for i, line in enumerate(lines):
        label, attributed = answer(i)
        line.update(answer="accept", accept=[label] + (["attributed"] if attributed else []))
    lines[1]["answer"] = "ignore"  # bad: ignored
    lines[2]["text"] = ""  # bad: empty text
    out.write_text("\n".join(json.dumps(line) for line in lines) + "\n{not json\n")  # bad: malformed
    return len(lines) + 1, 3


def filled_csv(tasks_path: Path, out: Path) -> int:
    sheet = pd.read_csv(tasks_path, keep_default_na=False)
    sheet["label"] = [answer(i)[0] for i in range(len(sheet))]
    sheet["attributed"] = ["yes" if answer(i)[1] else "" for i in range(len(sheet))]
    sheet.loc[1, "label"] = ""  # bad: no label
    sheet = pd.concat([sheet, sheet.iloc[[0]]])  # bad: a duplicate row
    sheet.to_csv(out, index=False)
    return len(sheet), 2


FILLERS = {"json": filled_label_studio, "jsonl": filled_prodigy, "csv": filled_csv}


def test_round_trip_in_every_format(labels, small_training_file, tmp_path):
    user_files, n_imported = [], []
    for ext, fill in FILLERS.items():
        tasks = tmp_path / f"tasks.{ext}"
        assert f"{N_TASKS} tasks" in run("annotate", "select", labels, "--n", N_TASKS, "--strategy", "diverse",
                                        "--out", tasks)
        export = tmp_path / f"export.{ext}"
        n_rows, n_bad = fill(tasks, export)
        out_dir = tmp_path / f"user-{ext}"  # one folder per format: the three exports hold the same sentences
        result = CliRunner().invoke(main, ["annotate", "import", str(export), "--name", f"round-{ext}",
                                           "--out-dir", str(out_dir)])
        assert result.exit_code == 0, result.output
        n_good = n_rows - n_bad  # every row is imported or reported: nothing else is lost
        assert f"{n_good} imported, {n_bad} rejected" in result.output
        assert result.output.count("rejected ") == n_bad + 1  # one line per bad row, plus the summary
        path = out_dir / f"round-{ext}.jsonl"
        records = [json.loads(line) for line in path.read_text().splitlines()]
        assert len(records) == n_good and {r["source"] for r in records} == {"user"}
        assert all(r["label"] in LABELS and r["text"] for r in records)
        assert pd.DataFrame(records).groupby("doc_id")["split"].nunique().max() == 1
        user_files.append(path)
        n_imported.append(n_good)

    out = tmp_path / "model.skops"
    output = run("train", "--data", small_training_file, *sum((["--user", p] for p in user_files), []),
                 "--user-weight", 3, "--cv-folds", 0, "--out", out)
    card = read_card(out)
    user = card["training_data"]["user_data"]
    assert user["weight"] == 3.0 and "of which user annotations" in output
    assert [f["sha256"] for f in user["files"]] == [file_sha256(p) for p in user_files]
    assert [f["n_sentences"] for f in user["files"]] == n_imported
    n_small = sum(1 for _ in open(small_training_file))
    assert card["training_data"]["n_sentences"] == n_small + user["n_trained_on"]
    assert {f"user/{p.name}" for p in user_files} <= set(card["training_data"]["files"])
    n_test = sum(f["n_by_split"]["test"] for f in user["files"])
    if n_test:
        assert card["metrics"]["user_test"]["n"] == n_test


def test_evaluate_reports_user_data_apart(small_model, tmp_path, monkeypatch):
    from stance.annotations import user_annotations

    user_dir = tmp_path / "user"
    user_dir.mkdir()
    rows = [{"id": f"u{i}", "doc_id": doc, "sent_idx": i, "source": "user", "text": text, "label": label,
             "attributed": False, "split": split}
            for i, (doc, text, label, split) in enumerate([
                ("a", "Moscow's fears of encirclement are legitimate.", "pro", "test"),
                ("a", "Guarantees would only reward the invader.", "anti", "test"),
                ("b", "The council met on Tuesday.", "neutral", "train")])]
    (user_dir / "mine.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    monkeypatch.setattr(user_annotations, "USER_ANNOTATIONS_DIR", user_dir)
    result = json.loads(run("evaluate", "--user", "--model", small_model, "--json"))
    assert result["pooled"]["n"] == 2 and list(result["by_file"]) == ["user/mine.jsonl"]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(json.dumps({**r, "source": s}) for r, s in zip(rows, ["user", "user", "seed"])))
    by_source = json.loads(run("evaluate", "--data", mixed, "--model", small_model, "--json"))["by_source"]
    assert by_source["user"]["n"] == 2 and by_source["seed"]["n"] == 1


def test_training_without_user_files_has_no_user_section(small_model):
    card = read_card(small_model)
    assert "user_data" not in card["training_data"]
    assert all(not f.startswith("user/") for f in card["training_data"]["files"])
