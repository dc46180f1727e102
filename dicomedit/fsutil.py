"""Writing files safely: a temporary file in the target folder, then an atomic rename."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@functools.cache
def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the umask (``mkstemp`` uses 0o600)."""
    umask = os.umask(0o022)  # read it by setting it, once per process, then put it back
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, durable: bool = True) -> Iterator[BinaryIO]:
    """Open a temporary file next to ``path``; on success it replaces ``path`` in one rename.

    On any error or interruption the temporary file is removed, so a reader never sees a
    partial file.  The result gets the permissions a plain ``open()`` would give it.
    ``durable`` flushes the data to the disk before the rename (batches of many files may skip
    it: the rename alone already keeps partial files out of sight).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _new_file_mode())
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_output(path) as fh:
        fh.write(data)
