import json

import pytest
from click.testing import CliRunner

from stance.annotations.drafts import DraftError, draft_records, parse_draft
from stance.cli import main

DRAFT = """# DOC 001 | outlet=The Meridian Wire | style=wire-agency
neutral n headline | Kremlin awaits a written reply on its treaty drafts
anti y wire | Warsaw called the idea a reward for aggression, a spokesman said. || R13

# DOC c01 | outlet=contrast | style=contrast
anti n oped pair=t-c001 | The alliance's growth did not cause this war.
pro n oped pair=t-c001 | The alliance's growth caused this war.
"""


def write(tmp_path, text):
    path = tmp_path / "draft.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_draft_into_records(tmp_path):
    records = draft_records(parse_draft(write(tmp_path, DRAFT)), "v2-test")
    assert [r["id"] for r in records] == ["au-v2-test-001-000", "au-v2-test-001-001",
                                          "au-v2-test-c01-000", "au-v2-test-c01-001"]
    assert records[1]["attributed"] is True and records[1]["note"] == "R13"
    assert records[1]["outlet"] == "The Meridian Wire" and records[1]["source_style"] == "wire-agency"
    assert records[2]["pair_id"] == records[3]["pair_id"] == "v2-test:t-c001"
    assert "pair_id" not in records[0] and "note" not in records[0]


@pytest.mark.parametrize("bad, message", [
    ("maybe n oped | text", "unknown label"),
    ("pro n sermon | text", "unknown register"),
    ("pro n oped text without a bar", "not a '# DOC"),
])
def test_bad_lines_are_reported_with_their_line_number(tmp_path, bad, message):
    with pytest.raises(DraftError, match=f"line 2: {message}"):
        parse_draft(write(tmp_path, "# DOC 001 | outlet=X | style=y\n" + bad + "\n"))


def test_a_contrast_group_must_flip_the_label(tmp_path):
    text = "# DOC c01 | outlet=contrast | style=contrast\npro n oped pair=g1 | A.\npro n oped pair=g1 | B.\n"
    with pytest.raises(DraftError, match="different labels"):
        parse_draft(write(tmp_path, text))


def test_cli_import_draft(tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["corpus", "import-draft", str(write(tmp_path, DRAFT)), "--name", "v2-test",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 sentences in 2 documents (1 contrast groups)" in result.output
    assert len([json.loads(line) for line in out.read_text().splitlines()]) == 4
