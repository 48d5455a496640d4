import html

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from stance.results.aggregate import aggregate
from stance.cli import main
from stance.evaluation.metrics import classification_metrics
from stance.results.plots import (figure_bytes, plot_calibration, plot_confusion, plot_net_stance, plot_over_time,
                          plot_shares, save_figure, stance_figure)
from tests.results.test_aggregate import article, frame

OUTLETS = ["Daily One", "The Other Weekly", "Third & Co"]


@pytest.fixture()
def labels():
    rows = []
    for k, outlet in enumerate(OUTLETS):
        for j in range(3):
            date = f"2022-{11 + j % 2:02d}-0{j + 1}"
            stance = ["pro"] * (3 - k) + ["anti"] * (k + j) + ["neutral"] * 2
            rows.append(article(f"{k}-{j}", outlet, stance, date=date))
    return frame(*rows)


def tick_texts(ax):
    return [t.get_text() for t in ax.get_yticklabels()]


def test_net_stance_plot_has_one_sorted_entry_per_outlet_with_counts(labels):
    table = aggregate(labels)
    ax = plot_net_stance(table).axes[0]
    ticks = tick_texts(ax)
    assert len(ticks) == len(OUTLETS)
    assert [t.split("\n")[0] for t in ticks] == table.sort_values("net_stance")["outlet"].tolist()
    assert all("pro/anti of" in t and "sentences" in t and "article" in t for t in ticks)
    assert "95%" in ax.get_title() and "security guarantees for Russia" in ax.get_title()


def test_shares_stack_to_one_per_outlet(labels):
    ax = plot_shares(aggregate(labels)).axes[0]
    widths = np.array([p.get_width() for p in ax.patches]).reshape(3, len(OUTLETS))  # label x outlet
    assert widths.sum(axis=0) == pytest.approx(np.ones(len(OUTLETS)))
    assert len(tick_texts(ax)) == len(OUTLETS)


def test_over_time_draws_one_line_per_outlet(labels):
    ax = plot_over_time(aggregate(labels, by="outlet-month")).axes[0]
    assert sorted(t.get_text().split(" (")[0] for t in ax.get_legend().get_texts()) == sorted(OUTLETS)


def test_all_panels_include_time_only_when_dates_span_two_months(labels):
    fig, table = stance_figure(labels)
    assert len(fig.axes) == 3 and len(table) == len(OUTLETS)
    fig, _ = stance_figure(labels.assign(date="2022-11-01"))
    assert len(fig.axes) == 2
    fig, _ = stance_figure(labels.assign(date=None))
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="date"):
        stance_figure(labels.assign(date=None), kind="time")


def test_saved_figures_name_every_outlet(labels, tmp_path):
    fig, table = stance_figure(labels, kind="net")
    png = save_figure(fig, tmp_path / "f.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    svg = html.unescape(save_figure(fig, tmp_path / "f.svg").read_text(encoding="utf-8"))
    page = save_figure(fig, tmp_path / "f.html", table=table).read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    for outlet in OUTLETS:
        assert outlet in svg
        assert html.escape(outlet) in page
    with pytest.raises(ValueError, match="png"):
        save_figure(fig, tmp_path / "f.pdf")


def test_figures_are_byte_identical_across_runs(labels):
    fig, _ = stance_figure(labels)
    assert figure_bytes(fig, "svg") == figure_bytes(stance_figure(labels)[0], "svg")


def test_confusion_and_calibration_plots():
    y_true = ["pro", "anti", "neutral", "pro", "neutral", "anti"] * 5
    y_pred = ["pro", "neutral", "neutral", "anti", "neutral", "anti"] * 5
    ax = plot_confusion(classification_metrics(y_true, y_pred)).axes[0]
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 9 and cells[0] == "5\n50%"  # true pro predicted pro: 5 of 10
    proba = np.random.default_rng(0).dirichlet([1, 1, 1], size=len(y_true))
    ax = plot_calibration(y_true, proba, ["anti", "neutral", "pro"], n_bins=3).axes[0]
    assert len(ax.lines) == 4  # three classes and the diagonal


def test_cli_plot_writes_each_format(labels, tmp_path):
    labels.to_parquet(tmp_path / "labels.parquet")
    runner = CliRunner()
    for name, kind in (("all.png", "all"), ("net.svg", "net"), ("time.html", "time"), ("shares.png", "shares")):
        result = runner.invoke(main, ["plot", str(tmp_path / "labels.parquet"), "--out", str(tmp_path / name),
                                      "--kind", kind, "--own-voice"])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 1000
    svg = html.unescape((tmp_path / "net.svg").read_text(encoding="utf-8"))
    assert all(svg.count(outlet) == 1 for outlet in OUTLETS)
    bad = runner.invoke(main, ["plot", str(tmp_path / "labels.parquet"), "--out", str(tmp_path / "x.jpg")])
    assert bad.exit_code != 0 and "figure format" in bad.output
