"""End to end: the bundled model labels the seed articles; every outlet gets a row."""
from click.testing import CliRunner

from stance.cli import main
from stance.batch.labeller import read_table

SEED_OUTLETS = {"Atlantic Council (UkraineAlert)", "Comment is Freed (Lawrence Freedman's Substack)",
                "socialbites.ca", "Responsible Statecraft", "Euromaidan Press"}


def test_label_then_aggregate_the_seed_articles(seed_dir, tmp_path):
    labels = tmp_path / "labels.parquet"
    result = CliRunner().invoke(main, ["label", str(seed_dir), "--out", str(labels)])
    assert result.exit_code == 0, result.output
    table = read_table(labels)
    assert set(table["outlet"]) == SEED_OUTLETS
    assert set(table["label"]) <= {"pro", "anti", "neutral"}
    assert table.groupby("doc_id")["sent_idx"].apply(lambda s: list(s) == list(range(len(s)))).all()

    outlets = tmp_path / "outlets.csv"
    result = CliRunner().invoke(main, ["aggregate", str(labels), "--by", "outlet", "--out", str(outlets)])
    assert result.exit_code == 0, result.output
    for outlet in SEED_OUTLETS:
        assert outlet in result.output
    agg = read_table(outlets)
    assert set(agg["outlet"]) == SEED_OUTLETS
    assert ((agg["net_low"] <= agg["net_stance"]) & (agg["net_stance"] <= agg["net_high"])).all()
