"""Command line: ``stance --help``. A thin layer over the library functions."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from stance.config import DEFAULT_MODEL_PATH, SPLITS_PATH


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stance")
def main() -> None:
    """Sentence-level stance toward security guarantees for Russia.

    Typical flow: train -> evaluate -> label -> aggregate.
    """


@main.command()
@click.option("--data", "data_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="JSONL with 'text' and 'label' (repeatable). Default: the corpus' train+dev splits.")
@click.option("--out", type=click.Path(dir_okay=False), default=str(DEFAULT_MODEL_PATH), show_default=True,
              help="Where to write the model; its card goes beside it.")
@click.option("--cv-folds", type=int, default=5, show_default=True, help="Grouped CV folds for the card (0: skip).")
@click.option("--if-changed", is_flag=True, help="Do nothing if the model was trained on exactly this data.")
@click.option("--embeddings", is_flag=True,
              help="Add MiniLM sentence embeddings (the 'embeddings' extra): same as --design minilm.")
@click.option("--design", default="default", show_default=True,
              help="A named design from stance/model/designs.py (`stance evaluate --report` compares them).")
def train(data_paths, out, cv_folds, if_changed, embeddings, design) -> None:
    """Train the stance model and write it with its JSON card."""
    from stance.model.designs import design_params
    from stance.model.training import train as run_train
    from stance.sentences.embeddings import EmbeddingsNotInstalled

    try:
        params = design_params("minilm" if embeddings else design)
    except KeyError as exc:
        _fail(str(exc))
    try:
        card = run_train(list(data_paths) or None, out=out, cv_folds=cv_folds, if_changed=if_changed, **params)
    except (ValueError, FileNotFoundError, EmbeddingsNotInstalled) as exc:
        _fail(str(exc))
    if card is None:
        click.echo(f"{out} is up to date with its training data")
        return
    counts = card["training_data"]["label_counts"]
    click.echo(f"trained on {card['training_data']['n_sentences']} sentences {counts} -> {out}")
    if "metrics" in card:
        from stance.evaluation.metrics import headline

        metrics = card["metrics"]
        if "grouped_cv" in metrics:
            click.echo(f"grouped CV: {headline(metrics['grouped_cv'])}")
        if "test" in metrics:
            click.echo(f"test split: {headline(metrics['test'])}")
            click.echo(f"leave-one-seed-article-out: {headline(metrics['leave_one_seed_out']['pooled'])}")


@main.command("train-encoder")
@click.option("--out", type=click.Path(file_okay=False), default="models/encoders/minilm-stance", show_default=True,
              help="Folder for encoder.onnx, tokenizer.json, encoder.json and trained_layers.safetensors.")
@click.option("--pairs", type=int, default=1600, show_default=True, help="Sentence pairs of the one training pass.")
@click.option("--frozen-layers", type=int, default=3, show_default=True,
              help="Lower transformer layers (of 6) kept frozen, with the word embeddings.")
@click.option("--eval-every", type=int, default=25, show_default=True, help="Steps between early-stopping checks on dev.")
@click.option("--max-minutes", type=float, default=15, show_default=True,
              help="Stop training after this long (then the best dev checkpoint is kept).")
def train_encoder(out, pairs, frozen_layers, eval_every, max_minutes) -> None:
    """Fine-tune all-MiniLM-L6-v2 on stance pairs (train split) and export it for ONNX Runtime.

    Needs the 'train-encoders' extra (torch, sentence-transformers, onnx). The best
    checkpoint on the authored dev split is kept; `stance train --design minilm-tuned`
    then fits the accurate model on top of it.
    """
    try:
        from stance.sentences.encoder_training import train_encoder as run
    except ImportError as exc:
        _fail(f"{exc}: install the 'train-encoders' extra: pip install -e '.[train-encoders]'")
    record = run(Path(out), n_pairs=pairs, frozen_layers=frozen_layers, eval_every=eval_every, max_minutes=max_minutes,
                 log=lambda line: click.echo(line))
    click.echo(f"best dev macro-F1 {record['best_dev_macro_f1']:.3f} in {record['train_seconds']} s -> {out}")


@main.command()
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False),
              help="JSONL with at least 'text' and 'label'.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=str(DEFAULT_MODEL_PATH),
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--report", is_flag=True,
              help="Run the harness on the annotated corpus: our design and every baseline under grouped CV, "
                   "the test split and leave-one-seed-article-out; write OUT_DIR/evaluation.md and .json.")
@click.option("--tune", is_flag=True, help="Grouped CV of the model's parameter grid on the train split only.")
@click.option("--out-dir", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Where --report writes evaluation.md and evaluation.json.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True,
              help="Grouped CV folds for --report and --tune.")
@click.option("--ensemble", is_flag=True, help="With --report, also spaCy's ensemble TextCategorizer (slow).")
@click.option("--embeddings", is_flag=True,
              help="With --report, also our model with MiniLM embeddings; with --tune, search its embedding weight.")
@click.option("--learning-curve/--no-learning-curve", default=True, show_default=True,
              help="With --report, the learning curve: our design on 1/8..all of the authored documents.")
@click.option("--design", "designs", multiple=True,
              help="With --report, also this named design (repeatable; `all`: every design in stance/model/designs.py).")
def evaluate(data_path, model_path, as_json, report, tune, out_dir, folds, ensemble, embeddings,
             learning_curve, designs) -> None:
    """Score a model on labelled sentences, or run the evaluation harness.

    \b
    --data PATH   score MODEL on PATH: macro-F1, F_avg, per class, confusion;
    --report      the harness (several minutes): see README, "Evaluation";
    --tune        grouped-CV macro-F1 of each grid point, on the train split.
    """
    if report or tune:
        _evaluation_harness(report, tune, out_dir, folds, ensemble, embeddings, as_json, learning_curve, designs)
        return
    if not data_path:
        _fail("give --data PATH (score a model), --report (the evaluation harness) or --tune.")
    from stance.annotations.annotated_corpus import read_jsonl
    from stance.evaluation.metrics import classification_metrics, headline
    from stance.model.card import load_model

    df = read_jsonl(data_path)
    if not {"text", "label"} <= set(df.columns):
        _fail(f"{data_path}: each line needs 'text' and 'label'.")
    model = _load(model_path)
    metrics = classification_metrics(df["label"].tolist(), model.predict(df["text"].tolist()))
    if as_json:
        click.echo(json.dumps(metrics))
        return
    click.echo(headline(metrics))
    for label, m in metrics["per_class"].items():
        click.echo(f"  {label:8s} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} n={m['support']}")
    click.echo(f"confusion (rows true, cols predicted {metrics['confusion']['labels']}):")
    for label, row in zip(metrics["confusion"]["labels"], metrics["confusion"]["matrix"]):
        click.echo(f"  {label:8s} {row}")


def _evaluation_harness(report, tune, out_dir, folds, ensemble, embeddings, as_json, learning_curve=False,
                        designs=()) -> None:
    from stance.evaluation.harness import (PROTOCOLS, evaluation_data, evaluation_models, run_evaluation, tune as run_tune,
                                 tune_embedding_weight)

    log = (lambda line: click.echo(line, err=True))
    corpus, features = evaluation_data()
    output = {}
    if tune:
        search = tune_embedding_weight if embeddings else run_tune
        output["tuning"] = search(corpus, features, n_splits=folds, log=log)
        click.echo(f"best on the train split: {output['tuning']['best']}", err=True)
    if report:
        from stance.evaluation.report import write_reports

        try:
            models = evaluation_models(ensemble=ensemble, embeddings=embeddings, designs=designs)
        except KeyError as exc:
            _fail(str(exc))
        results = run_evaluation(corpus, features, models=models, n_splits=folds, log=log)
        if learning_curve:
            results["learning_curve"] = _learning_curve(corpus, features, out_dir, log)
        md_path, json_path = write_reports(results, out_dir)
        output["models"] = {name: {p: {k: m[p][k] for k in ("macro_f1", "f_avg")} for p in PROTOCOLS if p in m}
                            for name, m in results["models"].items()}
        click.echo(f"wrote {md_path} and {json_path}", err=True)
    if as_json:
        click.echo(json.dumps(output))


def _learning_curve(corpus, features, out_dir, log) -> dict:
    from stance.evaluation.learning_curve import learning_curve, plot_learning_curve
    from stance.evaluation.realdev import RealdevData
    from stance.model.pipeline import build_pipeline

    curve = learning_curve(build_pipeline(), corpus, features, RealdevData.load(), log=log)
    curve["figure"] = plot_learning_curve(curve["summary"], Path(out_dir) / "learning-curve.png").name
    return curve


def _load(model_path):
    from stance.sentences.embeddings import EmbeddingsNotInstalled
    from stance.model.card import ModelIntegrityError, load_model

    try:
        return load_model(model_path)
    except (ModelIntegrityError, FileNotFoundError, EmbeddingsNotInstalled) as exc:
        _fail(str(exc))


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Sentence labels; format from the extension: .parquet, .csv or .jsonl.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=str(DEFAULT_MODEL_PATH),
              show_default=True)
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False),
              help="Rejected articles and warnings, with reasons (default: <out stem>.errors.csv).")
@click.option("--n-process", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores); with --engine dask, LocalCluster workers.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Run chunks on this machine, or on a Dask distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a new LocalCluster).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run of the same command from <out>.parts/.")
@click.option("--quiet", is_flag=True, help="No progress bar (it is also off when stderr is not a terminal).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None,
              help="Input articles per part: the unit of work and of resume.  [default: 32]")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Documents per nlp.pipe batch.  [default: 16]")
def label(inputs, out, model_path, errors_path, n_process, engine, scheduler, resume, quiet, chunk_size,
          batch_size) -> None:
    """Label every sentence of INPUTS (JSONL, CSV, Parquet, .txt files or folders).

    Streams the inputs in chunks, on every core (or a Dask cluster); a killed
    run continues with --resume. Prints a summary line whose labelled and
    rejected counts add up to the articles read.
    """
    from stance.inputs.readers import CorpusError
    from stance.batch.engines import EngineError
    from stance.batch.labeller import DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_SIZE, default_n_process, label_files
    from stance.sentences.embeddings import EmbeddingsNotInstalled
    from stance.model.card import ModelIntegrityError
    from stance.batch.parts import PartsError
    from stance.batch.progress import is_terminal

    if scheduler and engine != "dask":
        _fail("--scheduler needs --engine dask.")
    try:
        summary = label_files(list(inputs), out, model_path=model_path, errors_path=errors_path,
                              n_process=n_process or default_n_process(), engine=engine, scheduler=scheduler,
                              resume=resume, progress=not quiet and is_terminal(),
                              chunk_size=chunk_size or DEFAULT_CHUNK_SIZE, batch_size=batch_size or DEFAULT_BATCH_SIZE)
    except (CorpusError, ValueError, FileNotFoundError, ModelIntegrityError, PartsError, EngineError,
            EmbeddingsNotInstalled) as exc:
        _fail(str(exc))
    click.echo(summary.line(), err=True)


def selection_options(command):
    """The sentence-selection options shared by `aggregate`, `plot` and `report`."""
    options = [
        click.option("--own-voice", is_flag=True, help="Exclude attributed sentences (the outlet's own voice only)."),
        click.option("--min-confidence", type=click.FloatRange(0, 1), default=None,
                     help="Ignore sentences whose top class probability is below this."),
        click.option("--exclude-boilerplate/--include-boilerplate", default=True, show_default=True,
                     help="Drop page furniture (credits, newsletter prompts, navigation)."),
        click.option("--keep-duplicates", is_flag=True,
                     help="Count near-duplicate articles every time (default: once per outlet)."),
        click.option("--fold-across-outlets", is_flag=True,
                     help="Count one story once overall, even when several outlets ran it."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _read_labels(labels_path):
    from stance.batch.labeller import read_table

    try:
        return read_table(labels_path)
    except ValueError as exc:
        _fail(str(exc))


def _echo_dropped(dropped: dict) -> None:
    shown = ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in dropped.items() if n)
    click.echo(f"excluded -- {shown}" if shown else "excluded -- nothing", err=True)


@main.command()
@click.argument("labels_path", metavar="LABELS", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", type=click.Choice(["outlet", "doc_id", "month", "outlet-month"]), default="outlet",
              show_default=True, help="Group by outlet, article, month, or outlet x month (needs dates).")
@selection_options
@click.option("--out", type=click.Path(dir_okay=False), help="Write the table (.csv or .parquet).")
def aggregate(labels_path, by, own_voice, min_confidence, exclude_boilerplate, keep_duplicates,
              fold_across_outlets, out) -> None:
    """Net stance per outlet, article or month, with a 95% interval."""
    from stance.results.aggregate import aggregate as run_aggregate, format_table
    from stance.batch.labeller import write_table

    if out and Path(out).suffix.lower() not in (".csv", ".parquet"):
        _fail(f"{out}: --out must end in .csv or .parquet.")
    try:
        table = run_aggregate(_read_labels(labels_path), by=by, own_voice=own_voice,
                              exclude_boilerplate=exclude_boilerplate, min_confidence=min_confidence,
                              keep_duplicates=keep_duplicates, fold_across_outlets=fold_across_outlets)
    except ValueError as exc:
        _fail(str(exc))
    if out:
        write_table(table, out)
    _echo_dropped(table.attrs["dropped"])
    click.echo(format_table(table))


@main.command()
@click.argument("labels_path", metavar="LABELS", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Figure file: .png, .svg, or .html (a self-contained page with the table).")
@click.option("--kind", type=click.Choice(["all", "net", "shares", "time"]), default="all", show_default=True,
              help="net stance with intervals, label shares, stance per month, or all that apply.")
@click.option("--by", type=click.Choice(["outlet", "doc_id"]), default="outlet", show_default=True)
@selection_options
def plot(labels_path, out, kind, by, **selection) -> None:
    """Plot net stance per outlet (or article) with 95% intervals, label shares, and stance over time."""
    from stance.results.plots import save_figure, selection_note, stance_figure

    try:
        fig, table = stance_figure(_read_labels(labels_path), kind=kind, by=by, **selection)
        save_figure(fig, out, title=f"Stance toward security guarantees for Russia, by {by}",
                    intro=selection_note(**selection), table=table)
    except ValueError as exc:
        _fail(str(exc))
    _echo_dropped(table.attrs["dropped"])
    click.echo(f"{len(table)} groups -> {out}")


@main.command()
@click.argument("sentences", nargs=-1)
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=str(DEFAULT_MODEL_PATH),
              show_default=True)
@click.option("--top", type=click.IntRange(1), default=10, show_default=True, help="Features to show per sentence.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per sentence instead of text.")
@click.option("--article", "doc_id", help="Instead of sentences: write this article's sentences coloured by label.")
@click.option("--labels", "labels_path", type=click.Path(exists=True, dir_okay=False),
              help="Labels table holding --article (output of `stance label`).")
@click.option("--out", type=click.Path(dir_okay=False), help="HTML page to write for --article.")
def explain(sentences, model_path, top, as_json, doc_id, labels_path, out) -> None:
    """Show why the model labels SENTENCES as it does: probabilities and the features behind them.

    With --article DOC_ID --labels LABELS --out PAGE.html, write that article
    with every sentence coloured by its label instead.
    """
    if doc_id is not None:
        _explain_article(doc_id, labels_path, out, sentences)
        return
    if not sentences:
        _fail('give one or more sentences, e.g. stance explain "Russia has legitimate concerns."')
    from stance.results.explain import NotExplainable, explain_sentence, feature_names, linear_model

    model = _load(model_path)
    try:
        linear, names = linear_model(model), feature_names(model)
    except NotExplainable as exc:
        _fail(str(exc))
    for sentence in sentences:
        explanation = explain_sentence(model, sentence, linear=linear, names=names)
        click.echo(json.dumps(explanation.to_dict(top)) if as_json else explanation.to_text(top) + "\n")


def _explain_article(doc_id, labels_path, out, sentences) -> None:
    from stance.results.explain import article_html

    if sentences or not labels_path or not out:
        _fail("--article needs --labels LABELS and --out PAGE.html, and no sentences.")
    try:
        page = article_html(_read_labels(labels_path), doc_id)
    except ValueError as exc:
        _fail(str(exc))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(page, encoding="utf-8")
    click.echo(f"{doc_id} -> {out}")


@main.command()
@click.argument("labels_path", metavar="LABELS", type=click.Path(exists=True, dir_okay=False))
@click.option("--out-dir", type=click.Path(file_okay=False), default="reports", show_default=True)
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=str(DEFAULT_MODEL_PATH),
              show_default=True, help="The model that produced LABELS; the summary quotes its card.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=None,
              help="Ignore sentences whose top class probability is below this.")
@click.option("--exclude-boilerplate/--include-boilerplate", default=True, show_default=True)
@click.option("--keep-duplicates", is_flag=True, help="Count near-duplicate articles every time.")
@click.option("--fold-across-outlets", is_flag=True, help="Count one story once overall.")
def report(labels_path, out_dir, model_path, **selection) -> None:
    """Write per-outlet figures, article pages and summary.md (all sentences and own voice) into --out-dir."""
    from stance.results.report import build_report

    try:
        summary = build_report(_read_labels(labels_path), out_dir, model_path=model_path,
                               labels_name=str(labels_path), **selection)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"report -> {summary}")


@main.group()
def benchmark() -> None:
    """Public benchmarks, trained and scored with the same feature design as the stance model."""


@benchmark.command("semeval")
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--n-jobs", type=int, default=1, show_default=True, help="Workers for the CV fits.")
@click.option("--embeddings/--no-embeddings", default=True, show_default=True,
              help="Include MiniLM sentence embeddings (the 'embeddings' extra) or use n-grams and cues only.")
def benchmark_semeval(data_dir, as_json, n_jobs, embeddings) -> None:
    """SemEval-2016 Task 6, Task A: official F_avg on the 1,249 test tweets (train: trial+training)."""
    from stance.evaluation.semeval import run_semeval
    from stance.sentences.embeddings import EmbeddingsNotInstalled

    try:
        result = run_semeval(data_dir, n_jobs=n_jobs, embeddings=embeddings)
    except (FileNotFoundError, EmbeddingsNotInstalled) as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"SemEval-2016 Task A test: F_avg={result['f_avg']:.4f} (n={result['n_test']}), "
               f"CV F_avg={result['cv_f_avg']:.4f}")
    for target, m in result["per_target"].items():
        click.echo(f"  {target:35s} F_avg={m['f_avg']:.3f} n={m['n']}")


@main.group()
def corpus() -> None:
    """Inspect and validate the annotated corpus."""


@corpus.command("check")
def corpus_check() -> None:
    """Validate labels, texts, ids and splits; exit 1 on any problem."""
    from stance.annotations.annotated_corpus import check_corpus, load_annotations, load_splits

    df = load_annotations()
    problems = check_corpus(df, load_splits(SPLITS_PATH))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    counts = df.groupby(["split", "label"]).size().unstack(fill_value=0)
    click.echo(f"corpus OK: {len(df)} sentences, {df['doc_id'].nunique()} documents\n{counts.to_string()}")


@corpus.command("split")
def corpus_split() -> None:
    """Give every new document a train/dev/test split; existing assignments never change."""
    from stance.annotations.annotated_corpus import assign_splits, load_annotations, load_splits, write_splits

    df = load_annotations(splits_path=None)
    existing = load_splits(SPLITS_PATH) if SPLITS_PATH.exists() else {}
    splits = assign_splits(df, existing)
    write_splits(splits, SPLITS_PATH)
    added = len(splits) - len(existing)
    click.echo(f"{len(splits)} documents in {SPLITS_PATH} ({added} new)")


@corpus.command("dedup")
@click.option("--threshold", type=float, default=0.85, show_default=True,
              help="Cosine of character 3-5-gram TF-IDF vectors at or above which two sentences are near-duplicates.")
@click.option("--apply", "apply_changes", is_flag=True, help="Remove the duplicates from the annotation files.")
def corpus_dedup(threshold, apply_changes) -> None:
    """List authored sentences that near-duplicate an earlier one (seed sentences are never removed)."""
    from stance.annotations.annotated_corpus import duplicate_rows, load_annotations, write_annotations

    df = load_annotations()
    dups = duplicate_rows(df, threshold)
    text = df.set_index("id")["text"]
    for row in dups.itertuples():
        click.echo(f"{row.id} ~ {row.duplicate_of} ({row.cosine:.2f}): {text[row.id][:70]!r}")
    click.echo(f"{len(dups)} near-duplicates at cosine >= {threshold} among {len(df)} sentences")
    if apply_changes and len(dups):
        write_annotations(df[~df["id"].isin(dups["id"])])
        click.echo(f"removed {len(dups)} sentences")


@corpus.command("stats")
def corpus_stats() -> None:
    """Print the datasheet's count tables (Markdown)."""
    from stance.annotations.annotated_corpus import corpus_tables, load_annotations, markdown_table

    for name, table in corpus_tables(load_annotations()).items():
        click.echo(f"\n### by {name}\n\n{markdown_table(table)}")


@corpus.command("agreement")
def corpus_agreement() -> None:
    """Cohen's kappa between the first pass and the independent second pass (corpus/agreement/)."""
    from stance.annotations.agreement import agreement_report
    from stance.annotations.annotated_corpus import load_annotations

    click.echo(json.dumps(agreement_report(load_annotations()), indent=1))


@corpus.command("import-draft")
@click.argument("draft", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True, help="Short name: document ids become au-NAME-<slug>.")
@click.option("--out", type=click.Path(dir_okay=False),
              help="JSONL to write (default corpus/annotations/authored/NAME.jsonl).")
def corpus_import_draft(draft, name, out) -> None:
    """Turn a writer's draft (one line per sentence, see stance/annotations/drafts.py) into annotation JSONL."""
    from stance.annotations.drafts import DraftError, write_draft_annotations
    from stance.config import ANNOTATIONS_DIR

    out = Path(out or ANNOTATIONS_DIR / "authored" / f"{name}.jsonl")
    try:
        records = write_draft_annotations(draft, name, out)
    except DraftError as exc:
        _fail(str(exc))
    docs = len({r["doc_id"] for r in records})
    groups = len({r["pair_id"] for r in records if "pair_id" in r})
    click.echo(f"{len(records)} sentences in {docs} documents ({groups} contrast groups) -> {out}")
    click.echo("next: `stance corpus split` gives the new documents a split, `stance corpus check` validates.")


@corpus.command("variety")
def corpus_variety() -> None:
    """Compare authored text with the seed articles and realdev (length, quotes, neutral share, variety)."""
    from stance.annotations.annotated_corpus import load_annotations, markdown_table
    from stance.annotations.variety import corpus_parts, variety_table
    from stance.evaluation.realdev import load_realdev, realdev_available

    realdev = load_realdev()[0] if realdev_available() else None
    parts = corpus_parts(load_annotations(), realdev)
    reference = "realdev (50 real articles)" if realdev is not None else "seed (5 real articles)"
    table = variety_table(parts, reference).round(3)
    click.echo(markdown_table(table.rename_axis("part")))
    click.echo(f"\ncovers_reference_words: share of the word occurrences of {reference} whose word the part uses.")


@corpus.command("audit")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="JSONL of the flagged rows.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True)
def corpus_audit(out, folds) -> None:
    """Flag likely label errors with cleanlab (out-of-fold probabilities, folds grouped by document)."""
    from stance.evaluation.harness import evaluation_data
    from stance.evaluation.label_audit import label_issues, out_of_fold_probabilities
    from stance.model.pipeline import build_pipeline

    corpus, features = evaluation_data()
    flagged = label_issues(corpus, out_of_fold_probabilities(build_pipeline(), corpus, features, folds))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    flagged.to_json(out, orient="records", lines=True, force_ascii=False)
    by_source = flagged["source"].value_counts().to_dict()
    click.echo(f"{len(flagged)} of {len(corpus)} rows flagged ({by_source}) -> {out}")


@corpus.command("relabel")
@click.argument("decisions", type=click.Path(exists=True, dir_okay=False))
def corpus_relabel(decisions) -> None:
    """Apply adjudicated decisions (JSONL: id, final, optional final_attributed) to the annotation files."""
    from stance.annotations.annotated_corpus import apply_decisions, load_annotations, read_jsonl, write_annotations

    df = load_annotations()
    try:
        updated, changed = apply_decisions(df, read_jsonl(decisions))
    except ValueError as exc:
        _fail(str(exc))
    write_annotations(updated)
    click.echo(f"{changed['label']} labels and {changed['attributed']} attributed flags changed "
               f"({len(read_jsonl(decisions))} decisions)")


@corpus.command("blind-sheet")
@click.option("--file", "files", multiple=True, required=True,
              help="Annotation file name(s) to draw whole documents from (repeatable), e.g. v2-wire.jsonl.")
@click.option("--min-sentences", type=click.IntRange(min=1), default=1200, show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Plain-text sheet to write.")
def corpus_blind_sheet(files, min_sentences, out) -> None:
    """Write documents for an independent second pass: numbered sentences, no labels."""
    from stance.annotations.agreement import blind_sample, blind_sheet
    from stance.annotations.annotated_corpus import load_annotations

    sample = blind_sample(load_annotations(), list(files), min_sentences)
    Path(out).write_text(blind_sheet(sample), encoding="utf-8")
    click.echo(f"{len(sample)} sentences in {sample['doc_id'].nunique()} documents -> {out}")
    click.echo("the annotator answers one line per sentence: DOC_ID SENT_IDX LABEL y|n (attributed)")


@corpus.command("second-pass")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="JSONL to write, e.g. corpus/agreement/second_pass_v2.jsonl.")
def corpus_second_pass(answers, out) -> None:
    """Turn a second annotator's answers into a second-pass file and print its disagreements with the corpus."""
    from stance.annotations.agreement import kappa_table, paired_labels, read_second_pass_answers
    from stance.annotations.annotated_corpus import load_annotations

    corpus = load_annotations()
    try:
        second = read_second_pass_answers(answers, corpus)
    except ValueError as exc:
        _fail(str(exc))
    second.to_json(out, orient="records", lines=True, force_ascii=False)
    pairs = paired_labels(corpus, second)
    click.echo(json.dumps(kappa_table(pairs)))
    click.echo(f"{int((pairs['label_1'] != pairs['label_2']).sum())} label disagreements; {len(second)} rows -> {out}")


@corpus.command("export")
@click.option("--split", "split_names", multiple=True, type=click.Choice(["train", "dev", "test"]),
              help="Splits to export (repeatable; default all).")
@click.option("--source", type=click.Choice(["seed", "authored"]), help="Only seed or only authored sentences.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="JSONL to write.")
def corpus_export(split_names, source, out) -> None:
    """Write annotated sentences as JSONL (input for `stance evaluate` or `stance train --data`)."""
    from stance.annotations.annotated_corpus import load_annotations
    from stance.batch.labeller import write_table

    df = load_annotations()
    if split_names:
        df = df[df["split"].isin(split_names)]
    if source:
        df = df[df["source"] == source]
    write_table(df.drop(columns=["file"]), out)
    click.echo(f"{len(df)} sentences -> {out}")



@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                "help_option_names": []})
@click.argument("bench_args", nargs=-1, type=click.UNPROCESSED)
def bench(bench_args) -> None:
    """Labelling throughput against raw spaCy in the same run (one JSON line).

    Every option is passed to the benchmark (`stance bench --help` lists them):
    --articles N, --processes 1 2, --repeat R, --model PATH, --no-components, ...
    """
    from stance.evaluation.throughput import main as run_throughput

    run_throughput(list(bench_args))


if __name__ == "__main__":
    main()
