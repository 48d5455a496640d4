import json

import pandas as pd
import pytest

from stance.annotation_loop.formats import format_for, label_studio_config, read_export, write_tasks

TASKS = pd.DataFrame([{"task_id": "d-000", "doc_id": "d", "sent_idx": 0, "outlet": "o", "text": "Russia has fears.",
                       "context_before": "", "context_after": "Next one.", "model_label": "pro",
                       "p_pro": 0.5, "p_anti": 0.2, "p_neutral": 0.3, "strategy": "entropy"}])


def test_format_from_extension_or_option(tmp_path):
    assert format_for("t.json") == "label-studio" and format_for("t.jsonl") == "prodigy"
    assert format_for("t.CSV") == "csv" and format_for("t.txt", "prodigy") == "prodigy"
    with pytest.raises(ValueError, match="--format"):
        format_for("t.txt")


def test_label_studio_config_and_tasks_validate_offline(tmp_path):
    interface = pytest.importorskip("label_studio_sdk.label_interface").LabelInterface
    config = interface(label_studio_config())
    assert config.get_control("stance").labels == ["pro", "anti", "neutral"]
    assert config.get_control("attributed").labels == ["attributed"]
    task = json.loads(write_tasks(TASKS, tmp_path / "t.json").read_text())[0]
    assert config.validate_task({"data": task["data"]})
    assert config.validate_prediction(task["predictions"][0], return_errors=True) == []
    assert not config.validate_task({"data": {"sentence": "no text field"}})
    wrong = {"result": [{"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": ["maybe"]}}]}
    assert config.validate_prediction(wrong, return_errors=True)


def test_label_studio_export_reads_choices_and_refuses_skips(tmp_path):
    data = json.loads(write_tasks(TASKS, tmp_path / "t.json").read_text())[0]["data"]

    def annotation(*choices, cancelled=False):
        result = [{"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": list(choices)}},
                  {"from_name": "attributed", "to_name": "text", "type": "choices", "value": {"choices": ["attributed"]}}]
        return {"result": result, "was_cancelled": cancelled}

    export = [{"id": 1, "data": data, "annotations": [annotation("anti")]},
              {"id": 2, "data": data, "annotations": [annotation("anti", cancelled=True)]},
              {"id": 3, "data": data, "annotations": [annotation("anti"), annotation("pro")]},
              {"text": "min export row", "stance": "neutral", "attributed": ["attributed"]}]
    (tmp_path / "export.json").write_text(json.dumps(export))
    rows = read_export(tmp_path / "export.json")
    assert rows[0]["label"] == "anti" and rows[0]["attributed"] is True and rows[0]["doc_id"] == "d"
    assert "skipped" in rows[1]["problem"] and "disagree" in rows[2]["problem"]
    assert rows[3]["label"] == "neutral" and rows[3]["attributed"] is True


def test_prodigy_and_csv_round_trip(tmp_path):
    line = json.loads(write_tasks(TASKS, tmp_path / "t.jsonl").read_text())
    assert line["accept"] == ["pro"] and {o["id"] for o in line["options"]} == {"pro", "anti", "neutral", "attributed"}
    answered = [{**line, "answer": "accept", "accept": ["neutral", "attributed"]}, {**line, "answer": "reject"}]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(a) for a in answered) + "\n{broken\n")
    rows = read_export(tmp_path / "p.jsonl")
    assert (rows[0]["label"], rows[0]["attributed"]) == ("neutral", True)
    assert "reject" in rows[1]["problem"] and "malformed" in rows[2]["problem"]

    write_tasks(TASKS, tmp_path / "t.csv")
    sheet = pd.read_csv(tmp_path / "t.csv", keep_default_na=False)
    assert sheet.loc[0, "label"] == "" and sheet.loc[0, "context_after"] == "Next one."
    sheet.loc[0, ["label", "attributed"]] = ["anti", "yes"]
    sheet.to_csv(tmp_path / "filled.csv", index=False)
    assert [(r["label"], r["attributed"], r["location"]) for r in read_export(tmp_path / "filled.csv")] == [
        ("anti", True, "row 2")]
