"""Running a script over files on an existing Dask cluster (``pip install 'dicomedit[dask]'``).

The file list is cut into chunks that go to the cluster's workers, a bounded number at a time;
results come back in input order, exactly as ``dicomedit apply`` reports them.  Every worker
needs dicomedit installed and must see the input and output paths (a shared file system): only
paths and results travel, never pixel data.

    from dicomedit import RunContext, apply_on_dask

    for result in apply_on_dask(
        "site.das",
        ["/archive/incoming"],
        "/archive/anonymized",
        scheduler="tcp://scheduler:8786",
        variables={"project": "STUDY01", "subject": "S01", "session": "S01_MR1"},
    ):
        if result.status.value == "failed":
            print(result.source, result.message)

Consistency across machines is that of ``dicomedit.parallel``: ``hashUID`` is deterministic and
the ``mapUID``/``mapReferencedUIDs`` maps derive every UID from the run's secret, which travels
with the job.  A worker runs one chunk at a time (the engine's work holds the interpreter
anyway); start workers as processes, e.g. ``dask worker --nworkers 4 --nthreads 1``.
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .engine import RunContext
from .errors import DicomEditError
from .io import FileResult, FileStatus, InputFile, find_inputs
from .parallel import Job, ParallelError, make_job, portable

CHUNK = 16  # files per task
WINDOW = 4  # tasks in flight per worker thread
CONNECT_TIMEOUT = 30.0  # seconds to reach the scheduler

Results = Iterator[tuple[InputFile, FileResult]]


class DistributedError(DicomEditError):
    """Dask is missing, or the scheduler cannot be reached."""


def _dask() -> Any:
    try:
        import dask.distributed
    except ImportError:
        raise DistributedError(
            "running on a Dask cluster needs Dask: pip install 'dicomedit[dask]'"
        ) from None
    return dask.distributed


def run(job: Job, items: Iterable[InputFile], scheduler: str | Any) -> Results:
    """(file, result) for each of ``items``, in order, computed by the workers of ``scheduler``
    (an address such as ``tcp://host:8786``, or a ``dask.distributed.Client``)."""
    distributed = _dask()
    job.script()  # refuse a script with errors before anything is sent
    try:
        job.check_shareable()
    except ParallelError as e:
        raise DistributedError(str(e)) from e
    own = not isinstance(scheduler, distributed.Client)
    client: Any = _connect(distributed, scheduler) if own else scheduler
    try:
        yield from _submit(client, job, items)
    finally:
        if own:
            client.close()


def _connect(distributed: Any, address: str) -> Any:
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as e:
        raise DistributedError(f"cannot reach the Dask scheduler at {address}: {e}") from None


def _submit(client: Any, job: Job, items: Iterable[InputFile]) -> Results:
    shared = client.scatter(job, broadcast=True)  # sent once to every worker, not with each task
    threads = max(1, sum(client.nthreads().values()))
    pending: collections.deque[tuple[list[InputFile], Any]] = collections.deque()
    chunk: list[InputFile] = []
    try:
        for item in items:
            chunk.append(item)
            if len(chunk) == CHUNK:
                pending.append((chunk, client.submit(process_chunk, shared, chunk, pure=False)))
                chunk = []
                while len(pending) >= threads * WINDOW:
                    yield from _collect(*pending.popleft())
        if chunk:
            pending.append((chunk, client.submit(process_chunk, shared, chunk, pure=False)))
        while pending:
            yield from _collect(*pending.popleft())
    finally:
        for _, future in pending:
            future.cancel()


def _collect(chunk: list[InputFile], future: Any) -> Results:
    try:
        results: list[FileResult] = future.result()
    except Exception as e:  # the worker died or lost the task
        reason = f"the Dask worker processing this file failed: {type(e).__name__}: {e}"
        results = [FileResult(item.path, FileStatus.FAILED, message=reason) for item in chunk]
    yield from zip(chunk, results, strict=True)


# The engine silences pydicom's warnings with a process-wide filter; a worker's threads take
# turns (the work is interpreter-bound, so threads would not run it faster anyway).
_TURN = threading.Lock()


def process_chunk(job: Job, chunk: list[InputFile]) -> list[FileResult]:
    """What a worker runs: one chunk, in order, with the job's UID maps of this worker."""
    with _TURN:
        return [portable(result) for _, result in job.process(chunk)]


def apply_on_dask(
    script: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str] | None,
    *,
    scheduler: str | Any,
    variables: Mapping[str, str | None] | None = None,
    context: RunContext | None = None,
    dry_run: bool = False,
) -> Iterator[FileResult]:
    """Run ``script`` (a path to a script file) on ``inputs`` (files or directories) on the Dask
    cluster of ``scheduler`` (an address or a ``dask.distributed.Client``), writing under
    ``output``; yield one ``FileResult`` per file, in input order.

    ``context`` carries lookup tables, settings and the release (``RunContext``).  Raises
    ``ScriptError`` for a script with errors, ``DistributedError`` when Dask is missing, the
    scheduler cannot be reached or the script's results would depend on the worker.
    """
    job = make_job(script, output, variables=variables, context=context, dry_run=dry_run)
    for _, result in run(job, find_inputs(inputs), scheduler):
        yield result
