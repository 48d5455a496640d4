"""Run one per-chunk function over a stream of chunks: in this process, on local cores, or on Dask.

Every engine takes the same ``job`` -- a picklable callable
``job(chunk_id, records) -> info`` that labels one chunk and writes its part
itself -- and an iterator of ``(chunk_id, records)`` tasks, and yields each
chunk's ``info`` as it finishes (in any order). Only a few chunks are in
flight at once, so memory does not grow with the corpus. Because all engines
run the same function on the same chunks, they write the same rows.

* :func:`run_in_process` -- no pool; for one process or a one-chunk input.
* :func:`run_on_local_processes` -- ``n`` worker processes forked from a
  *forkserver* that has imported :mod:`stance.batch.labeller` once (a clean,
  single-threaded process: nothing is forked from a parent that may hold
  threads, and workers start without re-importing spaCy and scikit-learn;
  *spawn* where there is no forkserver). Each gets the job once, when it starts.
* :func:`run_on_dask` -- a Dask ``distributed`` cluster: the scheduler at
  ``address``, or a ``LocalCluster`` of ``n`` single-threaded workers. The job
  is broadcast to every worker once; chunks travel with their tasks.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

Task = tuple  # (chunk_id, records)

# Chunks queued per worker beyond the one it is running: enough to never idle
# a worker, few enough to keep memory flat.
IN_FLIGHT_PER_WORKER = 2


class EngineError(RuntimeError):
    """A worker or the cluster failed; finished parts are kept for --resume."""


def run_in_process(job: Callable, tasks: Iterable[Task]) -> Iterator[dict]:
    """Run ``job`` on every task here, one after the other."""
    for chunk_id, records in tasks:
        yield job(chunk_id, records)


def run_on_local_processes(job: Callable, tasks: Iterable[Task], n_process: int) -> Iterator[dict]:
    """Run ``job`` on ``n_process`` local worker processes."""
    executor = ProcessPoolExecutor(max_workers=n_process, mp_context=_worker_context(),
                                   initializer=_start_worker, initargs=(job, _identity(os.getpid())))
    try:
        submit = lambda task: executor.submit(_run_worker_job, *task)  # noqa: E731
        yield from _bounded(tasks, submit, _wait_first, n_process * (1 + IN_FLIGHT_PER_WORKER))
    except BrokenProcessPool as exc:
        raise EngineError("a worker process died (out of memory, or killed). Finished parts are kept: "
                          "rerun the same command with --resume.") from exc
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _worker_context():
    """A forkserver preloaded with the labeller (measured: 2-3 s less start-up than spawn per run)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["stance.batch.labeller"])  # no effect if a forkserver already runs
    return context


_WORKER_JOB: Callable | None = None


def _identity(pid: int) -> tuple[int, float]:
    """A process id with its start time, which no later process reusing the id shares."""
    import psutil

    return pid, psutil.Process(pid).create_time()


def _start_worker(job: Callable, run: tuple[int, float]) -> None:
    """Initializer of a local worker: keep the job; exit when the run's process is gone."""
    global _WORKER_JOB
    _WORKER_JOB = job
    _limit_native_threads()
    threading.Thread(target=_exit_with_run, args=(run,), daemon=True).start()


def _exit_with_run(run: tuple[int, float], every: float = 1.0) -> None:
    # A pool worker blocks on its task queue forever if the run is killed
    # (SIGKILL runs no clean-up), and would go on writing parts next to a
    # resumed run. Its parent is no help under a forkserver: the forkserver
    # lives as long as any worker does. So each worker watches the run itself.
    import psutil

    while True:
        time.sleep(every)
        try:
            process = psutil.Process(run[0])
            alive = process.create_time() == run[1] and process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            alive = False
        if not alive:
            os._exit(1)


def _limit_native_threads() -> None:
    # One process per core already uses every core; BLAS/OpenMP threads on
    # top would only oversubscribe them.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    os.environ["STANCE_TORCH_THREADS"] = "1"  # torch keeps its own pool; stance.sentences.embeddings reads this


def _run_worker_job(chunk_id: int, records: list) -> dict:
    return _WORKER_JOB(chunk_id, records)


def _wait_first(futures: set) -> tuple[set, set]:
    done, pending = wait(futures, return_when=FIRST_COMPLETED)
    return done, pending


def _bounded(tasks: Iterable[Task], submit: Callable, wait_first: Callable, window: int) -> Iterator[dict]:
    """Submit tasks keeping at most ``window`` unfinished; yield results as they come."""
    pending: set = set()
    for task in tasks:
        pending.add(submit(task))
        while len(pending) >= window:
            done, pending = wait_first(pending)
            yield from (future.result() for future in done)
    while pending:
        done, pending = wait_first(pending)
        yield from (future.result() for future in done)


def run_on_dask(job: Callable, tasks: Iterable[Task], address: str | None = None,
                n_workers: int = 2) -> Iterator[dict]:
    """Run ``job`` on a Dask cluster: the scheduler at ``address``, or a new ``LocalCluster``.

    Workers must have ``stance`` and the spaCy pipeline installed, and see the
    parts folder at the same path (a shared file system), since each worker
    writes its chunks' parts itself.
    """
    from distributed import Client, KilledWorker, LocalCluster
    from distributed import wait as dask_wait

    cluster = None
    if address is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster if cluster is not None else address)
    try:
        if cluster is not None:  # one thread per local worker: native pools (BLAS, torch) likewise
            client.run(_limit_native_threads)
        shared_job = client.scatter(job, broadcast=True, hash=False)
        window = max(1, sum(client.nthreads().values())) * (1 + IN_FLIGHT_PER_WORKER)
        submit = lambda task: client.submit(_call, shared_job, *task, pure=False)  # noqa: E731
        wait_first = lambda fs: tuple(map(set, dask_wait(fs, return_when="FIRST_COMPLETED")))  # noqa: E731
        yield from _bounded(tasks, submit, wait_first, window)
    except KilledWorker as exc:  # Dask reschedules a dead worker's chunks, up to allowed-failures times
        raise EngineError(f"Dask workers died while labelling a chunk ({exc}). Finished parts are kept: "
                          "rerun the same command with --resume.") from exc
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _call(job: Callable, chunk_id: int, records: list) -> dict:
    return job(chunk_id, records)
