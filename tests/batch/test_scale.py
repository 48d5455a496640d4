"""Labelling at scale: SIGKILL at any moment then --resume, worker processes, a Dask cluster.

Each run is compared with one uninterrupted in-process run on the same
inputs: the rows and the errors file must be exactly equal, so no article is
duplicated or lost whatever happened in between.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from stance.batch import parts
from stance.batch.labeller import label_files, read_table
from tests.conftest import write_jsonl
from tests.batch.test_labeller import errors_of, good_articles, messy_corpus

CHUNK_SIZE = 3
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    """The messy inputs of test_label plus 30 good articles: 16 chunks of 3 records."""
    folder = tmp_path_factory.mktemp("scale")
    inputs = messy_corpus(folder)["inputs"]
    return inputs + [write_jsonl(folder / "bulk.jsonl", good_articles(30, paragraphs_each=2)[6:])]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, corpus, small_model) -> Path:
    out = tmp_path_factory.mktemp("reference") / "labels.parquet"
    label_files(corpus, out, model_path=small_model, chunk_size=CHUNK_SIZE)
    return out


def assert_same_run(out: Path, reference: Path) -> None:
    pd.testing.assert_frame_equal(read_table(out), read_table(reference), check_exact=True)
    pd.testing.assert_frame_equal(errors_of(out), errors_of(reference))
    assert not parts.parts_folder(out).exists()


def label_command(corpus, out, model, *extra) -> list[str]:
    return [sys.executable, "-m", "stance", "label", *map(str, corpus), "--out", str(out), "--model", str(model),
            "--chunk-size", str(CHUNK_SIZE), "--quiet", *extra]


def n_parts(out: Path) -> int:
    return len(list(parts.parts_folder(out).glob(parts.PART_GLOB)))


def run_and_kill(command: list[str], kill_when, timeout: float = 120) -> tuple[bool, list[int]]:
    """Start ``command``; SIGKILL it as soon as ``kill_when()`` holds.

    Returns whether it was killed (it may finish first) and the pids of its
    children just before the kill.
    """
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if kill_when():
            children = [c.pid for c in psutil.Process(process.pid).children(recursive=True)]
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return True, children
        time.sleep(0.02)
    assert process.wait(timeout=max(1, deadline - time.monotonic())) == 0, process.stderr.read().decode()
    return False, []


def living(pids: list[int]) -> list[psutil.Process]:
    """The processes among ``pids`` that still run (zombies waiting for a reaper do not)."""
    alive = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def test_sigkill_at_several_moments_then_resume_gives_the_same_rows(tmp_path, corpus, reference, small_model):
    out = tmp_path / "labels.parquet"
    folder = parts.parts_folder(out)
    kill_points = [
        lambda: n_parts(out) >= 2,                                # just after a part was renamed into place
        lambda: n_parts(out) >= 5 and time.sleep(0.2) is None,  # somewhere inside a chunk
    ]
    kills = 0
    for attempt, kill_when in enumerate(kill_points):
        killed, _ = run_and_kill(label_command(corpus, out, small_model, "--n-process", "1",
                                               *(["--resume"] if attempt else [])), kill_when)
        kills += killed
    assert kills, "the runs finished before they could be killed; the corpus is too small for this machine"
    result = subprocess.run(label_command(corpus, out, small_model, "--n-process", "1", "--resume"), cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert_same_run(out, reference)
    assert "articles read" in result.stderr


def test_sigkill_with_worker_processes_then_resume(tmp_path, corpus, reference, small_model):
    out = tmp_path / "labels.parquet"
    killed, children = run_and_kill(label_command(corpus, out, small_model, "--n-process", "2"),
                                    lambda: n_parts(out) >= 2)
    if killed:  # the orphaned workers notice and exit, rather than write parts beside the resumed run
        _, alive = psutil.wait_procs(living(children), timeout=15)
        assert not living([p.pid for p in alive])
    # Resumed on one process: which engine made a part does not matter.
    result = subprocess.run(label_command(corpus, out, small_model, "--n-process", "1", "--resume"), cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert_same_run(out, reference)


@pytest.fixture(scope="module")
def dask_cluster():
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        yield cluster


def test_dask_cluster_gives_the_rows_of_the_local_engine(tmp_path, corpus, reference, small_model, dask_cluster):
    out = tmp_path / "labels.parquet"
    summary = label_files(corpus, out, model_path=small_model, chunk_size=CHUNK_SIZE, engine="dask",
                          scheduler=dask_cluster.scheduler_address)
    assert summary.n_labelled + summary.n_rejected == summary.n_input
    assert_same_run(out, reference)


def kill_one_worker_when(cluster, out: Path, min_parts: int) -> threading.Thread:
    """A thread that SIGKILLs a worker process that holds a chunk, once ``min_parts`` parts exist.

    It reads the in-process scheduler's view of the workers (a second client in
    this process would share its event loop). ``thread.parts_at_kill`` records
    how far the run had got.
    """
    def watch():
        deadline = time.monotonic() + 120
        while n_parts(out) < min_parts and time.monotonic() < deadline:
            time.sleep(0.02)
        busy = []
        while not busy and time.monotonic() < deadline:
            busy = [ws.pid for ws in list(cluster.scheduler.workers.values()) if ws.processing]
            time.sleep(0.01)
        thread.parts_at_kill = n_parts(out)
        os.kill(busy[0], signal.SIGKILL)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("allowed_failures", [3, 0])
def test_a_dask_worker_killed_mid_run(tmp_path, corpus, reference, small_model, allowed_failures):
    """Dask's default reschedules the dead worker's chunks and the run finishes; with no retries
    allowed the run stops with a message naming --resume, and the resumed run completes it. Either
    way the rows are exactly those of the uninterrupted run."""
    import dask
    import logging

    from distributed import LocalCluster
    from stance.batch.engines import EngineError

    out = tmp_path / "labels.parquet"
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                         silence_logs=logging.CRITICAL) as cluster:
        killer = kill_one_worker_when(cluster, out, min_parts=2)
        try:
            label_files(corpus, out, model_path=small_model, chunk_size=CHUNK_SIZE, engine="dask",
                        scheduler=cluster.scheduler_address)
            finished = True
        except EngineError as exc:
            assert "--resume" in str(exc)
            finished = False
        killer.join(timeout=5)
    assert not killer.is_alive() and killer.parts_at_kill < 16, "the kill came after the run's last part"
    if allowed_failures:
        assert finished, "Dask should have rescheduled the dead worker's chunks"
    else:
        assert not finished and n_parts(out) < 16
        result = subprocess.run(label_command(corpus, out, small_model, "--n-process", "1", "--resume"), cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    assert_same_run(out, reference)
