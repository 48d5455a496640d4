import json

from stance.annotation_loop.importing import check_rows, import_export
from stance.annotations.user_annotations import load_user_annotations, user_split


def row(text, label="pro", attributed=False, doc_id="d1", sent_idx=0, **extra):
    return {"location": f"row {sent_idx}", "text": text, "label": label, "attributed": attributed,
            "doc_id": doc_id, "sent_idx": sent_idx, **extra}


def test_check_rows_gives_every_rejection_a_reason():
    rows = [row("Guarantees for Moscow would calm the border.", sent_idx=0),
            row("Unknown label here.", label="maybe", sent_idx=1),
            row("   ", sent_idx=2),
            row("No label given.", label=None, sent_idx=3),
            row("Guarantees for Moscow would calm the border.", sent_idx=4),
            row("The talks resumed on Monday in Geneva after a pause.", sent_idx=5),
            row("Bad flag.", attributed="perhaps", sent_idx=6),
            row("Two labels.", label=["pro", "anti"], sent_idx=7),
            {"location": "line 9", "problem": "malformed JSON (Expecting value)"}]
    accepted, rejected = check_rows(rows, known_texts=["The talks resumed on Monday in Geneva after a pause!"])
    assert [r["sent_idx"] for r in accepted] == [0]
    reasons = {r["location"]: r["reason"] for r in rejected}
    assert len(accepted) + len(rejected) == len(rows)
    assert "unknown label 'maybe'" in reasons["row 1"] and reasons["row 2"] == "empty text"
    assert reasons["row 3"] == "no stance label" and "duplicate" in reasons["row 4"]
    assert "near-duplicate of a corpus sentence" in reasons["row 5"] and "attributed" in reasons["row 6"]
    assert "several" in reasons["row 7"] and "malformed" in reasons["line 9"]


def test_import_writes_user_source_and_refuses_to_overwrite(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("doc_id,sent_idx,outlet,text,label,attributed\n"
                      "a,0,O,Moscow's fears are legitimate.,pro,no\n"
                      "a,1,O,The mayor spoke on Tuesday.,neutral,yes\n"
                      "b,0,O,Guarantees reward the invader.,anti,\n")
    result = import_export(export, "mine", out_dir=tmp_path / "user")
    records = [json.loads(line) for line in (tmp_path / "user" / "mine.jsonl").read_text().splitlines()]
    assert len(records) == 3 and {r["source"] for r in records} == {"user"}
    assert records[1]["attributed"] is True and records[0]["split"] == records[1]["split"] == user_split("a")
    assert result["rejected"] == []
    try:
        import_export(export, "mine", out_dir=tmp_path / "user")
        raise AssertionError("an existing file was overwritten")
    except ValueError as exc:
        assert "--replace" in str(exc)
    # a second import of the same sentences under another name: all duplicates of the first file
    again = import_export(export, "again", out_dir=tmp_path / "user")
    assert again["records"] == [] and len(again["rejected"]) == 3
    assert len(load_user_annotations(sorted((tmp_path / "user").glob("*.jsonl")))) == 3
