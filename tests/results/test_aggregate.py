import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import functools

from stance.results import aggregate as aggregate_module
from stance.results.aggregate import (bootstrap_interval, cluster_normal_interval, find_duplicates,
                              fold_duplicates, jeffreys_interval, net_stance)
from stance.cli import main

# These tests check counting, filtering and the raw intervals; the adjusted estimates are tested in test_quantify.
aggregate = functools.partial(aggregate_module.aggregate, adjust="cc")

PROBS = {"pro": (0.8, 0.1, 0.1), "anti": (0.1, 0.8, 0.1), "neutral": (0.1, 0.1, 0.8)}


def article(doc_id, outlet, labels, attributed=(), boilerplate=(), date=None, texts=None):
    """Sentence rows shaped like `stance label` output; indices in attributed/boilerplate are flagged."""
    rows = []
    for i, label in enumerate(labels):
        p_pro, p_anti, p_neutral = PROBS[label]
        text = texts[i] if texts else f"{doc_id} sentence number {i} says something about {label} here."
        rows.append({"doc_id": doc_id, "outlet": outlet, "date": date, "sent_idx": i, "text": text, "label": label,
                     "p_pro": p_pro, "p_anti": p_anti, "p_neutral": p_neutral,
                     "attributed": i in attributed, "boilerplate": i in boilerplate})
    return rows


def frame(*articles):
    return pd.DataFrame([row for rows in articles for row in rows])


def row_of(table, key, column="outlet"):
    return table.set_index(column).loc[key]


def test_counts_shares_and_net_stance_by_outlet():
    labels = frame(article("a1", "X", ["pro", "pro", "anti", "neutral"]),
                   article("a2", "X", ["pro", "neutral"]),
                   article("b1", "Y", ["neutral", "neutral"]))
    table = aggregate(labels)
    x, y = row_of(table, "X"), row_of(table, "Y")
    assert (x.n_articles, x.n_sentences, x.n_pro, x.n_anti, x.n_neutral) == (2, 6, 3, 1, 2)
    assert x.net_stance == pytest.approx((3 - 1) / (3 + 1))
    assert x.share_pro == pytest.approx(3 / 6) and x.share_neutral == pytest.approx(2 / 6)
    assert y.net_stance == 0.0  # no stance-taking sentence
    assert list(table.columns[:1]) == ["outlet"]


def test_by_doc_id_gives_one_row_per_article():
    labels = frame(article("a1", "X", ["pro", "anti", "anti"]), article("a2", "X", ["pro"]))
    table = aggregate(labels, by="doc_id")
    assert table["doc_id"].tolist() == ["a1", "a2"]  # sorted by net stance: -1/3, then 1
    assert row_of(table, "a1", "doc_id").net_stance == pytest.approx(-1 / 3)
    assert (table["n_articles"] == 1).all()


def test_net_stance_is_zero_without_stance_sentences():
    assert net_stance([0, 2, 1], [0, 2, 3]).tolist() == [0.0, 0.0, -0.5]


def test_jeffreys_interval_matches_hand_computed_arcsine_quantiles():
    # With no pro and no anti sentence the posterior is Beta(1/2, 1/2), whose quantile q is sin^2(pi q / 2).
    low, high = jeffreys_interval(0, 0)
    assert low == pytest.approx(2 * np.sin(np.pi * 0.025 / 2) ** 2 - 1)
    assert high == pytest.approx(-low)


def test_cluster_bootstrap_matches_hand_enumerated_resamples():
    # Two articles: A = 2 pro, B = 1 pro + 1 anti. Resamples AA (net 1), AB (net 0.5), BB (net 0),
    # with probabilities 1/4, 1/2, 1/4: the 2.5% and 97.5% percentiles are 0 and 1.
    assert bootstrap_interval([[2, 0, 0], [1, 1, 0]], n_boot=4000) == (0.0, 1.0)


def test_intervals_widen_with_fewer_articles():
    pattern = [["pro"] * 5 + ["anti"] + ["neutral"] * 4, ["pro"] + ["anti"] * 4 + ["neutral"] * 5,
               ["pro"] * 3 + ["anti"] * 3 + ["neutral"] * 2, ["pro"] * 6 + ["neutral"] * 3]
    few = [article(f"f{i}", "Few", labels) for i, labels in enumerate(pattern)]
    many = [article(f"m{k}-{i}", "Many", labels) for k in range(5) for i, labels in enumerate(pattern)]
    table = aggregate(frame(*few, *many))
    few_row, many_row = row_of(table, "Few"), row_of(table, "Many")
    assert few_row.net_stance == pytest.approx(many_row.net_stance)
    assert few_row.net_high - few_row.net_low > 1.5 * (many_row.net_high - many_row.net_low)


def test_one_article_outlet_interval_is_wider_than_with_the_same_sentences_across_articles():
    labels = ["pro"] * 4 + ["anti"] * 2 + ["neutral"] * 2
    spread = [article(f"s{i}", "Spread", labels) for i in range(6)]
    table = aggregate(frame(article("one", "One", labels), *spread))
    one, spread_row = row_of(table, "One"), row_of(table, "Spread")
    assert one.net_high - one.net_low > spread_row.net_high - spread_row.net_low > 0


def test_all_pro_group_still_gets_an_interval_that_contains_the_estimate():
    table = aggregate(frame(*[article(f"a{i}", "X", ["pro", "pro"]) for i in range(3)]))
    x = row_of(table, "X")
    assert x.net_stance == 1.0 and x.net_high == 1.0 and x.net_low < 0.9


def test_many_articles_use_a_normal_interval_that_agrees_with_the_bootstrap():
    rng = np.random.default_rng(0)
    counts = np.column_stack([rng.poisson(3, 400), rng.poisson(2, 400), rng.poisson(4, 400)])
    assert cluster_normal_interval(counts) == pytest.approx(bootstrap_interval(counts), abs=0.015)


def test_group_intervals_do_not_depend_on_other_groups():
    x = [article(f"x{i}", "X", ["pro", "anti", "pro"][: i + 1]) for i in range(3)]
    alone = row_of(aggregate(frame(*x)), "X")
    with_other = row_of(aggregate(frame(*x, article("y", "Y", ["anti"]))), "X")
    assert (alone.net_low, alone.net_high) == (with_other.net_low, with_other.net_high)


def test_own_voice_drops_attributed_sentences():
    labels = frame(article("a1", "X", ["pro", "pro", "anti", "neutral"], attributed={0, 1}))
    assert row_of(aggregate(labels), "X").net_stance == pytest.approx(1 / 3)
    table = aggregate(labels, own_voice=True)
    x = row_of(table, "X")
    assert (x.n_pro, x.n_anti, x.n_sentences, x.net_stance) == (0, 1, 2, -1.0)
    assert table.attrs["dropped"]["attributed"] == 2


def test_boilerplate_is_excluded_by_default():
    labels = frame(article("a1", "X", ["pro", "anti", "anti"], boilerplate={1, 2}))
    assert row_of(aggregate(labels), "X").n_sentences == 1
    assert row_of(aggregate(labels, exclude_boilerplate=False), "X").n_sentences == 3


def test_min_confidence_ignores_uncertain_sentences():
    labels = frame(article("a1", "X", ["pro", "anti", "neutral"]))
    labels.loc[1, ["p_pro", "p_anti", "p_neutral"]] = (0.35, 0.4, 0.25)
    x = row_of(aggregate(labels, min_confidence=0.5), "X")
    assert (x.n_pro, x.n_anti, x.n_neutral) == (1, 0, 1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        aggregate(labels, min_confidence=1.5)


WIRE = ["Moscow demanded written security guarantees from NATO on Friday.",
        "The alliance said it would not give up its open door policy.",
        "Diplomats expect talks to resume in Geneva next month, officials said.",
        "Analysts were divided over whether the proposal was serious."]


def _wire_copies(outlet_b="Y"):
    original = article("w1", "X", ["anti", "anti", "neutral", "pro"], texts=WIRE, date="2022-01-01")
    # A syndicated copy: its own headline and credit line, typography changed, one sentence cut.
    copy_texts = ["Russia wants guarantees", "MOSCOW demanded written security guarantees from NATO on Friday!",
                  "The alliance said it would not give up its “open door” policy.", WIRE[2],
                  "Photo: Reuters"]
    copy = article("w2", outlet_b, ["pro", "anti", "anti", "neutral", "neutral"], texts=copy_texts,
                   boilerplate={4}, date="2022-01-02")
    other = article("o1", outlet_b, ["pro", "neutral", "neutral"],
                    texts=[WIRE[0], "A different story about farm subsidies in the region.",
                           "Ministers met farmers in the capital on Tuesday afternoon."])
    return frame(original, copy, other)


def test_syndicated_copy_in_the_same_outlet_is_counted_once():
    labels = _wire_copies(outlet_b="X")
    clusters = find_duplicates(labels).set_index("doc_id")
    assert clusters.loc["w1", "cluster"] == clusters.loc["w2", "cluster"] != clusters.loc["o1", "cluster"]
    assert clusters["keep"].to_dict() == {"o1": True, "w1": True, "w2": False}  # the earlier copy is kept
    kept, dropped = fold_duplicates(labels)
    assert set(kept["doc_id"]) == {"w1", "o1"} and dropped == {"duplicate_articles": 1, "duplicate_sentences": 5}
    assert row_of(aggregate(labels), "X").n_articles == 2
    assert row_of(aggregate(labels, keep_duplicates=True), "X").n_articles == 3


def test_copies_in_different_outlets_count_once_per_outlet_or_once_overall():
    labels = _wire_copies(outlet_b="Y")
    assert aggregate(labels).set_index("outlet")["n_articles"].to_dict() == {"X": 1, "Y": 2}
    folded = aggregate(labels, fold_across_outlets=True).set_index("outlet")["n_articles"].to_dict()
    assert folded == {"X": 1, "Y": 1}


def test_by_outlet_month_needs_dates_and_counts_undated_sentences():
    labels = frame(article("a1", "X", ["pro"], date="2022-12-03"), article("a2", "X", ["anti"], date="2023-01-15"),
                   article("a3", "X", ["anti", "anti"], date=None))
    table = aggregate(labels, by="outlet-month")
    assert table[["outlet", "month"]].values.tolist() == [["X", "2022-12"], ["X", "2023-01"]]
    assert table.attrs["dropped"]["undated"] == 2
    with pytest.raises(ValueError, match="date"):
        aggregate(labels.assign(date=None), by="month")


def test_unknown_grouping_and_missing_columns_are_clear_errors():
    labels = frame(article("a1", "X", ["pro"]))
    with pytest.raises(ValueError, match="--by must be one of"):
        aggregate(labels, by="author")
    with pytest.raises(ValueError, match="attributed"):
        aggregate(labels.drop(columns=["attributed"]), own_voice=True)


def test_cli_aggregate_writes_csv_and_parquet_and_prints_a_table(tmp_path):
    labels = frame(article("a1", "Outlet X", ["pro", "anti", "pro"]), article("b1", "Outlet Y", ["anti"]))
    labels.to_parquet(tmp_path / "labels.parquet")
    runner = CliRunner()
    for out in ("agg.csv", "agg.parquet"):
        result = runner.invoke(main, ["aggregate", str(tmp_path / "labels.parquet"), "--by", "outlet",
                                      "--own-voice", "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
        assert "Outlet X" in result.stdout and "net_stance" in result.stdout
    table = pd.read_parquet(tmp_path / "agg.parquet")
    assert {"outlet", "n_sentences", "n_pro", "n_anti", "n_neutral", "net_stance", "net_low", "net_high", "method",
            "net_stance_raw", "net_low_raw", "net_high_raw", "share_pro_raw"} <= set(table.columns)
    assert set(table["method"]) == {"pacc"}  # the default: corrected with the bundled model's rates
    assert pd.read_csv(tmp_path / "agg.csv")["outlet"].tolist() == table["outlet"].tolist()
    bad = runner.invoke(main, ["aggregate", str(tmp_path / "labels.parquet"), "--out", str(tmp_path / "x.txt")])
    assert bad.exit_code != 0 and ".csv or .parquet" in bad.output
