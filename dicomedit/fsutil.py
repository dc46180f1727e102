"""Writing files safely: a temporary file in the target folder, then an atomic rename."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .layout import FileRange, Piece


@functools.cache
def _umask() -> int:
    """The process's umask (read by setting it, once per process, then put back)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, durable: bool = True) -> Iterator[BinaryIO]:
    """Open a temporary file next to ``path``; on success it replaces ``path`` in one rename.

    On any error or interruption the temporary file is removed, so a reader never sees a
    partial file.  A symbolic link is written through: its target is replaced and the link
    kept.  Anything else that is not a regular file (a folder, FIFO, device, socket) is
    refused with an ``OSError``, as is a path under a regular file ("not a directory").
    A file that is replaced keeps its permissions; a new one gets those a plain ``open()``
    would give it.  (A replaced file is a new file: other hard links keep the old content.)
    ``durable`` flushes the data to the disk before the rename (batches of many files may skip
    it: the rename alone already keeps partial files out of sight).
    """
    # paths as strings: this runs once per file of a batch, and pathlib costs more than the
    # system calls
    text = os.fspath(path)
    target, existing = _writable_target(text.rstrip(os.sep) or text)  # as pathlib reads "a/b/"
    mode = 0o666 if existing is None else stat.S_IMODE(existing)
    fd, tmp = _temporary(target, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            if existing is not None and mode & ~_umask() != mode:
                os.fchmod(fh.fileno(), mode)  # the umask took some of the permissions away
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _temporary(target: str, mode: int) -> tuple[int, str]:
    """A new file next to ``target``, created with ``mode`` (less the umask): a new output gets
    the permissions a plain ``open()`` gives, without the ``chmod`` that ``mkstemp``'s 0o600
    would need."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    folder, name = os.path.split(target)
    for _ in range(100):
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(temporary, flags, mode), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", folder)


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link that cannot be resolved"),
)


def _writable_target(target: str) -> tuple[str, int | None]:
    """The regular file to replace for ``target`` (a link's resolved target) and its mode (None
    when it does not exist yet); missing folders made.  One ``lstat`` and one ``stat`` of the
    folder in the usual cases: batches write many files."""
    try:
        mode: int | None = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        mode = None  # reported below, naming the file that is in the way
    if mode is not None and stat.S_ISLNK(mode):
        target = os.path.realpath(target)
        try:
            mode = os.lstat(target).st_mode
        except (FileNotFoundError, NotADirectoryError):
            mode = None
    if mode is not None and not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise OSError(errno.EEXIST, f"it is {kind}, not a regular file; refusing to replace it", target)
    if mode is None:
        _make_folder(os.path.dirname(target) or os.curdir)
    return target, mode


def _make_folder(folder: str) -> None:
    """``folder`` and the folders above it, unless there; an error naming a file in the way."""
    try:
        if stat.S_ISDIR(os.stat(folder).st_mode):
            return
    except (FileNotFoundError, NotADirectoryError):
        pass
    path = Path(folder)
    for ancestor in (path, *path.parents):
        if ancestor.exists() or ancestor.is_symlink():
            if not ancestor.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, f"{ancestor} is not a directory", str(ancestor))
            break
    path.mkdir(parents=True, exist_ok=True)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_output(path) as fh:
        fh.write(data)


_IOV_MAX = 1024


def write_pieces(fd: int, pieces: list[Piece | FileRange], source: str | int) -> None:
    """Write the pieces in order with as few system calls as the kernel allows; ranges of the
    source file (a path, or a descriptor open on it) are copied file to file."""
    batch: list[Piece] = []
    with contextlib.ExitStack() as stack:
        source_fd: int | None = source if isinstance(source, int) else None
        for piece in pieces:
            if not isinstance(piece, FileRange):
                if piece:  # an empty value: nothing to write
                    batch.append(piece)
                continue
            _writev_all(fd, batch)
            batch = []
            if source_fd is None:
                assert isinstance(source, str)
                source_fd = os.open(source, os.O_RDONLY)
                stack.callback(os.close, source_fd)
            _copy_range(source_fd, fd, piece.offset, piece.length)
        _writev_all(fd, batch)


def _writev_all(fd: int, pieces: list[Piece]) -> None:
    while pieces:
        batch = pieces[:_IOV_MAX]
        written = os.writev(fd, batch)
        if written == sum(map(len, batch)):  # the usual case: all of it
            pieces = pieces[len(batch) :]
            continue
        done = 0
        while done < len(batch) and written >= len(batch[done]):
            written -= len(batch[done])
            done += 1
        pieces = pieces[done:]
        if written:
            pieces[0] = memoryview(pieces[0])[written:]  # the rest of a piece written in part


def _copy_range(source_fd: int, fd: int, offset: int, length: int) -> None:
    copy = getattr(os, "copy_file_range", None)
    while length > 0:
        copied = 0
        if copy is not None:
            with contextlib.suppress(OSError):  # e.g. across file systems on older kernels
                copied = copy(source_fd, fd, length, offset)
        if copied <= 0:
            data = os.pread(source_fd, min(length, 1 << 20), offset)
            if not data:
                raise OSError(f"the input shrank while it was copied (at byte {offset})")
            _writev_all(fd, [memoryview(data)])
            copied = len(data)
        offset += copied
        length -= copied
