"""Scripts that are tables of per-element edits (``engine.table``), run on a file's bytes.

For such a script the output of a file is its input with some elements left out, some values
replaced and a few elements added at the top level: one pass over the element headers finds
them, and everything else is copied as the bytes it was (the pixel data file to file, without
passing through memory).  No dataset is built and no value the script does not edit is decoded.

The values that change are read and encoded as the engine reads and encodes them (by
``textvalues`` for ASCII text in the usual character sets, else by the engine's own functions),
and group 0002 is written as the general path completes it (here for the usual group, else by
the fast path's writer), so the bytes are those the general path (``CompiledScript.apply`` then
``write_dicom``) writes; ``tests/test_direct.py`` checks both, byte for byte, over the
conformance fixtures, pydicom's test files and generated data.  A file that needs neither
fallback is run without importing pydicom.

``run`` returns None whenever it cannot be sure of that: anything but Explicit VR Little Endian,
an element whose encoding pydicom would change, a VR that is unknown or UN, private elements
the script does not remove, a character set declared inside an item, a value the edit cannot
encode, or a file the script rejects or would warn about.  The general path then runs the file.
"""

from __future__ import annotations

import itertools
import os
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import layout, textvalues, uid
from .dictionary import dictionary_vr
from .engine.table import SETTABLE_VRS, Bound, BoundEdit
from .layout import FileRange, Piece

if TYPE_CHECKING:
    from pydicom.dataelem import RawDataElement
    from pydicom.dataset import FileMetaDataset

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
UNDEFINED = layout.UNDEFINED
PIXEL_DATA = layout.PIXEL_DATA
SPECIFIC_CHARACTER_SET = layout.SPECIFIC_CHARACTER_SET
SOP_CLASS_UID = 0x00080016
SOP_INSTANCE_UID = 0x00080018
_KEPT_FOR_META = (SPECIFIC_CHARACTER_SET, SOP_CLASS_UID, SOP_INSTANCE_UID)
_ITEM = 0xFFFEE000
_ITEM_END = layout.ITEM_DELIMITER
_SEQUENCE_END = 0xFFFEE0DD
_HEADER = layout.EXPLICIT_HEADER
_TAG_LENGTH = struct.Struct("<HHL")
_UL = struct.Struct("<L")
_LONG_HEADER = struct.Struct("<HH2sHL")
_VRS = layout.VRS
_LONG_VRS = layout.LONG_VRS
_SHORT_VRS = frozenset(code for code in _VRS if code not in _LONG_VRS)
_NOT_PLAIN = frozenset({b"SQ", b"UN"})  # VRs a public element is never copied blindly with
_NOT_IN_A_DATASET = frozenset({0x0000, 0x0002, 0xFFFE})  # command, file meta and item groups
_PAST_ALL_TAGS = 1 << 32
_ITEM_END_BYTES = layout.ITEM_END
_SEQUENCE_END_BYTES = layout.SEQUENCE_END


class _Unsure(Exception):
    """The general path decides this file."""


class _NeedMore(Exception):
    """A sequence goes on past the bytes read so far."""


@dataclass(frozen=True, slots=True)
class Output:
    """The output file in pieces (bytes, views, ranges of the input) and whether the script
    changed anything (``Outcome.status`` MODIFIED rather than UNCHANGED)."""

    pieces: list[Piece | FileRange]
    modified: bool


def run(table: Bound, path: str | os.PathLike[str]) -> Output | None:
    """The output ``table`` gives for the file at ``path``, or None when the general path must
    decide.  ``OSError`` when the file cannot be read.  (The pieces may be ranges of the file:
    ``Source`` keeps it open to copy them.)"""
    with Source(path) as source:
        return source.run(table)


class Source:
    """An input file, open while its output is made and written."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.fd = os.open(os.fspath(path), os.O_RDONLY)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def run(self, table: Bound) -> Output | None:
        """The output ``table`` gives for this file, or None when the general path must decide:
        when this path is unsure, or the engine cannot read or encode a value (the general path
        reports it).  Errors reading the file go on."""
        return layout.guarded(
            lambda: _File(table, self.fd, os.fstat(self.fd).st_size).output(), passing=OSError
        )


def _header(tag: int, vr: str, length: int) -> bytes:
    code = vr.encode()
    if code in _LONG_VRS:
        return _LONG_HEADER.pack(tag >> 16, tag & 0xFFFF, code, 0, length)
    if length > 0xFFFF:
        raise _Unsure  # pydicom would write it as UN
    return _HEADER.pack(tag >> 16, tag & 0xFFFF, code, length)


class _File:
    def __init__(self, table: Bound, fd: int, size: int) -> None:
        self.table = table
        self.fd = fd
        self.size = size
        self.modified = False
        self.charset: list[str] = ["iso8859"]
        self.charset_known = False  # past (0008,0005) at the top level
        # top-level values the end of the run needs: group 0002 is made from some, rejections
        # read others
        self.kept: dict[int, tuple[str, bytes | None]] = {}
        self.read_for_rejects: dict[int, tuple[str, bytes | None]] = {}
        self.reject_tags = frozenset(guard.tag for guard in table.rejects if guard.tag is not None)
        self.watched = self.reject_tags | frozenset(_KEPT_FOR_META)

    def fetch(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        if len(data) != length:
            raise _Unsure  # the file changed while it was read
        return data

    # -- the file -----------------------------------------------------------------------------
    def output(self) -> Output:
        size = self.size
        data = self.fetch(0, min(size, layout.HEAD))
        if data[layout.PREAMBLE : layout.PREAMBLE + 4] != layout.PREFIX:
            raise _Unsure
        group = _meta_elements(data)
        pos = group[-1][4] if group else 0
        standard = _standard_meta(data, group)
        meta: FileMetaDataset | None = None  # read by pydicom when the group is not the usual one
        if not standard:
            meta, pos = self.pydicom_meta(data)
            if str(meta.get("TransferSyntaxUID", "")) != EXPLICIT_VR_LITTLE_ENDIAN:
                raise _Unsure
        if pos + 12 > len(data):
            raise _Unsure  # a file meta group of 64 KiB, or nothing after it
        if not layout.looks_explicit(data, pos):
            raise _Unsure
        body = self.top_level(data, pos)
        self.check_rejects()
        for tag, (vr, value) in self.kept.items():
            # pydicom converts these to write the file, and writes them in its own form
            canonical = _canonical_cs if tag == SPECIFIC_CHARACTER_SET else _canonical_ui
            if vr != ("CS" if tag == SPECIFIC_CHARACTER_SET else "UI") or not canonical(value or b""):
                raise _Unsure
        head = self.meta(data, group) if standard else None
        if head is None:
            if meta is None:
                meta = self.pydicom_meta(data)[0]
            head = self.head(meta, data[: layout.PREAMBLE])
        return Output([*head, *body], self.modified)

    @staticmethod
    def pydicom_meta(data: bytes) -> tuple[FileMetaDataset, int]:
        from .fastpath import read_file_meta

        found = read_file_meta(data)
        if found is None:
            raise _Unsure
        return found

    def meta(self, data: bytes, group: list[_MetaElement]) -> list[Piece | FileRange] | None:
        """Group 0002 written as the general path writes it, for the usual group (every element
        ``validate_file_meta`` would add already there): the elements as they are, the UIDs the
        script hashes or that follow (0008,0016)/(0008,0018) replaced, the group length
        recomputed.  None when the group is not the usual one."""
        values: dict[int, bytes] = {}
        for tag, vr, _, value_at, end in group:
            for _ in range(self.table.meta_hashes.count(tag)):  # each hashUIDList hashes it again
                if vr != "UI":
                    raise _Unsure  # the general path warns about it
                held = values.get(tag, data[value_at:end])
                new = self.hashed(tag, held or layout.empty_value(vr))
                if new != held:
                    values[tag] = new
        for meta_tag, source_tag in _SYNCED:
            source = self.kept.get(source_tag)
            if source is None:
                continue
            if source[0] == "SQ":
                raise _Unsure
            text = _read(source_tag, *source, self.charset)
            if not text.strip("\0 "):
                return None  # an empty UID: the group is written otherwise
            for tag, vr, _, value_at, end in group:
                if tag == meta_tag:
                    held = values.get(tag, data[value_at:end])
                    if _read(tag, vr, held or layout.empty_value(vr), self.charset) != text:
                        new = _encode("UI", text, self.charset)
                        if new != held or vr != "UI":
                            values[tag] = new
        pieces: list[Piece | FileRange] = [data[: layout.PREAMBLE + 4], b""]
        total = 0
        view = memoryview(data)
        for tag, _, start, _, end in group[1:]:
            replaced = values.get(tag)
            if replaced is None:
                pieces.append(view[start:end])
                total += end - start
            else:
                header = _header(tag, "UI", len(replaced))
                pieces += [header, replaced]
                total += len(header) + len(replaced)
                self.modified = True
        pieces[1] = bytes(data[group[0][2] : group[0][3]]) + _UL.pack(total)
        return pieces

    def check_rejects(self) -> None:
        for guard in self.table.rejects:
            assert guard.tag is not None
            tag = guard.tag
            found = self.read_for_rejects.get(tag)
            if found is not None and found[0] == "SQ":
                raise _Unsure
            value = None if found is None else _read(tag, *found, self.charset)
            if guard.holds(value):
                raise _Unsure  # rejected: the general path says so, in its words

    def head(self, meta: FileMetaDataset, preamble: bytes) -> list[Piece | FileRange]:
        """Preamble, prefix and group 0002, as the general path completes and writes them."""
        from pydicom.dataset import Dataset
        from pydicom.tag import Tag

        from . import fastpath
        from .engine.dicomobject import DicomObject, sync_file_meta
        from .engine.elements import members, read_string

        ds = Dataset()
        ds.file_meta = meta
        ds.preamble = preamble
        elements = members(ds)
        for tag, (vr, value) in self.kept.items():
            if vr != "SQ":
                elements[Tag(tag)] = _raw(tag, vr, value)
        ds.set_original_encoding(False, True, self.charset)
        obj = DicomObject(ds)
        for tag in self.table.meta_hashes:
            current = meta.get_item(tag) if tag in meta else None
            if current is None:
                continue
            if current.VR != "UI":
                raise _Unsure
            hashed = _hashed(read_string(current, obj.charset))
            obj.set_string(ds, tag, hashed, obj.charset)
        sync_file_meta(obj)
        self.modified = self.modified or obj.modified
        enforce = bool(meta.get("MediaStorageSOPClassUID") and meta.get("MediaStorageSOPInstanceUID"))
        if "TransferSyntaxUID" not in meta:
            raise _Unsure
        made = fastpath.head(ds, enforce_file_format=enforce)
        if made is None or str(made[1]) != EXPLICIT_VR_LITTLE_ENDIAN:
            raise _Unsure
        return made[0]

    # -- the elements -------------------------------------------------------------------------
    def top_level(self, data: bytes, pos: int) -> list[Piece | FileRange]:
        """The dataset's elements from ``pos``, read in a first part ``data`` of the file."""
        size = self.size
        out: list[Piece | FileRange] = []
        base = 0
        view = memoryview(data)
        run = pos  # start of the bytes copied as they are
        last = -1
        pending = list(self.table.creatable)
        # the first tag at which more than the element itself is looked at: the next tag a
        # ``:=`` may create, or (0008,0005) from which on the character set is known (found at
        # the first element)
        event = 0
        known_edits = self.table.top_edits_known
        deleted = self.table.top_deletes_known
        watched = self.watched
        remove_private = self.table.remove_private
        unpack = _HEADER.unpack_from
        short_vrs = _SHORT_VRS
        long_vrs = _LONG_VRS
        plain_exceptions = _NOT_PLAIN
        unpack_ul = _UL.unpack_from
        limit = len(data)  # the end of what was read, in the file
        left_out = False  # an element was left out by the loop itself
        while pos < size:
            if pos + 12 > limit and limit < size:
                if base:
                    raise _Unsure  # not met: after pixel data the rest is read at once
                data = self.fetch(0, size)  # a header past the first part: read it all
                view = memoryview(data)
                limit = size
            group, number, code, length = unpack(data, pos - base)
            tag = group << 16 | number
            if tag <= last or group in _NOT_IN_A_DATASET:
                raise _Unsure
            last = tag
            if tag >= event:
                while pending and pending[0] < tag:
                    if run < pos:
                        out.append(view[run - base : pos - base])
                    run = pos
                    out += self.created(pending.pop(0))
                if pending and pending[0] == tag:
                    pending.pop(0)
                if tag >= SPECIFIC_CHARACTER_SET:
                    self.charset_known = True
                event = pending[0] if pending else _PAST_ALL_TAGS
                if not self.charset_known:
                    event = min(event, SPECIFIC_CHARACTER_SET)
            # the usual elements, decided from the header alone: a private one removeAllPrivateTags
            # leaves out, one nothing edits (its bytes are copied with the others) or one the
            # script deletes
            if code in short_vrs:
                end = pos + 8 + length
            elif code in long_vrs and not length and pos + 12 <= limit:
                end = pos + 12 + unpack_ul(data, pos - base + 8)[0]  # never past an undefined length
            else:
                end = size + 1
            if end <= limit and tag != PIXEL_DATA:
                leave_out = False
                if group & 1:
                    leave_out = remove_private
                elif number and tag not in watched and code not in plain_exceptions:
                    edits = known_edits.get(tag)
                    if edits is None:
                        edits = self.table.for_tag(tag, True)
                    if not edits:
                        pos = end
                        continue
                    leave_out = tag in deleted
                if leave_out:
                    if run < pos:
                        out.append(view[run - base : pos - base])
                    pos = run = end
                    left_out = True
                    continue
            vr, length, header = self.header_of(group, code, length, data, pos - base)
            value_at = pos + header
            inner: list[Piece] | None = None
            if vr == "SQ":
                try:
                    inner, new_length, end = self.sequence(data, base, value_at, length)
                except _NeedMore:
                    if base or len(data) == size:
                        raise _Unsure from None
                    data = self.fetch(0, size)
                    view = memoryview(data)
                    limit = size
                    inner, new_length, end = self.sequence(data, base, value_at, length)
            elif length == UNDEFINED:
                raise _Unsure  # encapsulated pixel data and the like
            else:
                end = value_at + length
                if end > size:
                    raise _Unsure  # truncated: the general path reports it
                if tag == PIXEL_DATA and (length % 2 or vr not in ("OB", "OW")):
                    raise _Unsure  # pydicom converts the pixel data and would pad or re-encode them
                if end > limit:
                    if tag == PIXEL_DATA and not base:
                        # copied file to file; the rest of the file is read after it
                        out.append(view[run - base : value_at - base])
                        out.append(FileRange(value_at, length))
                        pos = run = base = end
                        data = self.fetch(end, size - end) if end < size else b""
                        view = memoryview(data)
                        limit = size
                        continue
                    if base:
                        raise _Unsure
                    data = self.fetch(0, size)
                    view = memoryview(data)
                    limit = size
                new_length = length
            if number == 0 and group > 6 and not group & 1:
                if self.table.for_tag(tag, True):
                    raise _Unsure
                replacement: list[Piece] | None = []  # group lengths are not written (PS3.5 §7.2)
            else:
                value = None if vr == "SQ" else data[value_at - base : end - base]
                replacement = self.decide(tag, vr, value, length, new_length, inner, top=True)
            if replacement is not None:
                if run < pos:
                    out.append(view[run - base : pos - base])
                out += replacement
                run = end
            pos = end
        if pos != size:
            raise _Unsure  # bytes pydicom would leave unread
        if run < pos:
            out.append(view[run - base : pos - base])
        for tag in pending:
            out += self.created(tag)
        if left_out:
            self.modified = True
        return out

    def header_of(self, group: int, code: bytes, length: int, data: bytes, at: int) -> tuple[str, int, int]:
        """(VR, value length, header length) of the element whose header is at ``at``."""
        vr = _VRS.get(code)
        if vr is None or (vr == "UN" and not (group & 1 and self.table.remove_private)):
            raise _Unsure  # UN may hide a sequence the general path warns about
        if code not in _LONG_VRS:
            return vr, length, 8
        if length:
            raise _Unsure  # reserved bytes that pydicom writes as zeros
        if at + 12 > len(data):
            raise _NeedMore
        return vr, _UL.unpack_from(data, at + 8)[0], 12

    def decide(
        self,
        tag: int,
        vr: str,
        value: bytes | memoryview | None,
        length: int,
        new_length: int,
        inner: list[Piece] | None,
        *,
        top: bool,
    ) -> list[Piece] | None:
        """What is written for one element: None for its bytes as they are, else the pieces
        (none when it is left out)."""
        if tag >> 16 & 1:
            if not self.table.remove_private:
                raise _Unsure
            self.modified = True
            return []
        edits = self.table.for_tag(tag, top)
        watched = top and tag in self.watched
        if watched:
            self.note(tag, vr, None if value is None or not length else bytes(value), read=True)
        if edits:
            if vr == "SQ" or (len(edits) == 1 and edits[0].kind == "delete"):
                if any(e.create for e in edits):
                    raise _Unsure
                if any(e.kind == "delete" for e in edits):
                    self.modified = True
                    if watched:
                        self.note(tag, vr, None, gone=True)
                    return []
            else:
                assert value is not None
                result = self.edited(tag, vr, bytes(value), edits)
                if result is not None:
                    new_vr, new_value = result
                    if watched:
                        self.note(tag, new_vr, new_value, gone=new_value is None)
                    return [] if new_value is None else [_header(tag, new_vr, len(new_value)), new_value]
        if inner is not None:
            sq_length = length if length == UNDEFINED else new_length
            return [_LONG_HEADER.pack(tag >> 16, tag & 0xFFFF, b"SQ", 0, sq_length), *inner]
        return None

    def note(self, tag: int, vr: str, value: bytes | None, *, gone: bool = False, read: bool = False) -> None:
        """Keep a top-level value the end of the run needs: the output's (0008,0005),
        (0008,0016) and (0008,0018), from which group 0002 is made, and (``read``) the file's
        own value of a tag a rejection reads (no edit before the rejection can change it, so
        later edits must not either).  An empty value is kept as pydicom reads it (b"" or None)."""
        if gone:
            self.kept.pop(tag, None)
            return
        if value is None and vr != "SQ":
            value = layout.empty_value(vr)
        if tag == SPECIFIC_CHARACTER_SET:
            self.charset = _declared(vr, value)
        if tag in _KEPT_FOR_META:
            self.kept[tag] = (vr, value)
        if read and tag in self.reject_tags:
            self.read_for_rejects[tag] = (vr, value)

    def created(self, tag: int) -> list[Piece]:
        """A top-level element the script's ``:=`` creates (nothing if it does not)."""
        result = self.edited(tag, dictionary_vr(tag), None, self.table.for_tag(tag, True))
        if result is None or result[1] is None:
            return []
        self.note(tag, *result)
        return [_header(tag, result[0], len(result[1])), result[1]]

    def edited(
        self, tag: int, vr: str, value: bytes | None, edits: Sequence[BoundEdit]
    ) -> tuple[str, bytes | None] | None:
        """(VR, new value or None when deleted) after ``edits``, or None when unchanged.

        ``value`` is None for an element that is not there.  As in ``DicomObject.set_string``, a
        value equal to the one the element holds changes nothing, and an empty element that
        pydicom reads as None never compares equal.
        """
        if not self.charset_known or tag <= SPECIFIC_CHARACTER_SET:
            raise _Unsure  # not met: values are edited after (0008,0005) has been read
        present = value is not None
        held = (value if value else layout.empty_value(vr)) if present else None
        changed = False
        for edit in edits:
            if edit.kind == "delete":
                if present:
                    present, held, value, changed = False, None, None, True
                continue
            if not present:
                if not (edit.kind == "set" and edit.create):
                    continue
                vr = dictionary_vr(tag)
                if vr not in SETTABLE_VRS:
                    raise _Unsure
            if edit.kind == "hash":
                if vr != "UI":
                    raise _Unsure  # the general path warns about it
                data = self.hashed(tag, held)
            else:
                assert edit.text is not None
                data = self.encoded(vr, edit.text)
            if present and held is not None and held == data:
                continue
            present, held, value, changed = True, data, data, True
        if not changed:
            return None
        self.modified = True
        return vr, value

    def encoded(self, vr: str, text: str) -> bytes:
        """``encode_value`` of ``text``, remembered: scripts write the same few values."""
        key = (vr, text, *self.charset)
        found = _ENCODED.get(key)
        if found is None:
            found = _remember(_ENCODED, key, _encode(vr, text, self.charset))
        return found

    def hashed(self, tag: int, held: bytes | None) -> bytes:
        """The UI value ``hashUIDList`` writes for the value ``held``, remembered: the study,
        series and frame of reference UIDs repeat from file to file."""
        key = (held, *self.charset)
        found = _HASHED.get(key)
        if found is None:
            text = _hashed(_read(tag, "UI", held, self.charset))
            found = _remember(_HASHED, key, _encode("UI", text, self.charset))
        return found

    def sequence(
        self, data: bytes, base: int, start: int, length: int
    ) -> tuple[list[Piece] | None, int, int]:
        """(the items' pieces when something in them changed, else None; their new length; where
        the sequence ends) for a sequence whose value starts at ``start``."""
        limit = base + len(data)
        undefined = length == UNDEFINED
        end = None if undefined else start + length
        if end is not None and end > limit:
            raise _NeedMore
        pos = start
        pieces: list[Piece] = []
        changed = False
        total = 0
        view = memoryview(data)
        while not _ended(pos, end, limit):
            group, number, item_length = _TAG_LENGTH.unpack_from(data, pos - base)
            tag = group << 16 | number
            if undefined and tag == _SEQUENCE_END:
                if item_length:
                    raise _Unsure
                pos += 8
                break
            if tag != _ITEM:
                raise _Unsure
            item_start = pos
            pos += 8
            item_undefined = item_length == UNDEFINED
            content, content_length, content_end = self.container(
                data, base, pos, None if item_undefined else pos + item_length
            )
            if item_undefined:
                if content_end + 8 > limit:
                    raise _NeedMore
                if data[content_end - base : content_end - base + 8] != _ITEM_END_BYTES:
                    raise _Unsure
                item_end = content_end + 8
            else:
                item_end = content_end
            if content is None:
                pieces.append(view[item_start - base : item_end - base])
                total += item_end - item_start
            else:
                changed = True
                pieces.append(
                    _TAG_LENGTH.pack(0xFFFE, 0xE000, UNDEFINED if item_undefined else content_length)
                )
                pieces += content
                total += 8 + content_length
                if item_undefined:
                    pieces.append(_ITEM_END_BYTES)
                    total += 8
            pos = item_end
        if not changed:
            return None, length, pos
        if undefined:
            pieces.append(_SEQUENCE_END_BYTES)
        return pieces, total, pos

    def container(
        self, data: bytes, base: int, pos: int, end: int | None
    ) -> tuple[list[Piece] | None, int, int]:
        """(an item's pieces when something in it changed, else None; its new length; where its
        elements end) for the elements from ``pos`` to ``end`` (None: to an item delimiter)."""
        limit = base + len(data)
        if end is not None and end > limit:
            raise _NeedMore
        view = memoryview(data)
        pieces: list[Piece] = []
        start = run = pos
        total = 0
        last = -1
        while not _ended(pos, end, limit):
            group, number, code, length = _HEADER.unpack_from(data, pos - base)
            tag = group << 16 | number
            if end is None and tag == _ITEM_END:
                break
            if tag <= last or group in (0, 2, 0xFFFE) or not number or tag == SPECIFIC_CHARACTER_SET:
                raise _Unsure  # out of order, a group length, a character set of the item's own
            last = tag
            vr, length, header = self.header_of(group, code, length, data, pos - base)
            value_at = pos + header
            inner: list[Piece] | None = None
            if vr == "SQ":
                inner, new_length, element_end = self.sequence(data, base, value_at, length)
            elif length == UNDEFINED:
                raise _Unsure
            else:
                element_end = value_at + length
                new_length = length
                if element_end > limit:
                    raise _NeedMore
            value = None if vr == "SQ" else view[value_at - base : element_end - base]
            replacement = self.decide(tag, vr, value, length, new_length, inner, top=False)
            if replacement is not None:
                if run < pos:
                    pieces.append(view[run - base : pos - base])
                    total += pos - run
                pieces += replacement
                total += sum(len(p) for p in replacement)
                run = element_end
            pos = element_end
        if run == start:
            return None, pos - start, pos
        if run < pos:
            pieces.append(view[run - base : pos - base])
            total += pos - run
        return pieces, total, pos


_MetaElement = tuple[int, str, int, int, int]  # tag, VR, start, start of the value, end
_SYNCED = ((0x00020002, SOP_CLASS_UID), (0x00020003, SOP_INSTANCE_UID))
# what validate_file_meta adds when absent, and the group length (first, UL): with all of these
# there, pydicom writes the group's elements as they are
_USUAL_META = (0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013)
_GROUP_LENGTH_HEADER = b"\x02\x00\x00\x00UL\x04\x00"
_EXPLICIT_VR_LITTLE_ENDIAN_VALUES = (b"1.2.840.10008.1.2.1", b"1.2.840.10008.1.2.1\x00")


def _meta_elements(data: bytes) -> list[_MetaElement]:
    """The elements of group 0002 after the prefix, in ascending order and canonical form
    (reserved bytes zero), else none."""
    found = layout.meta_headers(data, layout.PREAMBLE + 4)
    if found is None:
        return []
    headers = found[0]
    tags = [h[0] for h in headers]
    if any(a >= b for a, b in itertools.pairwise(tags)) or not all(h[5] for h in headers):
        return []
    return [h[:5] for h in headers]


def _standard_meta(data: bytes, group: list[_MetaElement]) -> bool:
    """Whether group 0002 is the usual one, in Explicit VR Little Endian, its values present."""
    tags = {tag: (vr, value_at, end) for tag, vr, _, value_at, end in group}
    if any(tag not in tags for tag in _USUAL_META) or group[0][0] != 0x00020000:
        return False
    if data[group[0][2] : group[0][3]] != _GROUP_LENGTH_HEADER:
        return False
    _, value_at, end = tags[0x00020010]
    if data[value_at:end] not in _EXPLICIT_VR_LITTLE_ENDIAN_VALUES:
        return False
    for tag in (0x00020001, 0x00020002, 0x00020003, 0x00020012):
        _, value_at, end = tags[tag]
        if not data[value_at:end].strip(b"\x00 "):
            return False
    # the elements pydicom converts before writing them: copied only when already in its form
    for tag in (0x00020002, 0x00020003, 0x00020010, 0x00020012):
        vr, value_at, end = tags[tag]
        if vr != "UI" or not _canonical_ui(data[value_at:end]):
            return False
    vr, value_at, end = tags[0x00020001]  # converted by validate_file_meta
    if vr != "OB" or (end - value_at) % 2:
        return False
    return all(vr != "UN" for vr, _, _ in tags.values())  # UN: pydicom takes the dictionary's VR


_UI_TEXT = re.compile(rb"[0-9.\\]*")
_CS_TEXT = re.compile(rb"[A-Z0-9_ \\]*")


def _padded(value: bytes, pad: bytes, pattern: re.Pattern[bytes]) -> bool:
    """Whether ``value`` is text of ``pattern`` padded to even length with ``pad`` only when
    odd, each of its values without leading or trailing spaces: the bytes pydicom writes."""
    if len(value) % 2:
        return False
    body = value[:-1] if value.endswith(pad) else value
    if body is not value and len(body) % 2 == 0:
        return False
    return pattern.fullmatch(body) is not None and all(v == v.strip(b" ") for v in body.split(b"\\"))


def _canonical_ui(value: bytes) -> bool:
    return _padded(value, b"\x00", _UI_TEXT)


def _canonical_cs(value: bytes) -> bool:
    return _padded(value, b" ", _CS_TEXT)


def _ended(pos: int, end: int | None, limit: int) -> bool:
    """Whether a walk over a sequence's items or an item's elements has reached ``end`` (None:
    it ends at a delimiter, which the caller looks for); past ``end`` the lengths disagree, and
    a header past the bytes read needs more of the file."""
    if end is not None:
        if pos == end:
            return True
        if pos > end:
            raise _Unsure
    if pos + 8 > limit:
        raise _NeedMore
    return False


_ENCODED: dict[tuple[object, ...], bytes] = {}
_HASHED: dict[tuple[object, ...], bytes] = {}
_REMEMBERED = 4096


def _remember(cache: dict[tuple[object, ...], bytes], key: tuple[object, ...], value: bytes) -> bytes:
    if len(cache) >= _REMEMBERED:
        cache.clear()
    cache[key] = value
    return value


def _raw(tag: int, vr: str, value: bytes | None) -> RawDataElement:
    from pydicom.dataelem import RawDataElement
    from pydicom.tag import Tag

    return RawDataElement(Tag(tag), vr, len(value or b""), value, 0, False, True)


# The values are read and written as the engine reads and writes them: by ``textvalues`` in the
# usual cases, else by the engine itself (which imports pydicom the first time).


def _read(tag: int, vr: str, value: bytes | None, charset: Sequence[str]) -> str:
    """``engine.elements.read_string`` of the element."""
    text = textvalues.read_text(vr, value, charset)
    if text is None:
        from .engine.elements import read_string

        text = read_string(_raw(tag, vr, value), charset)
    return text


def _encode(vr: str, text: str, charset: Sequence[str]) -> bytes:
    """``engine.elements.encode_value`` of ``text`` (little endian)."""
    data = textvalues.encode_text_value(vr, text, charset)
    if data is None:
        from .engine.elements import encode_value

        data = encode_value(vr, text, charset, True)
    return data


def _declared(vr: str, value: bytes | None) -> list[str]:
    """The codecs a (0008,0005) element declares (``engine.dicomobject.declared_charset``)."""
    found = textvalues.declared_charset(value) if vr == "CS" else None
    if found is None:
        from .engine.dicomobject import declared_charset

        found = declared_charset(_raw(SPECIFIC_CHARACTER_SET, vr, value))
    return found


def _hashed(text: str) -> str:
    """``hashUIDList``'s new value: each of the values hashed (spec §10)."""
    return "\\".join(uid.hash_uid(v) for v in text.split("\\"))
