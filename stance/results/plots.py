"""Figures of aggregate tables and model quality, with matplotlib's object API.

Every ``plot_*`` function draws on a given ``ax`` or on a new figure and
returns the :class:`~matplotlib.figure.Figure`; nothing touches pyplot's
global state, so the functions are safe in batch jobs and in notebooks alike.
:func:`save_figure` writes ``.png``, ``.svg`` (text kept as text, so it stays
searchable) or a self-contained ``.html`` page with the image embedded.
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib
import matplotlib.dates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure


COLOURS = {"pro": "#2166ac", "neutral": "#bdbdbd", "anti": "#b2182b"}  # blue / grey / red, colour-blind safe
LINE_COLOURS = {**COLOURS, "neutral": "#636363"}  # the bars' light grey is too faint for a line
STACK_ORDER = ("pro", "neutral", "anti")
FIGURE_FORMATS = (".png", ".svg", ".html")
TOPIC = "security guarantees for Russia"
NET_AXIS_LABEL = "net stance = (pro − anti) / (pro + anti)     ← anti · pro →"


def _axes(ax: Axes | None, width: float = 7.0, height: float = 4.0) -> Axes:
    """``ax``, or the single axes of a new figure."""
    return ax if ax is not None else Figure(figsize=(width, height), layout="constrained").add_subplot()


def group_name(key: str) -> str:
    """How a grouping column reads in a title."""
    return {"doc_id": "article", "outlet-month": "outlet and month"}.get(key, key.replace("_", " "))


def _rows_height(n_rows: int) -> float:
    return 1.6 + 0.6 * max(n_rows, 1)


def group_labels(table: pd.DataFrame, key: str = "outlet") -> list[str]:
    """Tick labels naming each group and how many sentences and articles stand behind it."""
    sided = table["n_pro"] + table["n_anti"]
    return [f"{name}\n{s} pro/anti of {n} sentences, {k} article{'s' if k != 1 else ''}"
            for name, s, n, k in zip(table[key], sided, table["n_sentences"], table["n_articles"])]


def ordered(table: pd.DataFrame) -> pd.DataFrame:
    """Groups from most anti (bottom of a horizontal chart) to most pro (top)."""
    return table.sort_values(["net_stance", table.columns[0]], ascending=[True, False]).reset_index(drop=True)


def plot_net_stance(table: pd.DataFrame, key: str = "outlet", ax: Axes | None = None, note: str = "",
                    title: str | None = None) -> Figure:
    """Net stance per group with its 95% interval, sorted, one row per group.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`stance.results.aggregate.aggregate`.
    key : str
        The grouping column (``outlet`` or ``doc_id``).
    ax : Axes, optional
        Where to draw; a new figure when omitted.
    note : str
        A last title line, e.g. which sentences were counted.
    title : str, optional
        Replaces the default title (topic, grouping, interval).
    """
    data = ordered(table)
    ax = _axes(ax, height=_rows_height(len(data)))
    y = np.arange(len(data))
    adjusted = "net_stance_raw" in data and (data["method"] != "cc").any()
    if adjusted:  # the raw count, faint and just below, so the correction is visible
        raw_errors = np.vstack([data["net_stance_raw"] - data["net_low_raw"],
                                data["net_high_raw"] - data["net_stance_raw"]])
        ax.errorbar(data["net_stance_raw"], y - 0.22, xerr=np.clip(raw_errors, 0, None), fmt="s", markersize=4,
                    color="#aaaaaa", ecolor="#cccccc", capsize=2, label="raw count of predicted labels")
    errors = np.vstack([data["net_stance"] - data["net_low"], data["net_high"] - data["net_stance"]])
    ax.errorbar(data["net_stance"], y, xerr=np.clip(errors, 0, None), fmt="o", color="black", ecolor="#555555",
                capsize=3, label=f"{estimate_name(data)}, 95% interval")
    if adjusted:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    ax.axvline(0, color="#999999", linewidth=0.8, linestyle="--")
    ax.set(yticks=y, yticklabels=group_labels(data, key), xlim=(-1.05, 1.05), xlabel=NET_AXIS_LABEL,
           ylim=(-0.6, len(data) - 0.4))
    if title is None:
        title = f"Net stance toward {TOPIC}\nper {group_name(key)}, {estimate_name(data)}, with 95% intervals"
    ax.set_title(title + (f"\n{note}" if note else ""), fontsize=10)
    return ax.figure


def estimate_name(table: pd.DataFrame) -> str:
    """The method behind a table's ``net_stance``, as a figure names it."""
    from stance.results.quantify import method_name

    methods = table["method"].unique() if "method" in table else ["cc"]
    return method_name(methods[0]) if len(methods) == 1 else "mixed methods"


def plot_shares(table: pd.DataFrame, key: str = "outlet", ax: Axes | None = None, tick_labels: bool = True) -> Figure:
    """Stacked shares of predicted pro, neutral and anti sentences per group (raw counts), in net-stance order."""
    data = ordered(table)
    ax = _axes(ax, height=_rows_height(len(data)) + 0.4)
    y = np.arange(len(data))
    left = np.zeros(len(data))
    raw = "_raw" if "share_pro_raw" in data else ""
    for label in STACK_ORDER:
        share = data[f"share_{label}{raw}"].to_numpy()
        ax.barh(y, share, left=left, color=COLOURS[label], label=label, height=0.6)
        left += share
    ax.set(yticks=y, xlim=(0, 1), xlabel="share of the group's sentences", ylim=(-0.6, len(data) - 0.4))
    ax.set_yticklabels(group_labels(data, key) if tick_labels else [""] * len(data))
    ax.set_title(f"Predicted labels per {group_name(key)} (raw counts)", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8, frameon=False)
    return ax.figure


def plot_over_time(table: pd.DataFrame, ax: Axes | None = None, key: str = "outlet") -> Figure:
    """Net stance per month, one line per group, with 95% intervals and the sentences behind each point.

    ``table`` is an ``outlet-month`` aggregate; groups sharing a month are
    drawn a few days apart so their intervals do not hide each other.
    """
    ax = _axes(ax, width=8.0)
    groups = list(table.groupby(key, sort=True))
    for i, (name, group) in enumerate(groups):
        dodge = pd.Timedelta(days=4 * (i - (len(groups) - 1) / 2))
        months = pd.PeriodIndex(group["month"], freq="M").to_timestamp() + dodge
        errors = np.vstack([group["net_stance"] - group["net_low"], group["net_high"] - group["net_stance"]])
        ax.errorbar(months, group["net_stance"], yerr=np.clip(errors, 0, None), marker="o", capsize=3,
                    label=f"{name} ({int(group['n_sentences'].sum())} sent.)")
        for x, y, n in zip(months, group["net_stance"], group["n_sentences"]):
            ax.annotate(f"n={n}", (x, y), textcoords="offset points", xytext=(5, 4), fontsize=7)
    first, last = pd.Period(table["month"].min(), "M"), pd.Period(table["month"].max(), "M")
    ax.set_xlim((first - 1).to_timestamp(), (last + 1).to_timestamp())
    ax.xaxis.set_major_locator(matplotlib.dates.MonthLocator(interval=max(1, ((last - first).n + 2) // 8)))
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y-%m"))
    ax.axhline(0, color="#999999", linewidth=0.8, linestyle="--")
    ax.set(ylim=(-1.05, 1.05), ylabel="net stance (← anti · pro →)", xlabel="month")
    ax.set_title(f"Net stance toward {TOPIC} per month, 95% intervals (n = sentences)", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return ax.figure


def outlet_figure(table: pd.DataFrame, key: str = "outlet", time_table: pd.DataFrame | None = None,
                  note: str = "") -> Figure:
    """Net stance and label shares side by side, plus stance over time when ``time_table`` is given."""
    rows_height = _rows_height(len(table)) + 0.4
    fig = Figure(figsize=(12, rows_height + (3.8 if time_table is not None else 0) + 0.4), layout="constrained")
    heights = (rows_height, 3.8) if time_table is not None else (rows_height,)
    grid = fig.add_gridspec(len(heights), 2, width_ratios=(3, 2), height_ratios=heights)
    plot_net_stance(table, key, ax=fig.add_subplot(grid[0, 0]),
                    title=f"Net stance, 95% interval: {estimate_name(table)}")
    plot_shares(table, key, ax=fig.add_subplot(grid[0, 1]), tick_labels=False)
    if time_table is not None:
        plot_over_time(time_table, ax=fig.add_subplot(grid[1, :]))
    fig.suptitle(f"Stance toward {TOPIC}, per {group_name(key)}" + (f"\ncounted: {note}" if note else ""), fontsize=11)
    return fig


def plot_label_counts(df: pd.DataFrame, by: str, ax: Axes | None = None, title: str = "") -> Figure:
    """Stacked bar chart of sentences per label within each value of ``by``."""
    counts = pd.crosstab(df[by], df["label"]).reindex(columns=list(STACK_ORDER), fill_value=0)
    ax = _axes(ax, height=_rows_height(len(counts)))
    left = np.zeros(len(counts))
    for label in STACK_ORDER:
        ax.barh(counts.index.astype(str), counts[label], left=left, color=COLOURS[label], label=label)
        left += counts[label].to_numpy()
    ax.set(xlabel="sentences", title=title or f"Annotated sentences per label, by {by}")
    ax.legend(fontsize=8)
    return ax.figure


def plot_confusion(metrics: dict, ax: Axes | None = None, title: str = "Confusion matrix") -> Figure:
    """Confusion matrix from :func:`stance.evaluation.metrics.classification_metrics`, counts and row shares."""
    labels, matrix = metrics["confusion"]["labels"], np.asarray(metrics["confusion"]["matrix"])
    rows = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    ax = _axes(ax, width=4.5, height=4.0)
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, f"{count}\n{rows[i, j]:.0%}", ha="center", va="center",
                color="white" if rows[i, j] > 0.5 else "black", fontsize=9)
    ticks = np.arange(len(labels))
    ax.set(xticks=ticks, yticks=ticks, xticklabels=labels, yticklabels=labels, xlabel="predicted", ylabel="true",
           title=f"{title} (n={metrics['n']})")
    return ax.figure


def plot_calibration(y_true, proba: np.ndarray, classes, ax: Axes | None = None, n_bins: int = 10) -> Figure:
    """Reliability curve per class (one-vs-rest): predicted probability against observed frequency."""
    from sklearn.calibration import calibration_curve

    ax = _axes(ax, width=5.0, height=4.5)
    y_true = np.asarray(y_true)
    for i, label in enumerate(classes):
        observed, predicted = calibration_curve(y_true == label, proba[:, i], n_bins=n_bins, strategy="quantile")
        ax.plot(predicted, observed, marker="o", color=LINE_COLOURS.get(label), label=label)
    ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", label="perfect")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted probability", ylabel="observed frequency",
           title=f"Calibration, one class against the rest (n={len(y_true)})")
    ax.legend(fontsize=8)
    return ax.figure


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = 110) -> bytes:
    """The figure encoded as PNG or SVG bytes (no timestamps, so reruns give identical files)."""
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "stance"}):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def html_page(title: str, figures: list[Figure], intro: str = "", table: pd.DataFrame | None = None) -> str:
    """A self-contained HTML page: a title, an intro paragraph, the figures as embedded PNGs, a table."""
    images = "\n".join(
        f'<img alt="{html.escape(title)}, figure {i + 1}" style="max-width:100%" '
        f'src="data:image/png;base64,{base64.b64encode(figure_bytes(fig)).decode("ascii")}">'
        for i, fig in enumerate(figures))
    table_html = table.to_html(index=False, float_format="{:.3f}".format, border=0) if table is not None else ""
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse;font-size:0.85em}td,th{padding:2px 8px;text-align:right}"
            "td:first-child{text-align:left}</style></head>\n"
            f"<body><h1>{html.escape(title)}</h1>\n<p>{html.escape(intro)}</p>\n{images}\n{table_html}\n</body></html>\n")


def save_figure(fig: Figure, path: str | Path, title: str = "", intro: str = "",
                table: pd.DataFrame | None = None) -> Path:
    """Write ``fig`` as ``.png``, ``.svg`` or a self-contained ``.html`` page (with ``table`` below it)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise ValueError(f"{path}: figure format must be one of {', '.join(FIGURE_FORMATS)} (from the extension).")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        path.write_text(html_page(title or path.stem, [fig], intro, table), encoding="utf-8")
    else:
        path.write_bytes(figure_bytes(fig, suffix[1:]))
    return path


def selection_note(own_voice: bool = False, exclude_boilerplate: bool = True, min_confidence: float | None = None,
                   keep_duplicates: bool = False, fold_across_outlets: bool = False) -> str:
    """One line saying which sentences a figure counts."""
    parts = ["own voice only (attributed sentences excluded)" if own_voice else "all sentences incl. attributed"]
    parts.append("boilerplate excluded" if exclude_boilerplate else "boilerplate included")
    if min_confidence is not None:
        parts.append(f"top probability ≥ {min_confidence:g}")
    if keep_duplicates:
        parts.append("near-duplicate articles kept")
    else:
        parts.append("near-duplicates counted once" + (" overall" if fold_across_outlets else " per outlet"))
    return "; ".join(parts)


PLOT_KINDS = ("all", "net", "shares", "time")


def stance_figure(labels: pd.DataFrame, kind: str = "all", by: str = "outlet", adjust: str | None = None,
                  model_path=None, **selection) -> tuple[Figure, pd.DataFrame]:
    """Aggregate ``labels`` and draw the requested figure.

    Parameters
    ----------
    labels : DataFrame
        Output of ``stance label``.
    kind : {"all", "net", "shares", "time"}
        ``all`` draws net stance and shares side by side, plus stance over
        time when the sentences span at least two months.
    by : {"outlet", "doc_id"}
        Group of the net-stance and share panels.
    adjust, model_path
        The estimate (default: the aggregation's default method) and the model whose card has the rates.
    **selection
        Options of :func:`stance.results.aggregate.aggregate` (``own_voice``, ``min_confidence``, ...).

    Returns
    -------
    (Figure, DataFrame)
        The figure and the table it shows (the outlet x month table for ``time``).
    """
    from stance.results.aggregate import aggregate

    if kind not in PLOT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(PLOT_KINDS)}, not '{kind}'.")
    note = selection_note(**selection)
    selection = {**selection, "model_path": model_path, **({"adjust": adjust} if adjust else {})}
    if kind == "time":
        table = aggregate(labels, by="outlet-month", **selection)
        return plot_over_time(table), table
    table = aggregate(labels, by=by, **selection)
    if kind == "net":
        return plot_net_stance(table, by, note=note), table
    if kind == "shares":
        return plot_shares(table, by), table
    return outlet_figure(table, by, time_table=monthly_table(labels, **selection), note=note), table


def monthly_table(labels: pd.DataFrame, **selection) -> pd.DataFrame | None:
    """The outlet x month table when the dated sentences span two months or more, else ``None``."""
    from stance.results.aggregate import aggregate

    try:
        table = aggregate(labels, by="outlet-month", **selection)
    except ValueError:  # no dates at all
        return None
    return table if table["month"].nunique() >= 2 else None
