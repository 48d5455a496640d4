"""Command line: ``stance --help``. A thin layer over the library functions."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from stance.config import DEFAULT_MODEL_PATH, SPLITS_PATH


def _fail(message: str) -> None:
    raise click.ClickException(message)


def trust_pickle_option(command):
    """``--trust-pickle``, for every command that loads a model."""
    return click.option("--trust-pickle", is_flag=True,
                        help="Allow a legacy .joblib (pickle) model: it can run any code when loaded. "
                             "Only for a file you trust; `stance model convert` makes a safe .skops copy.")(command)


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
@click.option("--cv-folds", type=int, default=5, show_default=True, help="Grouped CV folds for the card (0: skip, and skip the held-out figures and misclassification rates).")
@click.option("--grouped-cv/--no-grouped-cv", default=True, show_default=True,
              help="Grouped CV figures in the card (test, LOSO and realdev figures are kept either way).")
@click.option("--if-changed", is_flag=True, help="Do nothing if the model was trained on exactly this data.")
@click.option("--embeddings", is_flag=True,
              help="Add MiniLM sentence embeddings (the 'embeddings' extra): same as --design minilm.")
@click.option("--design", default="default", show_default=True,
              help="A named design from stance/model/designs.py (`stance evaluate --report` compares them).")
@click.option("--user", "user_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="User annotations (`stance annotate import`) to add, repeatable. "
                   "Default: every file in corpus/annotations/user/.")
@click.option("--no-user", is_flag=True, help="Train without any user annotations.")
@click.option("--user-weight", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Weight of a user-annotated sentence against a corpus one.  [default: 3.0, "
                   "chosen by `stance annotate simulate`]")
def train(data_paths, out, cv_folds, grouped_cv, if_changed, embeddings, design, user_paths, no_user,
          user_weight) -> None:
    """Train the stance model and write it with its JSON card.

    User annotations (their train and dev splits) are added with weight
    --user-weight; the card lists each user file with its sha256 and counts.
    """
    from stance.model.designs import design_params
    from stance.model.training import DEFAULT_USER_WEIGHT, train as run_train
    from stance.sentences.embeddings import EmbeddingsNotInstalled

    if no_user and user_paths:
        _fail("--no-user and --user exclude each other.")
    try:
        params = design_params("minilm" if embeddings else design)
    except KeyError as exc:
        _fail(str(exc))
    try:
        card = run_train(list(data_paths) or None, out=out, cv_folds=cv_folds, if_changed=if_changed,
                         user_paths=[] if no_user else (list(user_paths) or None),
                         user_weight=DEFAULT_USER_WEIGHT if user_weight is None else user_weight, grouped_cv=grouped_cv,
                         **params)
    except (ValueError, FileNotFoundError, EmbeddingsNotInstalled) as exc:
        _fail(str(exc))
    if card is None:
        click.echo(f"{out} is up to date with its training data")
        return
    counts = card["training_data"]["label_counts"]
    click.echo(f"trained on {card['training_data']['n_sentences']} sentences {counts} -> {out}")
    user = card["training_data"].get("user_data")
    if user:
        click.echo(f"of which user annotations: {user['n_trained_on']} sentences (weight {user['weight']:g}) "
                   f"from {', '.join(Path(f['file']).name for f in user['files'])}")
    if "metrics" in card:
        from stance.evaluation.metrics import headline

        metrics = card["metrics"]
        if "grouped_cv" in metrics:
            click.echo(f"grouped CV: {headline(metrics['grouped_cv'])}")
        if "test" in metrics:
            click.echo(f"test split: {headline(metrics['test'])}")
            click.echo(f"leave-one-seed-article-out: {headline(metrics['leave_one_seed_out']['pooled'])}")
        if "user_test" in metrics:
            click.echo(f"user annotations, test split: {headline(metrics['user_test'])}")


@main.command("train-attribution")
@click.option("--out", type=click.Path(dir_okay=False), default="models/attribution.skops", show_default=True)
def train_attribution(out) -> None:
    """Train the attribution classifier (own voice vs reported) on the corpus' annotations; card with kappa."""
    from stance.model.attribution_training import train_attribution as run

    card = run(out)
    for where, k in card["cohen_kappa"].items():
        click.echo(f"{where}: kappa learned {k['learned']:.3f}, rules {k['rules']:.3f} (n={k['n']})")


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
@click.option("--learning-curve", is_flag=True,
              help="The learning curve: our design on 1/8..all of the authored documents (3 draws each), scored "
                   "on LOSO, realdev and grouped CV; writes OUT_DIR/learning-curve.json and .png (--report shows it).")
@click.option("--design", "designs", multiple=True,
              help="With --report, also this named design (repeatable; `all`: every design in stance/model/designs.py).")
@click.option("--user", "user_data", is_flag=True,
              help="Score MODEL on the test split of the user annotations (corpus/annotations/user/), per file.")
@click.option("--quantification", is_flag=True,
              help="Simulation study of the outlet estimates (bias, MAE, interval coverage per --adjust method) for "
                   "MODEL; writes OUT_DIR/quantification.json and its section of OUT_DIR/evaluation.md.")
@click.option("--replicates", type=click.IntRange(min=1), default=20, show_default=True,
              help="With --quantification: replicates of the synthetic outlet grid.")
@trust_pickle_option
def evaluate(data_path, model_path, as_json, report, tune, out_dir, folds, ensemble, embeddings,
             learning_curve, designs, quantification, replicates, user_data, trust_pickle) -> None:
    """Score a model on labelled sentences, or run the evaluation harness.

    \b
    --data PATH   score MODEL on PATH: macro-F1, F_avg, per class, confusion
                  (and per `source`, user annotations apart, when PATH has one);
    --user        score MODEL on the user annotations' test split;
    --report      the harness (several minutes): see README, "Evaluation";
    --tune        grouped-CV macro-F1 of each grid point, on the train split;
    --quantification  the simulation study of adjusted outlet estimates.
    """
    if quantification:
        _quantification_study(model_path, out_dir, replicates, as_json)
        if not (report or tune):
            return
    if learning_curve:
        _learning_curve(out_dir)
        if not (report or tune):
            return
    if report or tune:
        _evaluation_harness(report, tune, out_dir, folds, ensemble, embeddings, as_json, designs)
        return
    if user_data:
        _evaluate_user_data(model_path, as_json)
        return
    if not data_path:
        _fail("give --data PATH (score a model), --user (the user annotations), --report (the evaluation harness) "
              "or --tune.")
    from stance.annotations.annotated_corpus import read_jsonl
    from stance.evaluation.metrics import classification_metrics, headline

    df = read_jsonl(data_path)
    if not {"text", "label"} <= set(df.columns):
        _fail(f"{data_path}: each line needs 'text' and 'label'.")
    model = _load(model_path, trust_pickle)
    predicted = model.predict(df["text"].tolist())
    metrics = classification_metrics(df["label"].tolist(), predicted)
    if "source" in df.columns and df["source"].nunique() > 1:
        metrics["by_source"] = {source: classification_metrics(df.loc[rows, "label"].tolist(), predicted[rows])
                                for source, rows in df.groupby("source").indices.items()}
    if as_json:
        click.echo(json.dumps(metrics))
        return
    click.echo(headline(metrics))
    for source, m in metrics.get("by_source", {}).items():
        click.echo(f"  source {source}: {headline(m)}")
    for label, m in metrics["per_class"].items():
        click.echo(f"  {label:8s} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} n={m['support']}")
    click.echo(f"confusion (rows true, cols predicted {metrics['confusion']['labels']}):")
    for label, row in zip(metrics["confusion"]["labels"], metrics["confusion"]["matrix"]):
        click.echo(f"  {label:8s} {row}")


def _evaluate_user_data(model_path, as_json) -> None:
    """Figures on the user annotations' test split, per file and pooled: apart from the corpus figures."""
    from stance.annotations.user_annotations import load_user_annotations, user_annotation_files
    from stance.evaluation.metrics import classification_metrics, headline

    rows = load_user_annotations(user_annotation_files())
    test = (rows[rows["split"] == "test"] if len(rows) else rows).reset_index(drop=True)
    if not len(test):
        _fail("no user annotations in a test split (corpus/annotations/user/*.jsonl); "
              "import some with `stance annotate import`.")
    predicted = _load(model_path).predict(test["text"].astype(str).tolist())
    result = {"pooled": classification_metrics(test["label"].tolist(), predicted),
              "by_file": {file: classification_metrics(test.loc[idx, "label"].tolist(), predicted[idx])
                          for file, idx in test.groupby("file").indices.items()}}
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"user annotations, test split: {headline(result['pooled'])}")
    for file, m in result["by_file"].items():
        click.echo(f"  {file}: {headline(m)}")


def _evaluation_harness(report, tune, out_dir, folds, ensemble, embeddings, as_json, designs=()) -> None:
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
        from stance.evaluation.learning_curve import LEARNING_CURVE_JSON
        from stance.evaluation.report import read_quantification, read_saved_study, write_reports

        try:
            models = evaluation_models(ensemble=ensemble, embeddings=embeddings, designs=designs)
        except KeyError as exc:
            _fail(str(exc))
        results = run_evaluation(corpus, features, models=models, n_splits=folds, log=log)
        results["learning_curve"] = read_saved_study(out_dir, LEARNING_CURVE_JSON)  # keeps its section
        results["quantification"] = read_quantification(out_dir)  # keeps the simulation section
        from stance.annotation_loop.simulation import load_results

        results["annotation_loop"] = load_results(out_dir)  # saved by `stance annotate simulate`
        md_path, json_path = write_reports(results, out_dir)
        output["models"] = {name: {p: {k: m[p][k] for k in ("macro_f1", "f_avg")} for p in PROTOCOLS if p in m}
                            for name, m in results["models"].items()}
        click.echo(f"wrote {md_path} and {json_path}", err=True)
    if as_json:
        click.echo(json.dumps(output))


def _learning_curve(out_dir) -> None:
    from stance.evaluation.harness import evaluation_data
    from stance.evaluation.learning_curve import write_learning_curve

    corpus, features = evaluation_data()
    json_path = write_learning_curve(corpus, features, out_dir, log=lambda line: click.echo(line, err=True))
    click.echo(f"wrote {json_path} and its figure", err=True)


def _quantification_study(model_path, out_dir, replicates, as_json) -> None:
    from stance.evaluation.quantification import model_pool, study
    from stance.evaluation.report import quantification_section, write_quantification

    from stance.config import ROOT

    pool, prior = model_pool(model_path)
    shown = Path(model_path).resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    result = {"model": str(shown), **study(pool, prior, replicates=replicates,
                                                 log=lambda line: click.echo(line, err=True))}
    md_path, json_path = write_quantification(result, out_dir)
    click.echo(f"wrote {json_path} and its section of {md_path}", err=True)
    click.echo(json.dumps(result) if as_json else "\n".join(quantification_section(result)))


def _load(model_path, trust_pickle: bool = False):
    from stance.sentences.embeddings import EmbeddingsNotInstalled
    from stance.model.card import ModelIntegrityError, load_model

    try:
        return load_model(model_path, trust_pickle=trust_pickle)
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
@click.option("--rule-attribution", is_flag=True,
              help="Fill 'attributed' by the rules, not by the learned classifier (models/attribution.skops).")
@trust_pickle_option
def label(inputs, out, model_path, errors_path, n_process, engine, scheduler, resume, quiet, chunk_size,
          batch_size, rule_attribution, trust_pickle) -> None:
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
                              attribution_path=None if rule_attribution else "auto",
                              n_process=n_process or default_n_process(), engine=engine, scheduler=scheduler,
                              resume=resume, progress=not quiet and is_terminal(),
                              chunk_size=chunk_size or DEFAULT_CHUNK_SIZE, batch_size=batch_size or DEFAULT_BATCH_SIZE,
                              trust_pickle=trust_pickle)
    except (CorpusError, ValueError, FileNotFoundError, ModelIntegrityError, PartsError, EngineError,
            EmbeddingsNotInstalled) as exc:
        _fail(str(exc))
    click.echo(summary.line(), err=True)


def adjust_option(command):
    """--adjust: how shares and net stance are estimated (shared by `aggregate`, `plot` and `report`)."""
    from stance.results.quantify import DEFAULT_METHOD, METHODS

    return click.option("--adjust", type=click.Choice(METHODS), default=DEFAULT_METHOD, show_default=True,
                        help="Estimate: pacc / acc correct the label shares for the classifier's error rates on "
                             "real text (from the model card), sld re-weights its probabilities by EM, cc counts "
                             "labels. The raw counting figures are always kept as *_raw.")(command)


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
@adjust_option
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=str(DEFAULT_MODEL_PATH),
              show_default=True, help="The model that produced LABELS: its card holds the error rates.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the table (.csv or .parquet).")
def aggregate(labels_path, by, own_voice, min_confidence, exclude_boilerplate, keep_duplicates,
              fold_across_outlets, adjust, model_path, out) -> None:
    """Net stance per outlet, article or month, with a 95% interval.

    By default corrected for classifier error (--adjust pacc); the interval
    then covers article sampling and the uncertainty of the error rates.
    """
    from stance.results.aggregate import aggregate as run_aggregate, format_table
    from stance.batch.labeller import write_table
    from stance.model.card import ModelIntegrityError

    if out and Path(out).suffix.lower() not in (".csv", ".parquet"):
        _fail(f"{out}: --out must end in .csv or .parquet.")
    try:
        table = run_aggregate(_read_labels(labels_path), by=by, own_voice=own_voice,
                              exclude_boilerplate=exclude_boilerplate, min_confidence=min_confidence,
                              keep_duplicates=keep_duplicates, fold_across_outlets=fold_across_outlets,
                              adjust=adjust, model_path=model_path)
    except (ValueError, ModelIntegrityError) as exc:
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
@adjust_option
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=str(DEFAULT_MODEL_PATH),
              show_default=True, help="The model that produced LABELS: its card holds the error rates.")
def plot(labels_path, out, kind, by, adjust, model_path, **selection) -> None:
    """Plot net stance per outlet (or article) with 95% intervals, label shares, and stance over time."""
    from stance.model.card import ModelIntegrityError
    from stance.results.plots import save_figure, selection_note, stance_figure
    from stance.results.quantify import method_name

    try:
        fig, table = stance_figure(_read_labels(labels_path), kind=kind, by=by, adjust=adjust,
                                   model_path=model_path, **selection)
        save_figure(fig, out, title=f"Stance toward security guarantees for Russia, by {by} ({method_name(adjust)})",
                    intro=selection_note(**selection), table=table)
    except (ValueError, ModelIntegrityError) as exc:
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
@trust_pickle_option
def explain(sentences, model_path, top, as_json, doc_id, labels_path, out, trust_pickle) -> None:
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

    model = _load(model_path, trust_pickle)
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
@adjust_option
def report(labels_path, out_dir, model_path, **selection) -> None:
    """Write per-outlet figures, article pages and summary.md (all sentences and own voice) into --out-dir."""
    from stance.model.card import ModelIntegrityError
    from stance.results.report import build_report

    try:
        summary = build_report(_read_labels(labels_path), out_dir, model_path=model_path,
                               labels_name=str(labels_path), **selection)
    except (ValueError, ModelIntegrityError) as exc:
        _fail(str(exc))
    click.echo(f"report -> {summary}")


@main.group()
def model() -> None:
    """Inspect and complete trained models."""


@model.command("rates")
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False),
                default=str(DEFAULT_MODEL_PATH))
def model_rates(model_path) -> None:
    """Measure MODEL's misclassification rates on real text and write them into its card.

    Leave-one-seed-article-out (the design refitted without each seed article)
    always, plus ../shared/data/realdev (or $STANCE_REALDEV_DIR) when present.
    `stance train` records the same; this adds them to an existing model.
    """
    from stance.model.rates import add_rates_to_card

    section = add_rates_to_card(model_path)
    for source, counts in section["sources"].items():
        click.echo(f"{source}: {counts['n_sentences']} sentences, {counts['n_articles']} articles")
    click.echo(f"confusion (rows true, cols predicted {section['labels']}): {section['confusion']} -> card of {model_path}")


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
def model() -> None:
    """Model files: list what a file holds, convert legacy pickles."""


@model.command("inspect")
@click.argument("model_path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: types, untrusted types, card.")
def model_inspect(model_path, as_json) -> None:
    """List the types FILE would build (marking untrusted ones) and print its card; loads nothing."""
    from stance.model.card import PICKLE_SUFFIXES, ModelIntegrityError, file_types, read_card, untrusted_types

    path = Path(model_path)
    if path.suffix in PICKLE_SUFFIXES:
        types, untrusted = None, None
    else:
        types, untrusted = file_types(path), untrusted_types(path)
    try:
        card = read_card(path)
    except ModelIntegrityError as exc:
        card = {"error": str(exc)}
    if as_json:
        click.echo(json.dumps({"file": str(path), "types": types, "untrusted": untrusted, "card": card}))
        return
    if types is None:
        click.echo(f"{path}: a pickle; its types cannot be listed without running it (see --trust-pickle).")
    else:
        click.echo(f"{path}: {len(types)} types, {len(untrusted)} untrusted")
        for name in types:
            click.echo(f"  {'UNTRUSTED ' if name in untrusted else ''}{name}")
    click.echo("card:\n" + json.dumps(card, indent=2, ensure_ascii=False))


@model.command("convert")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="The .skops file to write (default: SOURCE with .skops).")
@trust_pickle_option
def model_convert(source, out, trust_pickle) -> None:
    """Re-save a legacy .joblib model and its card as a .skops file (needs --trust-pickle)."""
    from stance.model.card import ModelIntegrityError, convert_pickle_model

    if not trust_pickle:
        _fail(f"{source}: converting means loading the pickle, which can run any code; "
              "pass --trust-pickle if you trust where the file came from.")
    try:
        card = convert_pickle_model(source, out)
    except ModelIntegrityError as exc:
        _fail(str(exc))
    click.echo(f"{source} -> {card['model_file']} (sha256 {card['sha256'][:12]}, card beside it)")


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


@main.group()
def annotate() -> None:
    """Adapt the model to your outlets: select sentences to label, import the labels, measure the loop.

    \b
    One round (`make annotate` prints it):
      stance annotate select LABELS --n 100 --strategy diverse --out tasks.json
      (label tasks.json in Label Studio with `stance annotate config`, export JSON)
      stance annotate import export.json --name my-outlets
      stance train --out models/my-outlets.skops
    """


@annotate.command("select")
@click.argument("labels_path", metavar="LABELS", type=click.Path(exists=True, dir_okay=False))
@click.option("--n", "n", type=click.IntRange(min=1), default=100, show_default=True, help="Sentences to select.")
@click.option("--strategy", type=click.Choice(["uncertainty", "margin", "entropy", "diverse", "random"]),
              default="diverse", show_default=True,
              help="Least confident, smallest top-two margin, highest entropy, entropy spread over "
                   "n-gram clusters and outlets, or a random draw.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Tasks file: .json (Label Studio), .jsonl (Prodigy-style) or .csv.")
@click.option("--format", "fmt", type=click.Choice(["label-studio", "prodigy", "csv"]),
              help="Override the format implied by --out's extension.")
@click.option("--seed", type=int, default=None, help="Random seed (ties, random, diverse clusters).")
def annotate_select(labels_path, n, strategy, out, fmt, seed) -> None:
    """Pick N sentences of LABELS (output of `stance label`) for an annotator, with context and pre-annotation.

    Never two near-identical sentences, and none that near-duplicates a
    sentence already annotated (corpus or user files).
    """
    from stance.annotation_loop.formats import format_for, write_tasks
    from stance.annotation_loop.selection import SELECTION_SEED, select_tasks

    try:
        fmt = format_for(out, fmt)
        tasks = select_tasks(_read_labels(labels_path), n, strategy, exclude=_annotated_texts(),
                             seed=SELECTION_SEED if seed is None else seed)
    except ValueError as exc:
        _fail(str(exc))
    write_tasks(tasks, out, fmt, model_version=_labels_model_version(labels_path))
    click.echo(f"{len(tasks)} tasks ({strategy}) from {labels_path} -> {out} ({fmt})")
    if len(tasks) < n:
        click.echo(f"only {len(tasks)} of {n}: the others near-duplicate a chosen or annotated sentence", err=True)


def _annotated_texts() -> list[str]:
    """Every sentence already annotated: the corpus and the user files."""
    from stance.annotations.user_annotations import load_user_annotations, user_annotation_files
    from stance.annotations.annotated_corpus import load_annotations

    return (load_annotations(splits_path=None)["text"].astype(str).tolist()
            + load_user_annotations(user_annotation_files())["text"].astype(str).tolist())


def _labels_model_version(labels_path) -> str:
    """The model's sha256 prefix from the labels' meta file, to tag the pre-annotations."""
    meta = Path(str(labels_path) + ".meta.json")  # written by `stance label`
    try:
        return "stance-" + json.loads(meta.read_text(encoding="utf-8"))["model_sha256"][:12]
    except (FileNotFoundError, KeyError, TypeError, json.JSONDecodeError):
        return "stance"


@annotate.command("import")
@click.argument("export", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True, help="Short name: writes corpus/annotations/user/NAME.jsonl.")
@click.option("--format", "fmt", type=click.Choice(["label-studio", "prodigy", "csv"]),
              help="Override the format implied by the extension (.json, .jsonl, .csv).")
@click.option("--rejected", "rejected_path", type=click.Path(dir_okay=False),
              help="Also write the rejected rows with their reason (CSV).")
@click.option("--replace", is_flag=True, help="Overwrite an existing NAME.jsonl.")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None,
              help="Where NAME.jsonl goes.  [default: corpus/annotations/user]")
def annotate_import(export, name, fmt, rejected_path, replace, out_dir) -> None:
    """Check every row of a Label Studio, Prodigy-style or CSV export and write the good ones as user annotations.

    Rejected rows (unknown or missing label, empty text, duplicates within
    the export or of an annotated sentence, skipped tasks) are listed with
    their reason; the rest is imported. Each document's sentences share a split.
    """
    from stance.annotation_loop.importing import import_export

    try:
        result = import_export(export, name, fmt, known_texts=_corpus_texts(), replace=replace, out_dir=out_dir)
    except ValueError as exc:
        _fail(str(exc))
    for row in result["rejected"]:
        click.echo(f"rejected {row['location']}: {row['reason']}", err=True)
    if rejected_path and result["rejected"]:
        import pandas as pd

        pd.DataFrame(result["rejected"]).to_csv(rejected_path, index=False)
    records = result["records"]
    splits = {s: sum(r["split"] == s for r in records) for s in ("train", "dev", "test")}
    target = result["out"] or "nothing written"
    click.echo(f"{len(records)} imported, {len(result['rejected'])} rejected -> {target} (splits {splits})")
    if not records:
        sys.exit(1)


def _corpus_texts() -> list[str]:
    from stance.annotations.annotated_corpus import load_annotations

    return load_annotations(splits_path=None)["text"].astype(str).tolist()


@annotate.command("simulate")
@click.option("--pool", required=True,
              help="Labelled sentences to simulate on: `seed` (the corpus' seed articles), a folder with "
                   "sentences.jsonl (e.g. ../shared/data/realdev) or a JSONL with text, label, doc_id.")
@click.option("--name", help="Name of the result (default: seed, the folder's or the file's name).")
@click.option("--strategy", "strategies", multiple=True,
              type=click.Choice(["uncertainty", "margin", "entropy", "diverse", "random"]),
              help="Repeatable.  [default: uncertainty, diverse, random]")
@click.option("--user-weight", "user_weights", multiple=True, type=click.FloatRange(min=0, min_open=True),
              help="Weight of the simulated user labels; repeatable to compare.  [default: stance train's]")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True,
              help="Folds of pool documents (fewer documents: one per fold).")
@click.option("--round-size", type=click.IntRange(min=1), default=25, show_default=True)
@click.option("--max-labels", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--n-jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Folds run in parallel.")
@click.option("--out-dir", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Writes annotation-loop-NAME.json, annotation-loop.png and the section of evaluation.md.")
def annotate_simulate(pool, name, strategies, user_weights, folds, round_size, max_labels, n_jobs, out_dir) -> None:
    """Measure the loop: rounds of labels from a simulated annotator (the pool's gold), strategy against random.

    Slow on a big pool (one model fit per round, strategy, weight and fold).
    Nothing fitted is saved: only the figures.
    """
    from threadpoolctl import threadpool_limits

    from stance.annotation_loop.simulation import (SIMULATED_STRATEGIES, base_rows, load_results, plot_curves,
                                                   read_pool, replace_section, simulate, write_result)
    from stance.evaluation.harness import evaluation_data, featurize_corpus
    from stance.evaluation.report import ANNOTATION_LOOP_FIGURE, REPORT_NAME, annotation_loop_section
    from stance.model.pipeline import build_pipeline
    from stance.model.training import DEFAULT_USER_WEIGHT

    log = (lambda line: click.echo(line, err=True))
    corpus, features = evaluation_data()
    try:
        pool_rows = read_pool(pool, corpus)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    if pool == "seed":
        pool_X = features[(corpus["source"] == "seed").to_numpy()]
    else:
        pool_X = featurize_corpus(pool_rows["text"].astype(str).tolist())
    base = base_rows(corpus, pool_rows)
    with threadpool_limits(limits=1):
        result = simulate(build_pipeline(), features[base].reset_index(drop=True), corpus.loc[base, "label"],
                          pool_rows, pool_X, strategies or SIMULATED_STRATEGIES,
                          user_weights or (DEFAULT_USER_WEIGHT,), folds, round_size, max_labels, n_jobs, log)
    name = name or (pool if pool == "seed" else Path(pool).name if Path(pool).is_dir() else Path(pool).stem)
    result["pool"] = name
    path = write_result(result, name, out_dir)
    simulations = load_results(out_dir)
    plot_curves(simulations, Path(out_dir) / ANNOTATION_LOOP_FIGURE)
    report = Path(out_dir) / REPORT_NAME
    if report.exists():
        report.write_text(replace_section(report.read_text(encoding="utf-8"), annotation_loop_section(simulations)),
                          encoding="utf-8")
    click.echo(f"wrote {path}, {Path(out_dir) / ANNOTATION_LOOP_FIGURE}"
               + (f" and the annotation-loop section of {report}" if report.exists() else ""))


@annotate.command("config")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the config here instead of printing it.")
def annotate_config(out) -> None:
    """The shipped Label Studio labelling config (pro/anti/neutral, attributed, context greyed)."""
    from stance.annotation_loop.formats import label_studio_config

    if out:
        Path(out).write_text(label_studio_config(), encoding="utf-8")
        click.echo(f"Label Studio config -> {out}")
    else:
        click.echo(label_studio_config(), nl=False)


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
