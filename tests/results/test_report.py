import pandas as pd
import pytest
from click.testing import CliRunner

from stance.results.aggregate import aggregate
from stance.cli import main
from stance.results.report import build_report, example_articles, lean, markdown_table, model_line
from tests.results.test_aggregate import article, frame


@pytest.fixture()
def labels():
    return frame(article("p1", "Pro Times", ["pro"] * 6 + ["neutral"]),
                 article("p2", "Pro Times", ["pro"] * 5 + ["anti"]),
                 article("a1", "Anti Post", ["anti"] * 4 + ["pro", "neutral"], attributed={4}),
                 article("m1", "Middle | Review", ["pro", "anti", "neutral"]))


@pytest.mark.parametrize("low, high, expected", [(0.1, 0.9, "leans pro"), (-0.8, -0.2, "leans anti"),
                                                 (-0.1, 0.5, "no clear lean")])
def test_lean_needs_the_interval_to_exclude_zero(low, high, expected):
    assert lean({"net_low": low, "net_high": high}).startswith(expected)


def test_markdown_table_has_one_row_per_outlet_most_pro_first(labels):
    lines = markdown_table(aggregate(labels)).splitlines()
    assert len(lines) == 2 + 3
    assert lines[2].startswith("| Pro Times |") and lines[-1].startswith("| Anti Post |")
    assert "Middle \\| Review" in lines[3]  # a pipe in a name does not break the table


def test_example_article_is_the_one_with_most_stance_sentences(labels):
    assert dict(example_articles(labels)) == {"Anti Post": "a1", "Middle | Review": "m1", "Pro Times": "p1"}


def test_build_report_writes_figures_pages_and_summary(labels, tmp_path, small_model):
    summary = build_report(labels, tmp_path / "rep", model_path=small_model, labels_name="labels.parquet", adjust="cc")
    text = summary.read_text(encoding="utf-8")
    for name in ("outlets.png", "outlets-own-voice.png", "articles/p1.html", "articles/a1.html"):
        assert (tmp_path / "rep" / name).exists(), name
        assert f"({name})" in text  # linked from the summary
    assert "**Pro Times**: leans pro" in text
    assert "1 article" in text and "single article" in text  # the caveat for one-article outlets
    own_voice = text.split("## Own voice only", 1)[1].split("## Read", 1)[0]
    assert "0 pro and 4 anti" in own_voice  # the attributed pro sentence of Anti Post is gone
    assert "trained on" in text


def test_model_line_without_card(tmp_path):
    assert "no card" in model_line(tmp_path / "missing.skops")


def test_cli_report(labels, tmp_path, small_model):
    labels.to_parquet(tmp_path / "labels.parquet")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "labels.parquet"), "--out-dir", str(tmp_path / "r"),
                                       "--model", str(small_model), "--min-confidence", "0.5", "--adjust", "cc"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "r" / "summary.md").read_text(encoding="utf-8")
    assert "top probability ≥ 0.5" in text


def test_report_shows_the_adjusted_estimate_beside_the_raw_count(labels, tmp_path):
    # the bundled model's card holds its misclassification rates; its default estimate is adjusted
    text = build_report(labels, tmp_path / "rep", labels_name="labels.parquet").read_text(encoding="utf-8")
    assert "raw net stance" in text and "| pacc |" in text
    assert "corrected for classifier error (probabilistic adjusted classify and count (PACC))" in text
    assert "does not cover annotation disagreement" in text


def test_report_of_a_model_without_rates_says_how_to_add_them(labels, tmp_path, small_model):
    labels.to_parquet(tmp_path / "labels.parquet")
    result = CliRunner().invoke(main, ["report", str(tmp_path / "labels.parquet"), "--out-dir", str(tmp_path / "r"),
                                       "--model", str(small_model)])
    assert result.exit_code != 0 and "stance model rates" in result.output
