"""One DICOM element as DicomEdit sees it: its VR, its value as a string, and new values.

Reading (spec §6.7, §8.4): text is decoded with the object's character set and its padding
removed, multi-values are joined with ``\\``, binary numbers become decimal text and AT values
8 hex digits.  Values are decoded straight from the undecoded bytes pydicom keeps
(``RawDataElement``), so an element the script does not touch is never converted.

Writing (spec §6.5): a string becomes the bytes of the element's VR, as dcm4che2's ``putString``
does, and is stored as a raw element: what the script wrote is what lands in the file, with no
pydicom validation or re-formatting in between.
"""

from __future__ import annotations

import math
import operator
import struct
from collections.abc import Callable
from collections.abc import Sequence as Seq
from typing import Any, cast

import numpy as np
from pydicom.charset import decode_bytes, encode_string
from pydicom.datadict import dictionary_VR, private_dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag, Tag

from ..dictionary import unambiguous_vr
from ..numbers import parse_java_double, parse_java_int
from ..textvalues import (
    CHARSET_VRS,
    TEXT_VRS,
    UNASSIGNABLE_VRS,
    pad,
    strip_text,
)
from .errors import EvaluationError

Element = DataElement | RawDataElement

BYTES_VRS = frozenset({"OB", "OW", "UN"})
_INT_FORMATS = {"US": "H", "SS": "h", "UL": "I", "SL": "i", "UV": "Q", "SV": "q", "OL": "I", "OV": "Q"}
_FLOAT_FORMATS = {"FL": "f", "FD": "d", "OF": "f", "OD": "d"}
_BINARY_SIZES = {vr: struct.calcsize(fmt) for vr, fmt in (_INT_FORMATS | _FLOAT_FORMATS).items()}
_INT_RANGES = {"US": (16, False), "SS": (16, True), "UL": (32, False), "SL": (32, True)}

PIXEL_DATA = 0x7FE00010


# The elements of a dataset by tag, without conversion: pydicom's own dict.  ``Dataset.keys``,
# ``get_item`` and ``in`` convert the tag and look for deferred reads on every call, which walks
# over every element cannot afford (the engine never reads with deferred values).
members = cast(Callable[[Dataset], dict[int, "Element"]], operator.attrgetter("_dict"))


def element(ds: Dataset, tag: int) -> Element | None:
    """``ds.get_item(tag)`` without its per-call overhead: a raw element whose value pydicom
    did not read (None, e.g. an empty binary element) is converted, as ``get_item`` does."""
    found = members(ds).get(tag)
    if type(found) is RawDataElement and found.value is None:
        converted: DataElement = ds[tag]
        return converted
    return found


def is_private_group(group: int) -> bool:
    return group % 2 == 1


def is_private_creator(tag: int) -> bool:
    """``(gggg,0010)``…``(gggg,00FF)`` in an odd group."""
    return is_private_group(tag >> 16) and 0x10 <= (tag & 0xFFFF) <= 0xFF


def dictionary_vr(tag: int, creator: str | None = None) -> str:
    """The data-dictionary VR (private dictionary by creator), else UN (spec §6.5)."""
    try:
        if is_private_group(tag >> 16):
            if is_private_creator(tag):
                return "LO"
            if creator is None:
                return "UN"
            vr = private_dictionary_VR(tag, creator)
        else:
            vr = dictionary_VR(tag)
    except KeyError:
        return "UN"
    return unambiguous_vr(vr)


def element_vr(elem: Element, creator: str | None = None) -> str:
    """The element's VR; implicit-VR elements get the dictionary's."""
    vr = elem.VR
    if vr is None or vr == "":
        return dictionary_vr(int(elem.tag), creator)
    return unambiguous_vr(str(vr))


# ---------------------------------------------------------------------------------------------
# reading


def read_string(elem: Element, charset: Seq[str], creator: str | None = None) -> str:
    """The value as DicomEdit's ``getString`` returns it (never None: an empty element is '')."""
    vr = element_vr(elem, creator)
    if isinstance(elem, RawDataElement):
        little = elem.is_little_endian if elem.is_little_endian is not None else True
        return _bytes_to_string(elem.value or b"", vr, charset, little)
    return _value_to_string(elem.value, vr, charset)


def read_bytes(elem: Element, charset: Seq[str]) -> bytes:
    """The raw value bytes of an OB/UN-like element (blankValues compares UN byte for byte)."""
    if isinstance(elem, RawDataElement):
        return bytes(elem.value or b"")
    value = elem.value
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return encode_text(_value_to_string(value, element_vr(elem), charset), charset)


def _bytes_to_string(data: bytes, vr: str, charset: Seq[str], little: bool) -> str:
    if not data:
        return ""
    if vr in TEXT_VRS:
        if vr in CHARSET_VRS:
            delimiters = {0x5C, 0x5E, 0x3D} if vr == "PN" else {0x5C}
            text = decode_bytes(data, list(charset), delimiters)
        else:
            text = data.decode("latin-1")
        return strip_text(text, vr)
    if vr == "AT":
        n = len(data) // 4
        pairs = struct.unpack(("<" if little else ">") + "HH" * n, data[: n * 4])
        return "\\".join(f"{pairs[i]:04X}{pairs[i + 1]:04X}" for i in range(0, len(pairs), 2))
    if vr in _INT_FORMATS:
        fmt = _INT_FORMATS[vr]
        size = struct.calcsize(fmt)
        n = len(data) // size
        values = struct.unpack(("<" if little else ">") + fmt * n, data[: n * size])
        return "\\".join(str(v) for v in values)
    if vr in _FLOAT_FORMATS:
        fmt = _FLOAT_FORMATS[vr]
        size = struct.calcsize(fmt)
        n = len(data) // size
        values = struct.unpack(("<" if little else ">") + fmt * n, data[: n * size])
        return "\\".join(format_float(v, single=fmt == "f") for v in values)
    if vr == "SQ":
        return ""
    # OB, OW, UN and anything unknown: the bytes as text, NUL padding removed.
    return decode_bytes(data, list(charset), set()).rstrip("\x00")


def min_string_length(elem: Element, charset: Seq[str], creator: str | None = None) -> int:
    """A lower bound on ``len(read_string(elem, charset, creator))``, found without decoding.

    ``blankValues`` compares every leaf with the known values; a leaf whose text is certainly
    longer than all of them (pixel data, bulk binary, long numeric arrays) need not be rendered,
    which for pixel data would decode megabytes as text.  Text VRs get no bound (0): trimming
    their padding can shorten them to anything.
    """
    vr = element_vr(elem, creator)
    value = elem.value
    if not isinstance(value, bytes | bytearray) or not value or vr in TEXT_VRS or vr == "SQ":
        return 0
    data = bytes(value)
    if vr == "AT":
        count = len(data) // 4
        return 9 * count - 1 if count else 0  # 8 hex digits each, "\" between
    size = _BINARY_SIZES.get(vr)
    if size is not None:
        count = len(data) // size
        return 2 * count - 1 if count else 0  # at least one digit each, "\" between
    return _min_decoded_length(data, charset)


# Python codecs of DICOM character sets that turn every byte into exactly one character.
_SINGLE_BYTE_CODECS = frozenset(
    {"iso8859", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4"}
    | {"iso_ir_126", "iso_ir_127", "iso_ir_138", "iso_ir_144", "iso_ir_148", "iso_ir_166"}
)
_SOFT_BYTES = bytes([0x00, 0x1B, *range(0x20, 0x7F)])  # may vanish into an escape or a stripped NUL


def _min_decoded_length(data: bytes, charset: Seq[str]) -> int:
    """A lower bound on ``len(decode_bytes(data, charset, set()).rstrip("\\x00"))``.

    Every DICOM codec spends at most 4 bytes on a character (1 for the single-byte ones); pydicom
    splits the bytes at each ESC and an escape sequence (at most 4 bytes) yields nothing; a NUL
    character only comes from a 0x00 byte, and the trailing ones that are stripped all lie after
    the last byte that can only yield a visible character.
    """
    width = 1 if all(c in _SINGLE_BYTE_CODECS for c in charset) else 4
    n = len(data)
    escapes = data.count(b"\x1b")
    if escapes == 0:
        stripped = n - len(data.rstrip(b"\x00"))
        return (n - stripped) // width
    stripped_at_most = n - len(data.rstrip(_SOFT_BYTES))
    return max(0, (n - 4 * escapes) // width - stripped_at_most)


def _value_to_string(value: Any, vr: str, charset: Seq[str]) -> str:
    if value is None:
        return ""
    if isinstance(value, Sequence):
        return ""
    if isinstance(value, bytes | bytearray):
        return _bytes_to_string(bytes(value), vr, charset, True)
    values = list(value) if isinstance(value, MultiValue | list | tuple) else [value]
    return "\\".join(_one_value_to_string(v, vr) for v in values)


def _one_value_to_string(v: Any, vr: str) -> str:
    if vr == "AT":
        return f"{int(v):08X}"
    if isinstance(v, float) and vr in _FLOAT_FORMATS:
        return format_float(v, single=vr in ("FL", "OF"))
    if vr in TEXT_VRS:
        return strip_text(str(v), vr)
    return str(v)


def format_float(v: float, *, single: bool) -> str:
    """Shortest text that reads back as the same float; ``30.0`` is printed ``30`` (spec §8.4)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    text = str(np.float32(v)) if single else repr(v)
    return text[:-2] if text.endswith(".0") else text


# ---------------------------------------------------------------------------------------------
# writing


def encode_text(text: str, charset: Seq[str]) -> bytes:
    return encode_string(text, list(charset))


def encode_value(vr: str, text: str, charset: Seq[str], little: bool) -> bytes:
    """The value bytes dcm4che2's ``putString(tag, vr, text)`` produces, padded to even length."""
    if vr in UNASSIGNABLE_VRS:
        note = " (XNAT cannot assign OV, SV or UV elements: DE-119)" if vr in ("OV", "SV", "UV") else ""
        raise EvaluationError(f"Unexpected vr: {vr}{note}")
    if vr in TEXT_VRS:
        data = encode_text(text, charset) if vr in CHARSET_VRS else text.encode("latin-1", "replace")
        return pad(data, b"\x00" if vr == "UI" else b" ")
    if vr in BYTES_VRS:
        return pad(text.encode("utf-8"), b"\x00")
    endian = "<" if little else ">"
    values = text.split("\\")
    if vr == "AT":
        out = b""
        for v in values:
            tag = _parse_at(v)
            out += struct.pack(endian + "HH", tag >> 16, tag & 0xFFFF)
        return out
    if vr in _INT_RANGES:
        bits, signed = _INT_RANGES[vr]
        fmt = _INT_FORMATS[vr]
        return b"".join(struct.pack(endian + fmt, _wrap(_parse_int(v, vr), bits, signed)) for v in values)
    if vr in _FLOAT_FORMATS:
        fmt = _FLOAT_FORMATS[vr]
        if vr == "OF":  # parsed as one float (spec §6.5)
            values = [text]
        return b"".join(struct.pack(endian + fmt, _parse_float(v, vr)) for v in values)
    raise EvaluationError(f"Unexpected vr: {vr}")


def _parse_int(text: str, vr: str) -> int:
    """``Integer.parseInt`` as dcm4che2 calls it; UL also takes the unsigned 32-bit range."""
    try:
        return parse_java_int(text)
    except ValueError:
        body = text.strip()
        if vr == "UL" and body.isascii() and body.isdigit() and int(body) < 2**32:
            return int(body)
    raise EvaluationError.quoting(f"Cannot store '{{0}}' in a {vr} element: not a Java int", text)


def _wrap(n: int, bits: int, signed: bool) -> int:
    """Keep the low bits, as Java's narrowing conversion does (US 1234567 → 54919)."""
    n &= (1 << bits) - 1
    if signed and n >= 1 << (bits - 1):
        n -= 1 << bits
    return n


def _parse_float(text: str, vr: str) -> float:
    """``Double.parseDouble``, as dcm4che2 calls it."""
    try:
        return parse_java_double(text)
    except ValueError:
        raise EvaluationError.quoting(f"Cannot store '{{0}}' in a {vr} element: not a number", text) from None


_NOT_AT = "Cannot store '{0}' in an AT element: expected 8 hex digits"


def _parse_at(text: str) -> int:
    body = text.strip()
    if len(body) != 8:
        raise EvaluationError.quoting(_NOT_AT, text)
    try:
        return int(body, 16)
    except ValueError:
        raise EvaluationError.quoting(_NOT_AT, text) from None


def raw_element(tag: int, vr: str, data: bytes, *, implicit: bool, little: bool) -> RawDataElement:
    return RawDataElement(Tag(tag), vr, len(data), data, 0, implicit, little)


def new_sequence_element(tag: int) -> DataElement:
    return DataElement(Tag(tag), "SQ", Sequence())


def new_item(parent: Dataset) -> Dataset:
    """An empty item encoded like its parent, so pydicom can write raw elements as they are."""
    item = Dataset()
    implicit, little = parent.original_encoding
    item.set_original_encoding(implicit, little, parent.original_character_set)
    return item


def tag_text(tag: int | BaseTag) -> str:
    t = int(tag)
    return f"({t >> 16:04X},{t & 0xFFFF:04X})"
