"""The train / evaluate / corpus commands through click's runner."""
import json

from click.testing import CliRunner

from stance.cli import main
from stance.model.card import read_card
from tests.conftest import write_jsonl

EVAL_ROWS = [
    {"text": "Russia's fear of encirclement is a pretext for conquest.", "label": "anti"},
    {"text": "NATO threatens no one.", "label": "anti"},
    {"text": "Moscow's legitimate security concerns must be addressed in any settlement.", "label": "pro"},
    {"text": "The interview was broadcast on 3 December.", "label": "neutral"},
]


def test_help_lists_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("train", "evaluate", "label", "aggregate", "corpus", "annotate"):
        assert command in result.output
    annotate = CliRunner().invoke(main, ["annotate", "--help"])
    for command in ("select", "import", "simulate", "config"):
        assert command in annotate.output


def test_evaluate_json(small_model, tmp_path):
    data = write_jsonl(tmp_path / "eval.jsonl", EVAL_ROWS)
    result = CliRunner().invoke(main, ["evaluate", "--data", str(data), "--model", str(small_model), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["n"] == 4
    assert set(metrics) >= {"macro_f1", "f_avg", "per_class", "confusion"}
    assert set(metrics["per_class"]) == {"pro", "anti", "neutral"}
    assert 0 <= metrics["f_avg"] <= 1


def test_evaluate_table_and_missing_label_column(small_model, tmp_path):
    data = write_jsonl(tmp_path / "eval.jsonl", EVAL_ROWS)
    result = CliRunner().invoke(main, ["evaluate", "--data", str(data), "--model", str(small_model)])
    assert result.exit_code == 0 and "macro-F1" in result.output and "confusion" in result.output
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "x"}])
    result = CliRunner().invoke(main, ["evaluate", "--data", str(bad), "--model", str(small_model)])
    assert result.exit_code != 0 and "'label'" in result.output


def test_evaluate_refuses_a_tampered_model(small_model, tmp_path):
    from stance.model.card import card_path

    copy = tmp_path / "m.skops"
    copy.write_bytes(small_model.read_bytes()[:-1] + b"x")
    card_path(copy).write_text(card_path(small_model).read_text())
    data = write_jsonl(tmp_path / "eval.jsonl", EVAL_ROWS)
    result = CliRunner().invoke(main, ["evaluate", "--data", str(data), "--model", str(copy)])
    assert result.exit_code != 0 and "does not match its card" in result.output


def test_train_writes_model_and_card_then_skips_when_current(small_training_file, tmp_path):
    out = tmp_path / "m.skops"
    args = ["train", "--data", str(small_training_file), "--out", str(out), "--cv-folds", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    card = read_card(out)
    assert "grouped_cv" in card["metrics"] and card["metrics"]["grouped_cv"]["folds"] == 2
    again = CliRunner().invoke(main, args + ["--if-changed"])
    assert again.exit_code == 0 and "up to date" in again.output


def test_train_rejects_data_without_labels(tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "x"}])
    result = CliRunner().invoke(main, ["train", "--data", str(bad), "--out", str(tmp_path / "m.skops")])
    assert result.exit_code != 0 and "label" in result.output


def test_corpus_check_and_export(tmp_path):
    result = CliRunner().invoke(main, ["corpus", "check"])
    assert result.exit_code == 0, result.output
    assert "corpus OK" in result.output
    out = tmp_path / "test.jsonl"
    result = CliRunner().invoke(main, ["corpus", "export", "--split", "test", "--out", str(out)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and {r["split"] for r in rows} == {"test"}
