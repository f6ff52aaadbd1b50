"""The local executor's worker processes: starting them, and what runs in them besides the tasks.

A worker imports the stages (~0.3 CPU s) and then, while idle, loads what they load on first use (its
warm-up, below). ``kb run`` into a new output folder with many articles starts the workers first thing
(:func:`start_for_first_build`), so that this happens while the command plans the run, instead of after:
forked from the command's process once it has imported the stages (on Linux), so that they share that
import. Workers started later (by the runner, once a run's process holds DuckDB connections and
threads) are spawned interpreters that import the stages themselves. This module imports nothing of the
pipeline at the top: the command line imports it before the rest.
"""
from __future__ import annotations

import atexit
import concurrent.futures as cf
import gc
import importlib
import multiprocessing
import os
import pathlib
import sys
import threading
import time
from typing import Any, Callable

CHUNK_DOCS = 64   # (RunSettings.chunk_docs' default: a pool pays off from 2 chunks a worker)
# The cyclic GC's youngest generation during a run, in allocations (Python's default: 700), in the parent and in
# every worker. Planning keeps tens of thousands of long-lived skip-key records per stage, and each young
# collection promotes them until full collections rescan the whole heap: ~1.4 CPU s of an edit at 10,000
# articles, 0.4 s with this; a worker's per-word caches and models are such a heap too.
GC_YOUNG_THRESHOLD = 50_000
# glibc's allocator hands a large freed block back to the OS at once and maps the next one afresh, so numpy's
# temporary arrays were faulted in again at every call (~27,000 page faults, a third of the CPU, in a langid
# pass over 1,000 articles). Up to these sizes a process keeps freed memory for its next arrays instead.
MALLOC_MMAP_THRESHOLD = 64 << 20   # blocks this large are still mapped alone (and unmapped when freed)
MALLOC_TRIM_THRESHOLD = 256 << 20  # free memory at the heap's top returned to the OS past this much
MALLOC_TOP_PAD = 16 << 20          # extra asked of the OS each time the heap grows


def tune_allocator() -> bool:
    """Set glibc's allocator for a run's process (above); False where the C library is not glibc."""
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3   # (malloc.h)
    return all(mallopt(param, value) == 1 for param, value in (
        (m_mmap_threshold, MALLOC_MMAP_THRESHOLD), (m_trim_threshold, MALLOC_TRIM_THRESHOLD),
        (m_top_pad, MALLOC_TOP_PAD)))


def use_system_arrow_pool() -> None:
    """Have pyarrow allocate through the C library, not its bundled mimalloc, in a run's processes.

    mimalloc kept the memory of the Arrow batches a process had freed: at 10,000 articles the parent's store
    load peaked at 645-679 MB and the workers at 611-633 with it, 562 and 529-558 without; at 1,000
    articles 510 against 479 (2 workers, per-process peaks sampled in one sitting)."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def start(workers: int, warm: bool = False, html: bool = True, fork: bool = False) -> list[cf.ProcessPoolExecutor]:
    """One single-process executor per worker (the parent chooses which worker runs which chunk). Their
    processes start on the first task submitted (:func:`launch`). ``html``: whether their warm-up loads the
    HTML extraction (a corpus without HTML never uses it). ``fork`` (:func:`can_fork`): the processes are
    forked from this one now, and share what it has imported instead of importing it again."""
    # spawn otherwise: a run's driver holds DuckDB connections and threads that a fork would copy half-made
    context = multiprocessing.get_context("fork" if fork else "spawn")
    pool = [cf.ProcessPoolExecutor(1, mp_context=context, initializer=init_worker,
                                   initargs=(warm, i, workers, html))
            for i in range(workers)]
    if fork:
        # every worker forked before any executor starts its threads: an executor forks on its first task,
        # after which it starts a manager thread, and the next executor's fork would copy that thread's locks
        # as they are (CPython issue 90622; the executor itself forks first for that reason)
        gc.freeze()   # (what exists now is never scanned by a worker's collector, whose writes would copy it)
        try:
            for worker in pool:
                worker._launch_processes()
        finally:
            gc.unfreeze()
    return pool


def can_fork() -> bool:
    """Whether :func:`start` may fork its workers from this process: Linux, no thread of this interpreter
    running besides this one, and an executor that can fork them all at once."""
    return (sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1 and hasattr(cf.ProcessPoolExecutor, "_launch_processes"))


def launch(pool: list[cf.ProcessPoolExecutor]) -> None:
    """Make every worker process start now, without waiting for it."""
    for worker in pool:
        worker.submit(_ready)


def start_for_first_build(corpus: pathlib.Path, out: pathlib.Path, workers: int | None
                          ) -> list[cf.ProcessPoolExecutor] | None:
    """Started workers for a run into ``out`` that will want them: a first build (no stage manifest yet)
    of at least two chunks a worker. None otherwise (the runner starts a pool itself once it knows).
    The command line calls it first thing, before its process opens a database or starts a thread:
    the workers may be forked from it."""
    wanted = _first_build_of_many(corpus, out, workers, min_workers=2)
    if wanted is None:
        return None
    count, html = wanted
    # Forked from this process once it has imported what every worker imports (the stages, pyarrow, numpy:
    # ~0.3 CPU s), which it imports for the run anyway: spawned, each worker imported them again, beside this
    # process's planning, on the two cores of a 2-worker run (2 workers, 1,000 articles, fourteen alternating
    # pairs: median 11.48 s against 11.82, eleven pairs faster).
    fork = can_fork()
    if fork:
        import pipeline.registry  # noqa: F401  (every stage's module)
    pool = start(count, warm=True, html=html, fork=fork)
    launch(pool)
    return pool


def release(started: Any) -> None:
    """Let go of what :func:`start_for_first_build` or :func:`ray_for_first_build` started (a run that
    had no use for it)."""
    if isinstance(started, RayStart):
        started.stop()
        return
    for worker in started:
        worker.shutdown(wait=False, cancel_futures=True)


def _first_build_of_many(corpus: pathlib.Path, out: pathlib.Path, workers: int | None, min_workers: int = 1
                         ) -> tuple[int, bool] | None:
    """(the worker count, whether the corpus may hold HTML) for a first build into ``out`` (:func:`_first_build`)
    of at least two chunks a worker, with at least ``min_workers`` workers; None otherwise."""
    count = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    if count < min_workers or not _first_build(out):
        return None
    suffixes = _article_suffixes(pathlib.Path(corpus), 2 * count * CHUNK_DOCS)
    if suffixes is None:
        return None
    # (the files looked at stand for the corpus: a worker whose chunk holds HTML after all loads it there)
    return count, bool(suffixes & HTML_SUFFIXES)


HTML_SUFFIXES = frozenset({".html", ".htm", ".jsonl"})   # files that may hold HTML (a .jsonl record's "html")


def _article_suffixes(folder: pathlib.Path, n: int) -> set[str] | None:
    """The suffixes of the first ``n`` article files ``folder`` holds (of those the corpus reads); None
    where it holds fewer."""
    from pipeline.discovery import SUPPORTED_SUFFIXES   # (the standard library only)

    seen: list[str] = []
    for _, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        seen += [os.path.splitext(f)[1].lower() for f in filenames
                 if not f.startswith(".") and f.lower().endswith(SUPPORTED_SUFFIXES)]
        if len(seen) >= n:
            return set(seen[:n])
    return None


def _first_build(out: pathlib.Path) -> bool:
    """A first build (no stage manifest) into a folder no other run holds (a run that would wait for it
    must not load its workers on the cores that run uses)."""
    if (pathlib.Path(out) / "stages" / "manifest.duckdb").exists():
        return False
    lock = pathlib.Path(out) / ".lock"
    if lock.exists():
        import fcntl

        with open(lock, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False
            fcntl.flock(fh, fcntl.LOCK_UN)
    return True


def _ready() -> int:
    """A task that only makes a worker start (its initializer runs first)."""
    return os.getpid()


def task_begins(more: bool, per_language: bool) -> None:
    """A task starts in this worker: whether the parent has more of its phase waiting (``_HOLD``), and
    whether it is a per-language phase's (``_WARM_DONE``)."""
    global _HOLD, _WARM_DONE
    _HOLD = more
    if per_language:
        _WARM_DONE = True


def init_worker(warm: bool = False, index: int = 0, workers: int = 1, html: bool = True) -> None:
    global _WARMING
    # one process per core: libraries must not start threads of their own on top (read when torch is
    # imported, which only the embed stage does: importing it here would cost every worker seconds)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TOKENIZERS_PARALLELISM"):
        os.environ.setdefault(var, "1" if var != "TOKENIZERS_PARALLELISM" else "false")
    if "numpy" in sys.modules:   # forked from a process that loaded its BLAS, which read the variables then
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
    # what every chunk needs, imported before the first one: a pool started early (LocalExecutor.start)
    # does this while the parent still plans. (Not spaCy: pipeline.spacy_blank imports it on first use
    # without letting thinc load torch; a plain `import spacy` here would load torch in every worker.)
    prepare_process()
    atexit.register(_exit_now)
    if warm:
        _WARMING = threading.Thread(target=_warm_up, args=(index, workers, html), name="warm-up", daemon=True)
        _WARMING.start()


_PREPARED = False


def prepare_process(settle_pandas: bool = True) -> None:
    """What a process that runs stages for a run sets up once, before its first task: a local pool's worker
    (:func:`init_worker`) or a Ray worker (``pipeline.ray_executor``, with ``settle_pandas`` False), so that
    the stages run there as they do in ``kb run``'s own process."""
    global _PREPARED
    if _PREPARED:
        return
    import pipeline.registry  # noqa: F401  (every stage's module)
    if settle_pandas:
        # a pool worker converts no pandas object: pyarrow's looks for pandas, settled now, import none (~0.2
        # CPU s a worker). Not in a library user's process, who may hand pyarrow pandas objects (`kb run`
        # settles its own with the local executor: pipeline.cli), nor in a Ray worker, where Ray Data may.
        from pipeline.arrow_pandas import settle_pandas_check

        settle_pandas_check()
    # the collector as the parent sets it for a run (Runner.run): the stages run here as they would there
    gc.set_threshold(max(gc.get_threshold()[0], GC_YOUNG_THRESHOLD), *gc.get_threshold()[1:])
    tune_allocator()
    use_system_arrow_pool()
    _PREPARED = True   # (only once all of it is done: a step that failed is tried again at the next task)


def warm_ray_worker(html: bool = True) -> int:
    """A Ray task: set up the worker process it runs in and load, for every language, what the stages load on
    first use (a local pool's warm-up, at once: Ray gives any worker chunks of any language)."""
    prepare_process(settle_pandas=False)
    for step in _warm_steps(0, 1, html):
        try:
            step()
        except Exception:   # (whatever failed fails again, with its message, where a stage needs it)
            pass
    return os.getpid()


def _exit_now() -> None:
    """A worker's last act (atexit, after the pool let it go): exit without tearing its heap down.

    Freeing a worker's per-text caches object by object took seconds of CPU per worker, spent beside
    the parent's load of the store; the OS takes the whole process back at once."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(0)


# ---------------------------------------------------------------- warming a worker up
#
# The per-document stages load libraries and data on first use (~10 CPU s a process here: the language
# identifier's tables, spaCy and its blank pipelines, wordfreq's tables, trafilatura and jusText's stop
# lists). One worker pays that once; with N workers each pays it, and at the same time, so it stays on
# a run's critical path however many workers there are. A pool started for a real workload
# (LocalExecutor.start) loads them on a thread of each worker while the worker is idle: while the parent
# plans, merges and commits between phases (the later phases' needs first). A step starts only when
# the worker has run no task for a moment, and holds ``_IDLE`` while it runs, as a task does: no stage
# ever runs beside a step, the stages see the objects they would have loaded themselves (same outputs),
# and what no idle moment came for a stage loads itself, as without a warm-up.

_IDLE = threading.Lock()                  # held while this worker process runs a task or a warm-up step
_WARMING: threading.Thread | None = None  # the warm-up thread of this worker process, if it has one
_LAST_TASK_END = 0.0                      # time.monotonic() when this worker's last task ended
_TASKS_WAITING = 0                        # tasks waiting for a warm-up step to end
IDLE_BEFORE_WARMING = 0.05                # seconds without a task before a warm-up step starts
# The parent sends each task with whether its phase has more tasks waiting (``_Timed``): a worker told so
# starts no warm-up step between tasks (at a phase's tail, where the parent hands out one task at a time,
# a step begun in the round trip held up the phase's last chunks while the other worker had none: a
# 1.2 CPU s blank pipeline before ingest's last 6 documents), until the parent has none left for it
# (``unhold``) or, should the parent be slow, ``HOLD_AT_MOST`` seconds have passed.
_HOLD = False
HOLD_AT_MOST = 2.0
# Set once this worker runs a chunk of one language (the per-language phase has begun): what it has not
# loaded by then it loads where a chunk needs it. Warming on would load languages it may never work on,
# in the phase's tail and beside the merges and the parent's load of the store, on the run's critical path.
_WARM_DONE = False


def worker_languages(index: int, workers: int = 1) -> list[str]:
    """The languages in the order worker ``index`` of a pool of ``workers`` loads their data: its own
    first (a pool gives a worker chunks of the languages it has loaded), then those no worker has as
    its own (taken by whoever is free first), then the other workers' own (shared at a phase's end)."""
    from pipeline.lang import SUPPORTED

    first = index % len(SUPPORTED)
    order = [*SUPPORTED[first:], *SUPPORTED[:first]]
    owned = {SUPPORTED[i % len(SUPPORTED)] for i in range(max(1, workers))}
    return [order[0], *(c for c in order[1:] if c not in owned), *(c for c in order[1:] if c in owned)]


def warm_languages(index: int, workers: int = 1) -> list[str]:
    """The languages worker ``index`` warms up: its own and those no worker has as its own, the ones it works
    on until a phase's tail. Not the other workers' own: a worker takes their chunks only at a tail, and
    loads what one needs then. (Warmed in the idle moments of a long first build, a third language's
    pipelines and tables stayed in every worker: 576-599 MB at 10,000 articles against 472-518 at 1,000.)"""
    from pipeline.lang import SUPPORTED

    owned = {SUPPORTED[i % len(SUPPORTED)] for i in range(max(1, workers))}
    order = worker_languages(index, workers)
    return [order[0], *(c for c in order[1:] if c not in owned)]


def _warm_steps(index: int = 0, workers: int = 1, html: bool = True) -> list[Callable[[], Any]]:
    """What a worker loads while idle, in the order the phases need it: ingest's (HTML extraction, where
    ``html``), langid's tables, then per language (the worker's own first) what denoise..extract load."""
    from pipeline.denoising.markdown import _parser as markdown_parser
    from pipeline.extract.example_model import zipf
    from pipeline.extract.morphology import has_tagger
    from pipeline.spacy_blank import warm as blank_pipeline_warm
    from pipeline.stages import ingest, langid

    page = "<html><head><title>Warm</title></head><body><article><h1>Warm</h1><p>Warm up.</p></article></body></html>"
    steps: list[Callable[[], Any]] = [lambda: ingest.html_to_text(page)] if html else []
    steps += [langid._feature_table, langid._scanner, markdown_parser,
              lambda: zipf("warm", "en")]   # (every language's examples ask English's)
    for lang in warm_languages(index, workers):
        steps += [lambda lang=lang: blank_pipeline_warm(lang), lambda lang=lang: zipf("warm", lang),
                  lambda lang=lang: langid._bound_table(lang),
                  lambda lang=lang: has_tagger(lang)]
    return steps


def _warm_up(index: int = 0, workers: int = 1, html: bool = True) -> None:
    try:
        steps = _warm_steps(index, workers, html)
    except Exception:   # (whatever failed fails again, with its message, where a stage needs it)
        return
    for step in steps:
        while True:
            if _WARM_DONE:
                return
            idle = time.monotonic() - _LAST_TASK_END
            if not _TASKS_WAITING and idle >= IDLE_BEFORE_WARMING and (not _HOLD or idle >= HOLD_AT_MOST) \
                    and _IDLE.acquire(blocking=False):
                try:
                    if not _TASKS_WAITING and not _WARM_DONE:
                        try:
                            step()
                        except Exception:
                            pass
                        break
                finally:
                    _IDLE.release()
            time.sleep(IDLE_BEFORE_WARMING)


def run_task(fn: Callable[[Any], Any], item: Any) -> Any:
    """``fn(item)``; in a worker still warming up, not beside one of its warm-up steps."""
    global _LAST_TASK_END, _TASKS_WAITING
    warming = _WARMING
    if warming is None or not warming.is_alive():
        return fn(item)
    _TASKS_WAITING += 1   # (only this thread writes it)
    with _IDLE:
        _TASKS_WAITING -= 1
        try:
            return fn(item)
        finally:
            _LAST_TASK_END = time.monotonic()


def unhold() -> None:
    """The parent has no more tasks of this phase for this worker: it may warm up while idle (``_HOLD``)."""
    global _HOLD
    _HOLD = False


# ---------------------------------------------------------------- Ray, started early

class RayStart(threading.Thread):
    """``ray.init`` in a thread: joining a cluster or starting a local Ray takes seconds (3-5 here), which
    pass while the driver imports, plans and hashes the sources. :meth:`wait` waits for it and raises
    what it raised; :meth:`stop` shuts down the Ray it started (``owned``: not one it found running).

    The thread lives until then: a local Ray's processes die with the thread that started them (Linux
    sends a child's parent-death signal when the thread that made it ends, not the process)."""

    def __init__(self, address: str | None, num_cpus: int, warm: bool = False, html: bool = True):
        """``warm``: a local Ray's workers load what the stages load on first use as soon as Ray is up
        (:func:`warm_ray_worker`; ``html``: the HTML extraction too), while the driver plans."""
        super().__init__(name="ray-start", daemon=True)
        self.address = address
        self.num_cpus = num_cpus
        self.warm = warm
        self.html = html
        self.warming: list = []   # the warm-up tasks' object refs (each gives its worker's pid)
        self.owned = False
        self.error: BaseException | None = None
        self._init_done = threading.Event()
        self._stop_asked = threading.Event()
        if threading.current_thread() is threading.main_thread():
            # what ray.init does in the main thread, and cannot in this one: a SIGTERM ends the run by
            # SystemExit (its clean-up runs), not the default kill
            import signal

            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(signum))

    def run(self) -> None:
        try:
            self._init()
        except BaseException as exc:   # (raised again in the driver's thread, by wait)
            self.error = exc
        finally:
            self._init_done.set()
        self._stop_asked.wait()
        if self.owned:
            import ray

            ray.shutdown()

    def _init(self) -> None:
        import logging

        import ray

        for name in ("ray", "ray.data"):   # its INFO lines would drown the runner's progress
            logging.getLogger(name).setLevel(logging.WARNING)
        if ray.is_initialized():
            return
        # (its warning that a thread but the main one sets no SIGTERM handler: __init__ set ours)
        worker_log = logging.getLogger("ray._private.worker")
        level = worker_log.level
        worker_log.setLevel(logging.ERROR)
        # Ray Data's modules (~0.6 s) imported while ray.init waits for Ray's processes to start
        data_import = threading.Thread(target=importlib.import_module, args=("ray.data",), name="ray-data-import",
                                       daemon=True)
        data_import.start()
        try:
            kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
            if self.address:
                ray.init(address=self.address, **kwargs)
            else:
                ray.init(num_cpus=self.num_cpus, **kwargs)
            self.owned = True
            if self.warm and not self.address:
                # a task a CPU: each starts one of the worker processes the run's tasks will use
                warm = ray.remote(num_cpus=1)(warm_ray_worker)
                self.warming = [warm.remote(self.html) for _ in range(self.num_cpus)]
        finally:
            worker_log.setLevel(level)
            data_import.join()

    def wait(self) -> None:
        self._init_done.wait()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._stop_asked.set()
        if self.is_alive():
            self.join()


def ray_for_first_build(corpus: pathlib.Path, out: pathlib.Path, workers: int | None,
                        address: str | None) -> RayStart | None:
    """Ray starting, for a run into ``out`` that will want it (as :func:`start_for_first_build`)."""
    wanted = _first_build_of_many(corpus, out, workers)
    if wanted is None:
        return None
    count, html = wanted
    starting = RayStart(address, count, warm=True, html=html)
    starting.start()
    return starting
