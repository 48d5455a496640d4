"""``stance report``: figures and a short Markdown summary of per-outlet stance.

Writes into one folder:

* ``outlets.png`` -- net stance per outlet with 95% intervals, label shares,
  and stance per month when the articles span two months or more;
* ``outlets-own-voice.png`` -- the same, counting only the outlets' own voice;
* ``articles/<doc_id>.html`` -- for each outlet, its article with the most
  stance-taking sentences, every sentence coloured by label;
* ``summary.md`` -- what was counted, the model, a table, one sentence per
  outlet saying which way it leans and how sure that is, and the caveats.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from stance.results.aggregate import aggregate
from stance.results.explain import article_html
from stance.model.card import card_path
from stance.results.plots import TOPIC, estimate_name, monthly_table, outlet_figure, save_figure, selection_note

SUMMARY_NAME = "summary.md"
FIGURE_NAME = "outlets.png"
OWN_VOICE_FIGURE_NAME = "outlets-own-voice.png"


def lean(row) -> str:
    """Which way a group leans, judged by whether its 95% interval excludes 0."""
    if row["net_low"] > 0:
        return "leans pro"
    if row["net_high"] < 0:
        return "leans anti"
    return "no clear lean (the interval includes 0)"


def reading(table: pd.DataFrame, key: str = "outlet") -> list[str]:
    """One Markdown bullet per group, most pro first."""
    rows = table.sort_values("net_stance", ascending=False).to_dict("records")
    return [f"- **{row[key]}**: {lean(row)}. Net stance {signed(row['net_stance'])} (95% interval "
            f"{signed(row['net_low'])} to {signed(row['net_high'])}){_raw_note(row)}, {row['n_pro']} pro and "
            f"{row['n_anti']} anti of {row['n_sentences']} sentences in {_articles(row['n_articles'])}." for row in rows]


def _raw_note(row) -> str:
    """The raw count beside a corrected estimate."""
    if row.get("method", "cc") == "cc":
        return ""
    return f"; {row['method'].upper()}, raw count {signed(row['net_stance_raw'])}"


def signed(value: float) -> str:
    """``+0.42`` style, without a ``-0.00`` for tiny negatives."""
    return f"{round(float(value), 2) + 0.0:+.2f}"


def _articles(n: int) -> str:
    return "1 article" if n == 1 else f"{n} articles"


def markdown_table(table: pd.DataFrame, key: str = "outlet") -> str:
    """A GitHub-flavoured Markdown table of an aggregate, most pro first."""
    raw = "net_stance_raw" in table
    header = f"| {key} | articles | sentences | pro | anti | neutral | net stance | 95% interval |"
    header += " method | raw net stance | raw 95% interval |" if raw else ""
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---|" + ("---|---:|---|" if raw else "")]
    for row in table.sort_values("net_stance", ascending=False).to_dict("records"):
        line = (f"| {_cell(row[key])} | {row['n_articles']} | {row['n_sentences']} | {row['n_pro']} | "
                f"{row['n_anti']} | {row['n_neutral']} | {signed(row['net_stance'])} | "
                f"{signed(row['net_low'])} to {signed(row['net_high'])} |")
        if raw:
            line += (f" {row['method']} | {signed(row['net_stance_raw'])} | "
                     f"{signed(row['net_low_raw'])} to {signed(row['net_high_raw'])} |")
        lines.append(line)
    return "\n".join(lines)


def _cell(value) -> str:
    return str(value).replace("|", "\\|")


def model_line(model_path: str | Path | None) -> str:
    """What the model card says about the model: file hash, training data, grouped-CV figures."""
    if model_path is None:
        return "Model: not given."
    card_file = card_path(model_path)
    if not card_file.exists():
        return f"Model: `{model_path}` (no card found)."
    card = json.loads(card_file.read_text(encoding="utf-8"))
    data = card.get("training_data", {})
    line = (f"Model: `{model_path}` (sha256 `{card.get('sha256', '?')[:12]}`), trained on "
            f"{data.get('n_sentences', '?')} sentences from {data.get('n_documents', '?')} documents")
    cv = card.get("metrics", {}).get("grouped_cv")
    if cv:
        line += (f"; grouped {cv['folds']}-fold cross-validation by document: macro-F1 {cv['macro_f1']:.2f}, "
                 f"F1 pro {cv['per_class']['pro']['f1']:.2f}, F1 anti {cv['per_class']['anti']['f1']:.2f}")
    return line + "."


def example_articles(labels: pd.DataFrame) -> list[tuple[str, str]]:
    """Per outlet, ``(outlet, doc_id)`` of its article with the most pro + anti sentences (ties: first doc_id)."""
    stance = labels[labels["label"].isin(["pro", "anti"])]
    counts = stance.groupby(["outlet", "doc_id"]).size().rename("n").reset_index()
    counts = counts.sort_values(["outlet", "n", "doc_id"], ascending=[True, False, True])
    first = counts.drop_duplicates("outlet")
    return list(zip(first["outlet"], first["doc_id"]))


def write_article_pages(labels: pd.DataFrame, folder: Path) -> list[tuple[str, Path]]:
    """One coloured HTML page per example article; returns ``(outlet, path)`` pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for outlet, doc_id in example_articles(labels):
        path = folder / f"{doc_id}.html"
        path.write_text(article_html(labels, doc_id), encoding="utf-8")
        pages.append((outlet, path))
    return pages


def caveats(table: pd.DataFrame) -> list[str]:
    """Limits a reader must know, derived from the table itself."""
    notes = []
    single = int((table["n_articles"] == 1).sum())
    if single:
        notes.append(f"- {single} of {len(table)} outlets are represented by a single article. Their interval "
                     "describes the sentences of that article only: it says nothing about the outlet's other "
                     "articles.")
    if "method" in table and (table["method"] != "cc").any():
        notes.append(f"- Estimates are corrected for classifier error ({estimate_name(table)}) with the error rates "
                     "the model card measured on real text; the interval covers article sampling and the "
                     "uncertainty of those rates (articles resampled, rates drawn). It does not cover annotation "
                     "disagreement or text unlike the card's (topic drift). The raw count of predicted labels is "
                     "kept beside it (`raw` columns, grey markers, right-hand panel).")
    else:
        notes.append("- Intervals count the article as the unit (cluster bootstrap over articles) and are never "
                     "narrower than if every sentence were independent; they cover sampling, not classifier error. "
                     "A misread sentence moves the estimate without widening the interval.")
    notes.append("- Net stance ignores neutral sentences; see the shares panel for how much of each outlet "
                 "takes a side at all.")
    return notes


def build_report(labels: pd.DataFrame, out_dir: str | Path, model_path: str | Path | None = None,
                 labels_name: str = "labels", adjust: str | None = None, **selection) -> Path:
    """Write the figures, article pages and ``summary.md`` into ``out_dir``; return the summary's path.

    Parameters
    ----------
    labels : DataFrame
        Output of ``stance label``.
    out_dir : str or Path
        Folder to write into (created if needed).
    model_path : str or Path, optional
        The model that produced ``labels``; its card is quoted.
    labels_name : str
        How the summary names the labels file.
    adjust : str, optional
        The estimate (``--adjust``); default: the aggregation's default method, with ``model_path``'s rates.
    **selection
        Options of :func:`stance.results.aggregate.aggregate` (``min_confidence``, ``keep_duplicates``, ...);
        ``own_voice`` is not one of them: the report shows both views.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    note, own_note = selection_note(**selection), selection_note(own_voice=True, **selection)
    selection = {**selection, "model_path": model_path, **({"adjust": adjust} if adjust else {})}
    table = aggregate(labels, by="outlet", **selection)
    own = aggregate(labels, by="outlet", own_voice=True, **selection)
    save_figure(outlet_figure(table, time_table=monthly_table(labels, **selection), note=note), out_dir / FIGURE_NAME)
    save_figure(outlet_figure(own, note=own_note), out_dir / OWN_VOICE_FIGURE_NAME)
    pages = write_article_pages(labels, out_dir / "articles")
    summary = out_dir / SUMMARY_NAME
    summary.write_text(summary_markdown(table, own, labels_name, model_path, note, pages, out_dir), encoding="utf-8")
    return summary


def summary_markdown(table: pd.DataFrame, own: pd.DataFrame, labels_name: str, model_path, note: str,
                     pages: list[tuple[str, Path]], out_dir: Path) -> str:
    """The text of ``summary.md``."""
    dropped = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in table.attrs.get("dropped", {}).items() if n)
    page_links = ", ".join(f"[{outlet} ({p.stem})]({p.relative_to(out_dir).as_posix()})" for outlet, p in pages)
    parts = [
        f"# Stance toward {TOPIC}, per outlet",
        f"Written by `stance report` from `{labels_name}`: {int(table['n_articles'].sum())} articles, "
        f"{int(table['n_sentences'].sum())} sentences counted from {len(table)} outlets. {model_line(model_path)}",
        f"Counted: {note}." + (f" Excluded: {dropped}." if dropped else ""),
        f"![Net stance per outlet with 95% intervals, and label shares]({FIGURE_NAME})",
        "## What each outlet says", "\n".join(reading(table)),
        markdown_table(table),
        "## Own voice only",
        "The same count without sentences that report someone else's words or position.",
        f"![Net stance per outlet, own voice only]({OWN_VOICE_FIGURE_NAME})",
        "\n".join(reading(own)),
        "## Read the articles",
        f"One article per outlet, every sentence coloured by its label: {page_links}.",
        "## Caveats", "\n".join(caveats(table)),
    ]
    return "\n\n".join(parts) + "\n"
