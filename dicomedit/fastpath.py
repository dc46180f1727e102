"""The fast path for whole files: find the elements with one pass over the bytes, and write the
elements a script left alone back as the bytes they were.

``read`` (or ``parse`` for bytes in memory) builds the ``FileDataset`` that ``pydicom.dcmread``
builds — the same raw elements (tag, VR, length, undecoded value, offset, encoding), the same
file meta, the same encodings — for the files most archives hold: a preamble, a file meta
group, then an Explicit or Implicit VR Little Endian dataset.  pydicom's generic element loop
is what makes reading slow; here it is only used for undefined-length elements (sequences,
encapsulated pixel data), at their offset.  No value is decoded: the engine decodes the few
elements a script matches.  Native pixel data a script never reads can be left in the file
(``Unread``) and copied file to file when the output is written.

``encode`` gives the bytes ``pydicom.dcmwrite`` writes for the dataset after the script ran.  A
raw element is its header and its bytes, as pydicom writes raw elements; consecutive elements
that are still the objects read from the file are one span of the file, so most of it (pixel
data and everything after it included) is copied as it was.  Sequences the engine opened are
written item by item the same way, and elements the engine converted go through pydicom's
own element writer.

Either returns None when it cannot be sure to match pydicom — no preamble, big endian, deflate,
a VR pydicom would have to guess, truncated or trailing bytes, a dataset pydicom would
re-encode for another transfer syntax or character set — and the caller takes the general
path.  ``tests/test_fastpath_identity.py`` checks both, byte for byte, against the general path.
"""

from __future__ import annotations

import copy
import io
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydicom.charset import convert_encodings, default_encoding
from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset, validate_file_meta
from pydicom.filebase import DicomBytesIO
from pydicom.filereader import data_element_generator
from pydicom.filewriter import write_data_element, write_OBvalue, write_OWvalue, writers
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ImplicitVRLittleEndian,
    PrivateTransferSyntaxes,
)
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32
from pydicom.values import convert_string

from .engine.elements import members
from .layout import (
    EXPLICIT_HEADER,
    HEAD,
    ITEM_DELIMITER,
    ITEM_END,
    LONG_VRS,
    PIXEL_DATA,
    PREAMBLE,
    PREFIX,
    SEQUENCE_END,
    SPECIFIC_CHARACTER_SET,
    UNDEFINED,
    VRS,
    FileRange,
    Piece,
    empty_value,
    guarded,
    looks_explicit,
    meta_headers,
)

_IMPLICIT = struct.Struct("<HHL")
_UL = struct.Struct("<L")
_LONG_TEXT = frozenset(str(vr) for vr in EXPLICIT_VR_LENGTH_32)
_ENCAPSULATED_START = b"\xfe\xff\x00\xe0"

Element = RawDataElement | DataElement
LARGE = 64 * 1024  # pixel data at least this long may be left unread


class _Unsure(Exception):
    """The fast path cannot be sure to match pydicom here."""


class UnreadValueError(Exception):
    """Something wanted the bytes of a value the fast path left in the file."""


class Unread:
    """The value of pixel data left in the file: copied from it when the output is written.

    Only its length is known; anything else raises ``UnreadValueError``, so that a script that
    needed the bytes cannot go on without them (the plan says when none does:
    ``Plan.reads_pixel_data``).
    """

    __slots__ = ("length", "offset")

    def __init__(self, offset: int, length: int) -> None:
        self.offset = offset
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __bool__(self) -> bool:
        return self.length > 0

    def __eq__(self, other: object) -> bool:
        raise UnreadValueError("the pixel data were not read")

    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> Unread:
        return self  # nothing in it changes

    def __deepcopy__(self, memo: dict[int, Any]) -> Unread:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # protocols probed for (buffers, arrays…) are absent
            raise AttributeError(name)
        raise UnreadValueError(f"the pixel data were not read ({name})")


@dataclass(slots=True)
class Source:
    """A file read by the fast path: the parts of it that were read, and where each element
    read from it lies."""

    path: str
    size: int
    segments: list[tuple[int, bytes]]  # (offset in the file, bytes read from there)
    dataset: FileDataset
    spans: dict[int, tuple[RawDataElement, int, int]]  # id of a raw element → (it, start, end)

    def materialize(self, dataset: Dataset) -> None:
        """Read the pixel data left in the file into ``dataset`` (before pydicom writes it)."""
        elements = members(dataset)
        found = elements.get(PIXEL_DATA)
        if type(found) is RawDataElement and isinstance(found.value, Unread):
            unread = found.value
            with open(self.path, "rb") as fh:
                fh.seek(unread.offset)
                data = fh.read(unread.length)
            elements[PIXEL_DATA] = found._replace(value=data)

    @property
    def deferred(self) -> bool:
        """Whether some of the file (pixel data) was left unread."""
        return sum(len(data) for _, data in self.segments) < self.size

    def pieces(self, start: int, end: int) -> list[Piece | FileRange]:
        """The file's bytes from ``start`` to ``end``: views of what was read, ranges of the rest."""
        out: list[Piece | FileRange] = []
        for base, data in self.segments:
            if start >= end:
                break
            if start < base:  # a part that was not read
                stop = min(end, base)
                out.append(FileRange(start, stop - start))
                start = stop
            if base <= start < base + len(data):
                stop = min(end, base + len(data))
                out.append(memoryview(data)[start - base : stop - base])
                start = stop
        if start < end:
            out.append(FileRange(start, end - start))
        return out


# ---------------------------------------------------------------------------------------------
# reading


def read(path: str | os.PathLike[str], *, defer_pixels: bool = False) -> Source | None:
    """The dataset ``pydicom.dcmread(path)`` reads, or None when the fast path cannot be sure.

    With ``defer_pixels``, large pixel data are left in the file (``Unread``) and copied from it
    when the output is written.  ``OSError`` when the file cannot be read.
    """
    name = os.fspath(path)
    fd = os.open(name, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size

        def fetch(offset: int, length: int) -> bytes:
            data = os.pread(fd, length, offset)
            if len(data) != length:
                raise _Unsure  # the file changed while it was read
            return data

        return guarded(lambda: _parse(fetch, size, name, defer_pixels), passing=OSError)
    finally:
        os.close(fd)


def parse(data: bytes, path: str | os.PathLike[str]) -> Source | None:
    """The dataset ``pydicom.dcmread(path)`` reads from ``data`` (the file's bytes), or None."""
    return guarded(
        lambda: _parse(
            lambda offset, length: data[offset : offset + length], len(data), os.fspath(path), False
        ),
        passing=OSError,
    )


Fetch = Callable[[int, int], bytes]


def _parse(fetch: Fetch, size: int, path: str, defer_pixels: bool) -> Source:
    # Without pixel data to leave behind, one read of the whole file costs least.
    data = fetch(0, min(size, HEAD) if defer_pixels else size)
    if data[PREAMBLE : PREAMBLE + 4] != PREFIX:
        raise _Unsure
    meta, pos = _file_meta(data, PREAMBLE + 4)
    if pos + 8 > len(data) and len(data) < size:
        data += fetch(len(data), size - len(data))
        meta, pos = _file_meta(data, PREAMBLE + 4)
    if len(data) - pos < 8 or EXPLICIT_HEADER.unpack_from(data, pos)[0] == 0:
        raise _Unsure  # nothing after the file meta, or a command set (read as implicit VR)
    implicit = _implicit(meta.get("TransferSyntaxUID"))
    if looks_explicit(data, pos) == implicit:
        raise _Unsure  # pydicom would switch encodings after a warning
    spans: dict[int, tuple[RawDataElement, int, int]] = {}
    reader = _Reader(fetch, size, data, defer_pixels)
    raw = reader.elements(pos, implicit, spans)
    if not raw:
        raise _Unsure
    inner = Dataset(raw, parent_encoding=default_encoding)
    encoding: Any = default_encoding
    if SPECIFIC_CHARACTER_SET in raw:
        element = raw[BaseTag(SPECIFIC_CHARACTER_SET)]
        assert isinstance(element, RawDataElement)
        encoding = convert_encodings(convert_raw_data_element(element).value)
    inner.set_original_encoding(implicit, True, encoding)
    dataset = FileDataset(path, inner, data[:PREAMBLE], meta, implicit, True)
    dataset.set_original_encoding(implicit, True, inner._character_set)
    return Source(path, size, reader.segments, dataset, spans)


def read_file_meta(data: bytes) -> tuple[FileMetaDataset, int] | None:
    """Group 0002 of a Part 10 file's first bytes as pydicom reads it, and where the dataset
    starts; None without the preamble and prefix, or when pydicom could read it otherwise."""
    if data[PREAMBLE : PREAMBLE + 4] != PREFIX:
        return None
    return guarded(lambda: _file_meta(data, PREAMBLE + 4))


def _file_meta(data: bytes, pos: int) -> tuple[FileMetaDataset, int]:
    """Group 0002, Explicit VR Little Endian, as ``pydicom.filereader._read_file_meta_info``."""
    if not looks_explicit(data, pos):
        raise _Unsure
    headers = meta_headers(data, pos)
    if headers is None:
        raise _Unsure
    raw: dict[BaseTag, RawDataElement | DataElement] = {}
    for number, vr, _, value_at, end, _ in headers[0]:
        tag = BaseTag(number)
        if tag in raw:
            raise _Unsure
        length = end - value_at
        value = data[value_at:end] if length else empty_value(vr)
        raw[tag] = RawDataElement(tag, vr, length, value, value_at, False, True)
    pos = headers[1]
    if not raw:
        raise _Unsure
    inner = Dataset(raw, parent_encoding=default_encoding)
    inner.set_original_encoding(False, True, default_encoding)
    meta = FileMetaDataset(inner)
    meta.set_original_encoding(
        is_implicit_vr=False, is_little_endian=True, character_encoding=default_encoding
    )
    # What pydicom reads next leaves these converted; the writer sees the same state.
    meta[next(iter(meta.elements())).tag]
    if "FileMetaInformationGroupLength" in meta:
        meta.FileMetaInformationGroupLength  # noqa: B018
    return meta, pos


def _implicit(syntax: UID | None) -> bool:
    if syntax is None or syntax in PrivateTransferSyntaxes:
        raise _Unsure
    if syntax == ImplicitVRLittleEndian:
        return True
    if syntax in (ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian):
        raise _Unsure
    return False  # Explicit VR Little Endian, and every other syntax, as pydicom assumes


class _Reader:
    """The top-level elements, as ``data_element_generator`` yields them, from the file's bytes
    read as far as needed: a head, then either the rest of the file or, around pixel data left
    unread, what follows it."""

    def __init__(self, fetch: Fetch, size: int, head: bytes, defer_pixels: bool) -> None:
        self.fetch = fetch
        self.size = size
        self.segments: list[tuple[int, bytes]] = [(0, head)]
        self.defer_pixels = defer_pixels

    def _upto(self, end: int) -> bytes:
        """The file read from the start up to at least ``end`` (and a head's worth more, for the
        headers that follow); only before anything was left unread."""
        base, data = self.segments[-1]
        if base != 0 or len(self.segments) != 1:
            raise _Unsure  # not met: after pixel data the rest of the file is read at once
        if len(data) < end:
            want = min(self.size, max(end + HEAD, 2 * len(data)))
            data += self.fetch(len(data), want - len(data))
            self.segments = [(0, data)]
        return data

    def _whole(self) -> bytes:
        return self._upto(self.size)

    def elements(
        self, pos: int, implicit: bool, spans: dict[int, tuple[RawDataElement, int, int]]
    ) -> dict[BaseTag, RawDataElement | DataElement]:
        """This loop is most of the cost of reading a file: it works on plain integers, with
        offsets in the file, and builds the element tuples directly."""
        found: dict[BaseTag, RawDataElement | DataElement] = {}
        encoding: Any = default_encoding
        base, data = self.segments[-1]
        size = self.size
        unpack = _IMPLICIT.unpack_from if implicit else EXPLICIT_HEADER.unpack_from
        unpack_ul = _UL.unpack_from
        vrs, long_vrs, new = VRS, LONG_VRS, tuple.__new__
        vr: str | None = None
        canonical = True
        last_tag = -1
        while size - pos >= 8:
            if pos - base < 0 or (pos + 12 > base + len(data) and pos + 12 <= size):
                data, base = self._upto(pos + 12), 0  # a header that was not read yet
            start = pos
            at = pos - base
            if implicit:
                group, number, length = unpack(data, at)
                pos += 8
            else:
                group, number, vr_bytes, length = unpack(data, at)
                vr = vrs.get(vr_bytes)
                if vr is None:
                    raise _Unsure
                pos += 8
                canonical = True
                if vr_bytes in long_vrs:
                    if size - pos < 4:
                        raise _Unsure
                    canonical = length == 0  # the reserved bytes, which pydicom writes as zeros
                    length = unpack_ul(data, at + 8)[0]
                    pos += 4
            tag = group << 16 | number
            if tag <= last_tag or tag == ITEM_DELIMITER:
                raise _Unsure  # out of order, repeated, or not an element: pydicom decides
            last_tag = tag
            if length == UNDEFINED:
                data, base = self._whole(), 0
                parsed, pos = _undefined(data, start, implicit, encoding)
                found[BaseTag(tag)] = parsed
                if isinstance(parsed, RawDataElement) and canonical and data[pos - 8 : pos] == SEQUENCE_END:
                    spans[id(parsed)] = (parsed, start, pos)
                continue
            value_end = pos + length
            if value_end > size:
                raise _Unsure  # truncated: the general path reports it
            key = BaseTag(tag)
            if value_end > base + len(data):
                if tag == PIXEL_DATA and self.defer_pixels and length >= LARGE and canonical:
                    unread = Unread(pos, length)
                    raw = new(RawDataElement, (key, vr, length, unread, pos, implicit, True, True, False))
                    found[key] = raw
                    spans[id(raw)] = (raw, start, value_end)
                    pos = value_end
                    if pos < size:
                        base, data = pos, self.fetch(pos, size - pos)
                        self.segments.append((base, data))
                    continue
                data, base = self._upto(value_end), 0
            at = pos - base
            value = data[at : at + length] if length else empty_value(vr)
            if tag == SPECIFIC_CHARACTER_SET:  # undefined-length sequences after it are read with it
                encoding = convert_encodings(convert_string(value or b"", True))
            raw = new(RawDataElement, (key, vr, length, value, pos, implicit, True, True, False))
            found[key] = raw
            if canonical and value is not None:
                spans[id(raw)] = (raw, start, value_end)
            pos = value_end
        if pos != size:
            raise _Unsure  # bytes pydicom would silently leave unread
        return found


def _undefined(
    data: bytes, start: int, implicit: bool, encoding: Any
) -> tuple[RawDataElement | DataElement, int]:
    """An undefined-length element, read by pydicom's own reader at its offset."""
    fp = io.BytesIO(data)
    fp.seek(start)
    element = next(data_element_generator(fp, implicit, True, encoding=encoding))
    return element, fp.tell()


# ---------------------------------------------------------------------------------------------
# writing


def encode(dataset: Dataset, source: Source, *, enforce_file_format: bool) -> list[Piece | FileRange] | None:
    """The bytes of ``pydicom.dcmwrite(fp, dataset, enforce_file_format=...)``, in pieces, or None.

    ``dataset`` is the one ``source`` read, after a script ran on it.
    """
    return guarded(lambda: _encode(dataset, source, enforce_file_format))


def _encode(dataset: Dataset, source: Source, enforce_file_format: bool) -> list[Piece | FileRange]:
    if any(tag >> 16 in (0, 2) for tag in members(dataset)):
        raise _Unsure
    pieces, syntax = _head(dataset, enforce_file_format)
    implicit = bool(syntax.is_implicit_VR)
    pixels = members(dataset).get(PIXEL_DATA)
    if type(pixels) is RawDataElement and isinstance(pixels.value, Unread):
        # dcmwrite converts the element to set its length kind, then writes its bytes as they are
        # with the VR it has: the bytes in the file, when nothing about them changes
        if syntax.is_compressed or pixels.length % 2 or not (implicit or pixels.VR in ("OB", "OW")):
            raise _Unsure
    elif "PixelData" in dataset:
        dataset["PixelData"].is_undefined_length = syntax.is_compressed
    _Writer(implicit, pieces, source).dataset(dataset, default_encoding)
    return pieces


def head(dataset: Dataset, *, enforce_file_format: bool) -> tuple[list[Piece | FileRange], UID] | None:
    """What ``dcmwrite`` writes before the dataset (preamble, prefix, group 0002) and the transfer
    syntax it writes the dataset in; None when the fast path cannot be sure to match it."""
    return guarded(lambda: _head(dataset, enforce_file_format))


def _head(dataset: Dataset, enforce_file_format: bool) -> tuple[list[Piece | FileRange], UID]:
    file_meta = _copy_meta(dataset.file_meta) if hasattr(dataset, "file_meta") else FileMetaDataset()
    syntax: UID | None = file_meta.get("TransferSyntaxUID", None)
    if syntax is None or not syntax.is_transfer_syntax or syntax.is_private:
        raise _Unsure
    if syntax == DeflatedExplicitVRLittleEndian or not syntax.is_little_endian:
        raise _Unsure
    preamble = getattr(dataset, "preamble", None)
    if preamble and len(preamble) != PREAMBLE:
        raise _Unsure
    if enforce_file_format:
        # as dcmwrite: group 0002 completed from the dataset, on a copy
        meta_class = file_meta.get("MediaStorageSOPClassUID", None)
        ds_class = dataset.get("SOPClassUID", None)
        if meta_class is None or (ds_class and ds_class != meta_class):
            file_meta.MediaStorageSOPClassUID = ds_class
        meta_instance = file_meta.get("MediaStorageSOPInstanceUID", None)
        ds_instance = dataset.get("SOPInstanceUID", None)
        if meta_instance is None or (ds_instance and ds_instance != meta_instance):
            file_meta.MediaStorageSOPInstanceUID = ds_instance
        validate_file_meta(file_meta, enforce_standard=True)
        if not preamble:
            preamble = b"\x00" * PREAMBLE
    pieces: list[Piece | FileRange] = []
    if preamble:
        pieces += [preamble, PREFIX]
    if file_meta:
        pieces.append(_file_meta_bytes(file_meta, enforce_file_format))
    return pieces, syntax


def _copy_meta(meta: FileMetaDataset) -> FileMetaDataset:
    """The copy of group 0002 that ``dcmwrite`` completes and writes (as its ``deepcopy`` does,
    without copying every value: values are replaced, never changed in place)."""
    copied = FileMetaDataset()
    target = members(copied)
    for tag, elem in members(meta).items():
        target[tag] = copy.copy(elem) if isinstance(elem, DataElement) else elem
    implicit, little = meta.original_encoding
    copied.set_original_encoding(implicit, little, meta.original_character_set)
    return copied


def _file_meta_bytes(file_meta: FileMetaDataset, enforce_standard: bool) -> bytes:
    """``write_file_meta_info``: group 0002 in Explicit VR Little Endian, its group length set."""
    if not enforce_standard:  # with it, dcmwrite has just validated (and completed) the group
        validate_file_meta(file_meta, enforce_standard)
    if enforce_standard and "FileMetaInformationGroupLength" not in file_meta:
        file_meta.FileMetaInformationGroupLength = 0
    parts: list[Piece | FileRange] = []
    size = _Writer(False, parts).dataset(file_meta, default_encoding)
    encoded = bytearray().join(p for p in parts if not isinstance(p, FileRange))
    if "FileMetaInformationGroupLength" in file_meta:
        file_meta.FileMetaInformationGroupLength = size - 12
        first = _element_bytes(file_meta[0x00020000], None, False)
        encoded[: len(first)] = first  # written over the start, as pydicom does
    return bytes(encoded)


# Values of one type whose encoding depends on nothing else: each element of a series that
# pydicom converts (the character set, the SOP class, the transfer syntax…) is encoded once.
_PLAIN_VALUES = (str, int, float, bytes)
_ENCODED: dict[tuple[Any, ...], bytes] = {}
_ENCODED_MAX = 4096


def _element_bytes(elem: DataElement, encodings: Any, implicit: bool) -> bytes:
    """``write_data_element`` of a converted element, remembered for plain values."""
    value = elem.value
    key: tuple[Any, ...] | None = None
    if type(value) in _PLAIN_VALUES or isinstance(value, UID):
        charset = tuple(encodings) if isinstance(encodings, list) else encodings
        key = (int(elem.tag), elem.VR, type(value), value, elem.is_undefined_length, charset, implicit)
        found = _ENCODED.get(key)
        if found is not None:
            return found
    fp = DicomBytesIO()
    fp.is_implicit_VR, fp.is_little_endian = implicit, True
    write_data_element(fp, elem, encodings)
    data = fp.getvalue()
    if key is not None:
        if len(_ENCODED) >= _ENCODED_MAX:
            _ENCODED.clear()
        _ENCODED[key] = data
    return data


class _Writer:
    """``pydicom.filewriter.write_dataset`` for the datasets the fast path reads.

    With a ``source``, top-level raw elements that are the ones read from it are copied from
    the file, consecutive ones as one span.
    """

    def __init__(self, implicit: bool, pieces: list[Piece | FileRange], source: Source | None = None) -> None:
        self.implicit = implicit
        self.pieces = pieces
        self.source = source
        self.spans = source.spans if source is not None else {}

    def dataset(self, ds: Dataset, parent_encoding: Any) -> int:
        """Append ``ds``'s elements; return how many bytes they take."""
        if ds.original_encoding != (self.implicit, True) or ds.original_character_set != ds._character_set:
            raise _Unsure  # pydicom converts every element to re-encode it
        encodings = ds.get("SpecificCharacterSet", parent_encoding)
        spans = self.spans
        written = 0
        run_start = run_end = -1
        elements = members(ds)
        for tag in sorted(elements, key=int):
            if tag & 0xFFFF == 0 and tag >> 16 > 6:
                continue  # group lengths are not written (PS3.5 §7.2)
            elem = elements[tag]
            if type(elem) is RawDataElement:
                if elem.value is None:
                    elem = ds[tag]  # pydicom's writer converts it first (Dataset.get_item)
                else:
                    span = spans.get(id(elem))
                    if span is not None and span[0] is elem:
                        if span[1] != run_end:
                            self._copy(run_start, run_end)
                            run_start = span[1]
                        run_end = span[2]
                        written += span[2] - span[1]
                        continue
            self._copy(run_start, run_end)
            run_start = run_end = -1
            written += self.element(elem, encodings)
        self._copy(run_start, run_end)
        return written

    def _copy(self, start: int, end: int) -> None:
        if end > start and self.source is not None:
            self.pieces.extend(self.source.pieces(start, end))

    def element(self, elem: RawDataElement | DataElement, encodings: Any) -> int:
        if isinstance(elem, RawDataElement):
            if elem.value is None or elem.is_buffered:
                raise _Unsure  # not met: pydicom converts these before writing
            return self.raw(int(elem.tag), elem.VR, elem.value, elem.length == UNDEFINED)
        if elem.VR == "SQ" and not elem.is_buffered:
            return self.sequence(elem, encodings)
        value = elem.value
        if int(elem.tag) == PIXEL_DATA and isinstance(value, bytes) and not elem.is_buffered:
            # dcmwrite converts the pixel data element; its bytes are still written as they are
            writer = writers.get(elem.VR)  # type: ignore[call-overload]
            if writer is not None and writer[0] in (write_OBvalue, write_OWvalue) and len(value) % 2 == 0:
                return self.raw(
                    PIXEL_DATA, None if self.implicit else elem.VR, value, elem.is_undefined_length
                )
        data = _element_bytes(elem, encodings, self.implicit)
        self.pieces.append(data)
        return len(data)

    def raw(self, tag: int, vr: str | None, value: bytes, undefined: bool) -> int:
        """An element written from its value bytes, as ``write_data_element`` writes raw ones."""
        if undefined and tag == PIXEL_DATA and not value.startswith(_ENCAPSULATED_START):
            raise _Unsure  # pydicom refuses it
        length = len(value)
        if self.implicit:
            header = struct.pack("<HHL", tag >> 16, tag & 0xFFFF, UNDEFINED if undefined else length)
        elif vr is None or len(vr) != 2:
            raise _Unsure
        elif vr in _LONG_TEXT:
            header = struct.pack(
                "<HH2sHL", tag >> 16, tag & 0xFFFF, vr.encode(), 0, UNDEFINED if undefined else length
            )
        elif undefined:
            header = struct.pack("<HH2sL", tag >> 16, tag & 0xFFFF, vr.encode(), UNDEFINED)
        elif length > 0xFFFF:
            raise _Unsure  # pydicom changes the VR to UN
        else:
            header = struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr.encode(), length)
        self.pieces += [header, value]
        if undefined:
            self.pieces.append(SEQUENCE_END)
            return len(header) + length + 8
        return len(header) + length

    def sequence(self, elem: DataElement, encodings: Any) -> int:
        """``write_data_element`` + ``write_sequence`` for a sequence."""
        tag = int(elem.tag)
        undefined = bool(elem.is_undefined_length)
        if self.implicit:
            header = bytearray(struct.pack("<HHL", tag >> 16, tag & 0xFFFF, 0))
        else:
            header = bytearray(struct.pack("<HH2sHL", tag >> 16, tag & 0xFFFF, b"SQ", 0, 0))
        self.pieces.append(header)
        length = 0
        encodings = convert_encodings(encodings or [default_encoding])
        items = elem.value if not elem.is_empty else []
        if not isinstance(items, Sequence | list):
            raise _Unsure
        for item in items:
            if not isinstance(item, Dataset):
                raise _Unsure
            length += self.item(item, encodings)
        struct.pack_into("<L", header, len(header) - 4, UNDEFINED if undefined else length)
        if undefined:
            self.pieces.append(SEQUENCE_END)
            length += 8
        return len(header) + length

    def item(self, item: Dataset, encodings: Any) -> int:
        """``write_sequence_item``."""
        header = bytearray(struct.pack("<HHL", 0xFFFE, 0xE000, 0))
        self.pieces.append(header)
        length = self.dataset(item, encodings)
        if getattr(item, "is_undefined_length_sequence_item", False):
            struct.pack_into("<L", header, 4, UNDEFINED)
            self.pieces.append(ITEM_END)
            return 8 + length + 8
        struct.pack_into("<L", header, 4, length)
        return 8 + length
