"""Reading and writing one DICOM file with pydicom, as XNAT reads and writes it.

* ``read_dicom``: a Part 10 file, or a bare dataset without preamble; anything else, and
  truncated files, give a ``DicomReadError`` that says what is wrong (never a traceback).
* ``write_dicom``: written as XNAT writes (spec §8.3): group 0002 completed and re-synchronised,
  the transfer syntax kept (Explicit VR Little Endian when absent or after ``alterPixels``),
  through a temporary file in the target directory renamed into place, so no partial file is
  ever left.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, cast

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian

from . import fastpath
from .engine.dicomobject import DicomObject, sync_file_meta
from .engine.elements import element, members
from .errors import DicomReadError, DicomWriteError, cannot_read, cannot_write
from .fsutil import atomic_output, write_pieces
from .quiet import quiet_pydicom

UNDEFINED_LENGTH = 0xFFFFFFFF


def _kind(e: BaseException) -> str:
    cls = type(e)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


PARSE_FAILURE = "cannot parse the DICOM data"


def _unparseable(path: str | os.PathLike[str], e: Exception) -> DicomReadError:
    return DicomReadError(path, f"{PARSE_FAILURE} ({_kind(e)})", detail=str(e) or None)


def _looks_like_bare_dataset(head: bytes) -> bool:
    """A dataset without preamble starts with a group 0002 or 0008 element (either endianness)."""
    if len(head) < 8:
        return False
    little = int.from_bytes(head[0:2], "little")
    big = int.from_bytes(head[0:2], "big")
    return little in (0x0002, 0x0008) or big == 0x0008


def read_dicom(path: str | os.PathLike[str]) -> Dataset:
    """Read a DICOM file (with or without preamble and file meta information)."""
    return read(path, fast=False)[0]


def read(
    path: str | os.PathLike[str], *, fast: bool, defer_pixels: bool = False
) -> tuple[Dataset, fastpath.Source | None]:
    """The dataset, and with ``fast`` the fast path's record of the file when it could read it
    (``defer_pixels``: large pixel data may stay in the file until the output is written)."""
    source = None
    if fast:
        try:
            source = fastpath.read(path, defer_pixels=defer_pixels)
        except OSError as e:
            raise DicomReadError(path, cannot_read(e)) from None
    if source is not None:
        ds: Dataset = source.dataset
    else:
        ds = _read_general(path)
    try:
        with quiet_pydicom():
            _check_complete(path, ds, source.size if source is not None else None)
            _match_encoding(ds)
    except DicomReadError:
        raise
    except Exception as e:  # an element pydicom cannot convert
        raise _unparseable(path, e) from None
    return ds, source


def _read_general(path: str | os.PathLike[str]) -> Dataset:
    try:
        with open(path, "rb") as fh:
            head = fh.read(132)
    except OSError as e:
        raise DicomReadError(path, cannot_read(e)) from None
    has_prefix = len(head) >= 132 and head[128:132] == b"DICM"
    if not has_prefix and not _looks_like_bare_dataset(head):
        raise DicomReadError(
            path, "not a DICOM file (no DICM prefix and no dataset at the start)", not_dicom=True
        )
    try:
        with quiet_pydicom():
            ds: Dataset = pydicom.dcmread(path, force=not has_prefix)
    except OSError as e:
        raise DicomReadError(path, cannot_read(e)) from None
    except Exception as e:  # pydicom's reader: bad structure, broken deflate data, and the like
        raise _unparseable(path, e) from None
    return ds


def _match_encoding(ds: Dataset) -> None:
    """Some files are encoded otherwise than their transfer syntax says; pydicom then reads the
    elements correctly but records the declared encoding, and could not write them back."""
    elements = members(ds)
    for tag in sorted(elements, key=int):
        elem = element(ds, tag)  # as Dataset.elements(): an unread value is converted
        if isinstance(elem, RawDataElement):
            actual = (elem.is_implicit_VR, elem.is_little_endian)
            if actual != ds.original_encoding:
                ds.set_original_encoding(actual[0], actual[1], ds.original_character_set)
            return


def _check_complete(path: str | os.PathLike[str], ds: Dataset, size: int | None = None) -> None:
    """pydicom reads a truncated file without complaint: compare declared and read lengths."""
    elements = members(ds)
    if not elements:
        raise DicomReadError(path, "the file holds no DICOM elements")
    last: RawDataElement | None = None
    for tag in sorted(elements, key=int):
        elem = elements[tag]
        if type(elem) is not RawDataElement:
            continue
        if elem.value is None:
            element(ds, tag)  # as Dataset.elements(): an unread value is converted
            continue
        if elem.length == UNDEFINED_LENGTH:
            continue
        if len(elem.value) < elem.length:
            raise DicomReadError(
                path,
                f"the file is truncated: element ({elem.tag.group:04X},{elem.tag.element:04X}) declares "
                f"{elem.length} bytes but only {len(elem.value)} are there",
            )
        last = elem
    # pydicom also stops quietly at an element header cut short: bytes would be left over.
    size = os.path.getsize(path) if size is None else size
    if last is not None and last.value_tell is not None and isinstance(last.value, bytes):
        end = last.value_tell + len(last.value)
        if end < size and max(elements, key=int) == last.tag:
            raise DicomReadError(
                path,
                f"the file is truncated: {size - end} bytes after the last complete element cannot be read",
            )


def prepare_file_meta(ds: Dataset) -> None:
    """Group 0002 as XNAT writes it: a transfer syntax (Explicit VR Little Endian by default) and
    (0002,0002)/(0002,0003) taken from (0008,0016)/(0008,0018) (spec §8.3)."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        meta = FileMetaDataset()
        ds.file_meta = meta
    if "TransferSyntaxUID" not in meta:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
    sync_file_meta(DicomObject(ds))
    _keep_text_bytes(ds)


def _keep_text_bytes(ds: Dataset) -> None:
    """Text the script did not write keeps its bytes, as in XNAT, even when the script changed
    (0008,0005): pydicom would decode it with the old and re-encode it with the new character
    set.  Sequences still undecoded are copied as bytes anyway."""
    current = ds._character_set
    if ds.original_character_set != current:
        implicit, little = ds.original_encoding
        ds.set_original_encoding(implicit, little, current)
    for elem in members(ds).values():
        if type(elem) is not RawDataElement and elem.VR == "SQ":
            for item in cast(DicomSequence, elem.value):
                _keep_text_bytes(item)


def write_dicom(ds: Dataset, path: str | os.PathLike[str], *, source: fastpath.Source | None = None) -> bool:
    """Write ``ds`` to ``path`` atomically: a temporary file in the same directory, renamed.

    ``source`` is the fast path's record of the file ``ds`` was read from: the bytes are then
    those pydicom would write, with the untouched elements copied from the file.  Returns
    whether the fast path wrote them.
    """
    target = Path(path)
    try:
        with quiet_pydicom(), atomic_output(target, durable=False) as fh:
            prepare_file_meta(ds)
            return _write(ds, fh, source)
    except OSError as e:
        raise DicomWriteError(target, cannot_write(target, e)) from None
    except Exception as e:  # pydicom cannot encode what the dataset holds
        reason = f"cannot write {target}: pydicom cannot encode the data ({_kind(e)})"
        raise DicomWriteError(target, reason, detail=str(e) or None) from None


def _write(ds: Dataset, fh: BinaryIO, source: fastpath.Source | None) -> bool:
    enforce = _has_required_meta(ds)
    pieces = fastpath.encode(ds, source, enforce_file_format=enforce) if source is not None else None
    if pieces is not None:
        assert source is not None
        write_pieces(fh.fileno(), pieces, source.path)
        return True
    if source is not None:
        source.materialize(ds)
    with quiet_pydicom():
        # the encoding follows (0002,0010): kept from the input, or set by alterPixels
        pydicom.dcmwrite(fh, ds, enforce_file_format=enforce)
    return False


def _has_required_meta(ds: Dataset) -> bool:
    """A dataset without SOP Class/Instance UIDs cannot get a conformant file meta group: it is
    written with the group it has and a preamble, as XNAT writes it."""
    meta = ds.file_meta
    if meta.get("MediaStorageSOPClassUID") and meta.get("MediaStorageSOPInstanceUID"):
        return True
    if getattr(ds, "preamble", None) is None:
        ds.preamble = b"\x00" * 128
    return False
