"""Running one script over many files in several processes, results in input order.

A ``Job`` holds everything a worker needs — the script's text, the run's settings, where the
outputs go — and nothing that cannot travel to another process.  Each worker compiles the
script once and then processes chunks of files; the parent keeps a bounded number of chunks in
flight and hands the results back in the order of the input, so the report is the one a serial
run prints, and memory stays flat however many files there are.

A run in several processes (or on Dask, ``dicomedit.distributed``) writes what a serial run
writes: ``hashUID`` is a pure function, and ``mapUID``/``mapReferencedUIDs`` derive each new UID
from the key and the run's secret, which every worker receives (``RunContext.uid_secret``), so
all workers map a key to the same UID.  That needs each of those functions to get one literal
prefix; a script that computes its prefix is refused (``plan.shared_state_problem``).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import dataclasses
import functools
import gc
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .engine import CompiledScript, RunContext, compile
from .engine.plan import shared_state_problem
from .errors import DicomEditError
from .io import FileResult, FileStatus, InputFile, find_inputs, process_file
from .releases import Release

# files per task: a round trip to a worker costs about as much as a file, so a task of 32 spends
# a few per cent on it (with 8: 2,000 512x512 files took 6 % longer on 2 cores)
CHUNK = 32
WINDOW = 2  # tasks in flight per worker: keeps workers busy while bounding memory

Results = Iterator[tuple[InputFile, FileResult]]


class ParallelError(DicomEditError):
    """A script that would not give the same results in several processes."""


@dataclass(frozen=True, slots=True)
class Job:
    """One run of a script over files: what every worker needs, all of it picklable."""

    script_text: str
    script_name: str | None
    output: str | None
    context: RunContext
    variables: Mapping[str, str | None] = field(default_factory=dict)
    dry_run: bool = False
    strict: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "context", self.context.portable())

    def script(self) -> CompiledScript:
        """The compiled script (once per process); ``ScriptError`` if it has errors."""
        return _compiled(self.script_text, self.script_name, self.strict, self.context.xnat)

    def check_shareable(self) -> None:
        """Raise ``ParallelError`` when results would depend on which process ran a file."""
        problem = shared_state_problem(self.script().script)
        if problem is not None:
            raise ParallelError(problem)

    def process(self, items: Iterable[InputFile], context: RunContext | None = None) -> Results:
        """Process ``items`` in this process, in order; ``context`` carries the UID maps."""
        script = self.script()
        run = context if context is not None else self.context
        for item in items:
            result = process_file(
                script, item, self.output, variables=self.variables, run=run, dry_run=self.dry_run
            )
            yield item, result


@functools.lru_cache(maxsize=4)
def _compiled(text: str, name: str | None, strict: bool, xnat: Release | str | None) -> CompiledScript:
    script = compile(text, name, strict=strict, xnat=xnat)
    gc.freeze()  # the script lives as long as the process: keep the collector off its objects
    return script


def portable(result: FileResult) -> FileResult:
    """What travels back from a worker: a dry run's datasets give way to their summary."""
    if result.before is None or result.after is None:
        return result
    from .engine.diff import diff, summarize  # dry runs only (pydicom's datasets)

    summary = summarize(diff(result.before, result.after))
    return dataclasses.replace(result, before=None, after=None, summary=summary)


def run(job: Job, items: Iterable[InputFile], *, jobs: int) -> Results:
    """(file, result) for each of ``items``, in order, using up to ``jobs`` processes.

    A batch of a few chunks is processed in this process: starting workers would cost more
    than they save.
    """
    if jobs > 1:
        job.check_shareable()
    items = iter(items)
    head = [item for _, item in zip(range(jobs * CHUNK), items, strict=False)]
    if jobs <= 1 or len(head) < jobs * CHUNK:
        yield from job.process(_chain(head, items))
        return
    yield from _pooled(job, _chunks(_chain(head, items)), jobs)


def _chain(head: list[InputFile], rest: Iterator[InputFile]) -> Iterator[InputFile]:
    yield from head
    yield from rest


def _chunks(items: Iterator[InputFile]) -> Iterator[list[InputFile]]:
    chunk: list[InputFile] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _pooled(job: Job, chunks: Iterator[list[InputFile]], jobs: int) -> Results:
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pending: collections.deque[tuple[list[InputFile], cf.Future[list[FileResult]]]] = collections.deque()
    workers = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp, initializer=_install, initargs=(job,))
    with workers as pool:
        try:
            for chunk in chunks:
                pending.append((chunk, pool.submit(_work, chunk)))
                while len(pending) >= jobs * WINDOW:
                    yield from _collect(*pending.popleft())
            while pending:
                yield from _collect(*pending.popleft())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


_JOB: Job | None = None


def _install(job: Job) -> None:
    """A worker starts: it keeps the job (and its UID maps) and compiles the script once."""
    global _JOB
    _JOB = job
    job.script()


def _work(chunk: list[InputFile]) -> list[FileResult]:
    assert _JOB is not None, "the worker was not given its job"
    return [portable(result) for _, result in _JOB.process(chunk)]


def _collect(chunk: list[InputFile], future: cf.Future[list[FileResult]]) -> Results:
    try:
        results = future.result()
    except Exception as e:  # a worker died: out of memory, a crash in a pixel decoder…
        reason = f"the worker processing this file stopped: {type(e).__name__}: {e}"
        results = [FileResult(item.path, FileStatus.FAILED, message=reason) for item in chunk]
    yield from zip(chunk, results, strict=True)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def apply_files(
    script: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str] | None,
    *,
    jobs: int | None = None,
    variables: Mapping[str, str | None] | None = None,
    context: RunContext | None = None,
    dry_run: bool = False,
) -> Iterator[FileResult]:
    """Run ``script`` (a path to a script file) on ``inputs`` (files or directories) in up to
    ``jobs`` processes (default: all cores), writing under ``output``; yield one ``FileResult``
    per file, in input order.  ``context`` carries lookup tables, settings and the release
    (``RunContext``).  Raises ``ScriptError`` for a script with errors and ``ParallelError`` for
    one whose results would depend on the process (see ``shared_state_problem``)."""
    job = make_job(script, output, variables=variables, context=context, dry_run=dry_run)
    for _, result in run(job, find_inputs(inputs), jobs=jobs or default_jobs()):
        yield result


def make_job(
    script: str | os.PathLike[str],
    output: str | os.PathLike[str] | None,
    *,
    variables: Mapping[str, str | None] | None = None,
    context: RunContext | None = None,
    dry_run: bool = False,
) -> Job:
    """A ``Job`` for the script file at ``script``, checked (``ScriptError`` if it has errors)."""
    with open(script, encoding="utf-8") as fh:
        text = fh.read()
    output_dir = None if output is None else os.fspath(output)
    run_context = context if context is not None else RunContext()
    job = Job(text, os.fspath(script), output_dir, run_context, dict(variables or {}), dry_run)
    job.script()
    return job
