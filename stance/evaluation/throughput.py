"""``make bench``: end-to-end labelling throughput against raw spaCy, in one run, on the same text.

Builds a synthetic corpus (JSONL) from the annotated corpus' sentences, then,
each in a fresh subprocess whose peak memory is sampled:

* ``raw N``  -- ``nlp.pipe(texts, n_process=N)`` with exactly the spaCy
  pipeline the labeller runs (:func:`stance.sentences.spacy_pipeline.build_nlp`: the trained
  ``tok2vec, tagger, parser, attribute_ruler, lemmatizer`` and the project's
  two components), docs thrown away; for one process also with the trained
  components alone (``raw_trained_only``);
* ``label N`` -- ``stance label corpus.jsonl --n-process N --quiet``: reading,
  the project's spaCy components, features, classifier, parts, merge.

It prints one JSON line: words/s and sentences/s of ``label``, the same
throughput of ``raw``, their ratio, the 1 -> 2 process speed-up, peak RSS
(whole process tree), and a component study on a sample (what each spaCy
component costs, and whether the features change without it). Progress
goes to stderr. Timings depend on what else runs on the machine; the load
average is reported with them, and so are CPU seconds, which depend on it less.

Usage: ``stance bench [--articles N] [--processes 1 2] [--repeat R] [--batch-size B] [--chunk-size C]``;
``--articles 10000 --processes 2 --no-raw --no-components`` checks memory at ten times the default size.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import psutil

DEFAULT_ARTICLES = 1000  # about 600k words: worker start-up (a few seconds) is then a small share
SAMPLE_ARTICLES = 40  # for the component study
SEED = 13


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def build_corpus(path: Path, n_articles: int, seed: int = SEED) -> dict:
    """Write ``n_articles`` synthetic articles of corpus sentences as JSONL; return their size.

    Articles have 5-11 paragraphs of 2-6 sentences, the shape of a news or
    opinion piece (about 3,800 characters, 620 words on average).
    """
    from stance.annotations.annotated_corpus import load_annotations

    sentences = load_annotations()["text"].tolist()
    rng = random.Random(seed)
    words = chars = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n_articles):
            paragraphs = [" ".join(rng.choices(sentences, k=rng.randint(2, 6))) for _ in range(rng.randint(5, 11))]
            text = "\n\n".join(paragraphs)
            words += len(text.split())
            chars += len(text)
            fh.write(json.dumps({"doc_id": f"bench-{i:07d}", "outlet": f"outlet-{i % 7}", "text": text}) + "\n")
    return {"articles": n_articles, "words": words, "chars": chars}


def corpus_texts(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["text"]


class ProcessTree:
    """Sample a process and all its descendants every ``every`` seconds: peak RSS, CPU seconds.

    CPU time is the sum over every process seen of its last sampled user +
    system time (it misses at most ``every`` seconds per process). Resource
    usage of waited-for children would miss workers forked from a forkserver,
    which the process that started them never waits for.
    """

    def __init__(self, pid: int, every: float = 0.1):
        self.root, self.every = psutil.Process(pid), every
        self.peak_total = self.peak_main = 0
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root] + self.root.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            rss = [self._sample(process) for process in processes]
            self.peak_main, self.peak_total = max(self.peak_main, rss[0]), max(self.peak_total, sum(rss))
            self._stop.wait(self.every)

    def _sample(self, process: psutil.Process) -> int:
        try:
            with process.oneshot():
                times, rss = process.cpu_times(), process.memory_info().rss
        except psutil.NoSuchProcess:
            return 0
        self._cpu[process.pid] = times.user + times.system
        return rss

    def __enter__(self) -> "ProcessTree":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measure(command: list[str]) -> dict:
    """Run ``command``; its wall time, CPU time (with all its descendants) and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with ProcessTree(process.pid) as tree:
        stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}... failed:\n{stderr}")
    return {"wall_s": wall, "cpu_s": tree.cpu_seconds, "peak_rss_mib": tree.peak_total / 2**20,
            "peak_rss_main_mib": tree.peak_main / 2**20, "stdout": stdout}


def raw_spacy(corpus: Path, batch_size: int, n_process: int, pipeline: str) -> dict:
    """Raw ``nlp.pipe`` over the corpus; runs inside the ``--raw`` subprocess.

    ``pipeline`` is ``"stance"`` (the labeller's own ``nlp``) or ``"trained"``
    (the trained components it loads, without the project's two).
    """
    import spacy

    from stance.config import spacy_model_name
    from stance.sentences.spacy_pipeline import UNUSED_COMPONENTS, build_nlp

    if pipeline == "stance":
        nlp = build_nlp()
    else:
        nlp = spacy.load(spacy_model_name(), exclude=list(UNUSED_COMPONENTS))
    started = time.perf_counter()
    n_docs = sum(1 for _ in nlp.pipe(corpus_texts(corpus), batch_size=batch_size, n_process=n_process))
    return {"seconds": time.perf_counter() - started, "docs": n_docs, "components": nlp.pipe_names}


def run_raw(corpus: Path, batch_size: int, n_process: int, pipeline: str = "stance") -> dict:
    result = measure([sys.executable, "-m", "stance.evaluation.throughput", "--raw", str(corpus), "--pipeline", pipeline,
                      "--batch-size", str(batch_size), "--n-process", str(n_process)])
    stdout = result.pop("stdout")
    return {**result, **json.loads(stdout.strip().splitlines()[-1])}


def run_label(corpus: Path, workdir: Path, n_process: int, args) -> dict:
    out = workdir / f"labels-{n_process}.parquet"
    command = [sys.executable, "-m", "stance", "label", str(corpus), "--out", str(out), "--quiet",
               "--n-process", str(n_process), "--batch-size", str(args.batch_size), "--chunk-size",
               str(args.chunk_size)]
    if args.model:
        command += ["--model", str(args.model)]
    result = measure(command)
    result.pop("stdout")
    meta = json.loads(out.with_name(out.name + ".meta.json").read_text(encoding="utf-8"))
    return {**result, "seconds": meta["seconds"], "sentences": meta["n_sentences"], "labelled": meta["n_labelled"],
            **_digests(out)}


# Rows identical in everything but the probabilities' last bits: the MiniLM model's torch
# arithmetic depends on which sentences share a batch (differences near 1e-7).
LABEL_KEY = ["doc_id", "sent_idx", "label"]


def _digests(path: Path) -> dict:
    """``rows_sha`` over every column and ``labels_sha`` over :data:`LABEL_KEY`, from one read."""
    import hashlib

    import pandas as pd

    frame = pd.read_parquet(path)
    digest = lambda f: hashlib.sha256(pd.util.hash_pandas_object(f, index=False).values.tobytes()).hexdigest()[:16]  # noqa: E731
    return {"rows_sha": digest(frame), "labels_sha": digest(frame[LABEL_KEY])}


def component_study(texts: list[str], batch_size: int, model_path: Path | None) -> dict:
    """CPU seconds per component on ``texts``, and whether the feature rows change without it."""
    from stance.sentences.spacy_pipeline import build_nlp

    nlp = build_nlp()
    cost = _component_cpu(nlp, texts, batch_size, model_path)
    baseline = _feature_rows(nlp, texts, batch_size)
    variants = {
        "with ner (dropped by default)": _variant(exclude=["senter"]),
        "without lemmatizer": _variant(exclude=["ner", "senter", "lemmatizer"]),
        "without attribute_ruler": _variant(exclude=["ner", "senter", "attribute_ruler"]),
        "senter instead of parser": _variant(exclude=["ner", "parser"], enable=["senter"]),
    }
    study = {}
    for name, variant in variants.items():
        started = time.process_time()
        with warnings.catch_warnings():  # spaCy warns that lemmas lack POS without the attribute_ruler: the point
            warnings.simplefilter("ignore")
            rows = _feature_rows(variant, texts, batch_size)
        seconds = time.process_time() - started
        study[name] = {"cpu_s": round(seconds, 2), "cpu_vs_default": round(seconds / cost["total"], 2),
                       "feature_rows_unchanged": _share_equal(rows, baseline)}
    return {"sample_articles": len(texts), "cpu_s_per_component": {k: round(v, 2) for k, v in cost.items()},
            "variants": study}


def _variant(exclude: list[str], enable: tuple = ()):
    """The labeller's pipeline with other spaCy components (as :func:`stance.sentences.spacy_pipeline.build_nlp` builds it)."""
    import spacy

    from stance.config import spacy_model_name

    nlp = spacy.load(spacy_model_name(), exclude=exclude)
    for name in enable:
        nlp.enable_pipe(name)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("stance_paragraphs", before="parser")
    else:  # senter overwrites every boundary, so line breaks go in after it
        nlp.add_pipe("stance_paragraphs", after="senter")
    nlp.add_pipe("stance_sentence_features", last=True)
    return nlp


def _component_cpu(nlp, texts: list[str], batch_size: int, model_path: Path | None) -> dict:
    """Run the pipeline one component at a time over all texts, timing each (CPU seconds)."""
    docs = [nlp.make_doc(text) for text in texts]
    cost = {}
    for name, component in nlp.pipeline:
        started = time.process_time()
        docs = list(component.pipe(docs, batch_size=batch_size)) if hasattr(component, "pipe") \
            else [component(doc) for doc in docs]
        cost[name] = time.process_time() - started
    started = time.process_time()
    rows = [r for doc in docs for r in _rows(doc)]
    cost["sentence rows"] = time.process_time() - started
    cost["classifier"] = _classifier_cpu(rows, model_path)
    cost["total"] = sum(cost.values())
    return cost


def _classifier_cpu(rows: list[dict], model_path: Path | None) -> float:
    import pandas as pd

    from stance.model.card import load_model

    model = load_model(model_path)
    frame = pd.DataFrame(rows)
    started = time.process_time()
    model.predict_proba(frame)
    return time.process_time() - started


def _rows(doc) -> list[dict]:
    from stance.sentences.spacy_pipeline import content_sentences, sentence_row

    return [sentence_row(span) for span in content_sentences(doc)]


def _feature_rows(nlp, texts: list[str], batch_size: int) -> list[dict]:
    return [row for doc in nlp.pipe(texts, batch_size=batch_size) for row in _rows(doc)]


def _share_equal(rows: list[dict], baseline: list[dict]) -> float:
    """Share of the baseline's sentence rows that ``rows`` reproduces exactly (as a multiset)."""
    from collections import Counter

    key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
    found = Counter(map(key, rows))
    kept = sum(min(n, found[k]) for k, n in Counter(map(key, baseline)).items())
    return round(kept / max(1, len(baseline)), 4)


def run_bench(args) -> dict:
    workdir = args.workdir
    corpus = workdir / "corpus.jsonl"
    size = build_corpus(corpus, args.articles)
    log(f"corpus: {size['articles']} articles, {size['words']} words in {corpus}")
    loads = [os.getloadavg()[0]]
    raw, labelled, trained = {}, {}, {}
    for round_ in range(args.repeat):
        for n in args.processes:  # raw and label alternate, so drifting machine load hits both alike
            log(f"round {round_ + 1}/{args.repeat}: raw nlp.pipe and stance label, {n} process(es)")
            if not args.no_raw:
                _keep_best(raw, n, run_raw(corpus, args.batch_size, n))
            _keep_best(labelled, n, run_label(corpus, workdir, n, args))
            if n == 1 and not args.no_raw:
                _keep_best(trained, n, run_raw(corpus, args.batch_size, 1, pipeline="trained"))
            loads.append(os.getloadavg()[0])
    result = summarise(size, raw, labelled, args)
    if trained:
        result["raw_trained_only_words_per_s"] = round(size["words"] / trained[1]["seconds"])
        result["ratio_vs_raw_trained_only_cpu"] = round(trained[1]["cpu_s"] / labelled[1]["cpu_s"], 3)
    result["load_avg_1min"] = [round(min(loads), 2), round(max(loads), 2)]
    if not args.no_components:
        log("component study")
        texts = list(corpus_texts(corpus))[:SAMPLE_ARTICLES]
        result["components"] = component_study(texts, args.batch_size, args.model)
    result["cores"] = psutil.cpu_count(logical=True)
    return result


def _keep_best(best: dict, n: int, run: dict) -> None:
    """Keep, per process count, the fastest run (least disturbed by other work) and the lowest CPU time."""
    if n not in best:
        best[n] = run
        return
    if run.get("labels_sha", "") != best[n].get("labels_sha", ""):
        raise RuntimeError("two runs of the same configuration wrote different labels")
    cpu_s = min(best[n]["cpu_s"], run["cpu_s"])
    peak = max(best[n]["peak_rss_mib"], run["peak_rss_mib"])
    if run["seconds"] < best[n]["seconds"]:
        best[n] = run
    best[n].update(cpu_s=cpu_s, peak_rss_mib=peak)


def summarise(size: dict, raw: dict, labelled: dict, args) -> dict:
    words = size["words"]
    result = {"articles": size["articles"], "words": words, "batch_size": args.batch_size,
              "chunk_size": args.chunk_size, "repeat": args.repeat, "processes": {}}
    for n, run in labelled.items():
        figures = {
            "words_per_s": round(words / run["seconds"]),
            "sentences_per_s": round(run["sentences"] / run["seconds"]),
            "label_s": round(run["seconds"], 2), "label_cpu_s": round(run["cpu_s"], 2),
            "peak_rss_mib": round(run["peak_rss_mib"]), "peak_rss_main_mib": round(run["peak_rss_main_mib"]),
            "rows_sha": run["rows_sha"],
        }
        if n in raw:
            base = raw[n]
            figures.update({
                "raw_spacy_words_per_s": round(words / base["seconds"]),
                "ratio_vs_raw": round(base["seconds"] / run["seconds"], 3),
                "ratio_vs_raw_cpu": round(base["cpu_s"] / run["cpu_s"], 3),
                "raw_s": round(base["seconds"], 2), "raw_cpu_s": round(base["cpu_s"], 2),
                "raw_peak_rss_mib": round(base["peak_rss_mib"]),
            })
        result["processes"][n] = figures
    if 1 in labelled and 2 in labelled:
        result["speedup_1_to_2"] = round(labelled[1]["seconds"] / labelled[2]["seconds"], 3)
        result["same_rows_1_and_2"] = labelled[1]["rows_sha"] == labelled[2]["rows_sha"]
        result["same_labels_1_and_2"] = labelled[1]["labels_sha"] == labelled[2]["labels_sha"]
    if 1 in raw and 2 in raw:
        result["raw_speedup_1_to_2"] = round(raw[1]["seconds"] / raw[2]["seconds"], 3)
    result["peak_rss_mib"] = max(run["peak_rss_mib"] for run in result["processes"].values())
    return result


def parse_args(argv=None):
    from stance.batch.labeller import DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_SIZE

    parser = argparse.ArgumentParser(prog="stance bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="synthetic articles to label")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="process counts to run")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    parser.add_argument("--model", type=Path, help="model to label with (default: models/stance.skops)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the fastest run of each kind is kept")
    parser.add_argument("--no-components", action="store_true", help="skip the component study")
    parser.add_argument("--keep", action="store_true", help="keep the corpus and outputs (path on stderr)")
    parser.add_argument("--no-raw", action="store_true", help="label only (e.g. to check memory at 10x size)")
    parser.add_argument("--raw", type=Path, help=argparse.SUPPRESS)  # internal: the raw-spaCy subprocess
    parser.add_argument("--n-process", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--pipeline", choices=["stance", "trained"], default="stance", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.raw:
        print(json.dumps(raw_spacy(args.raw, args.batch_size, args.n_process, args.pipeline)))
        return
    args.workdir = Path(tempfile.mkdtemp(prefix="stance-bench-"))
    try:
        result = run_bench(args)
    finally:
        if not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
