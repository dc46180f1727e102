"""The byte layout of a Part 10 file in Explicit VR Little Endian, without pydicom.

The constants, element headers and group 0002 headers that the fast path (``fastpath``, which
builds pydicom's objects) and the table path (``direct``, which never needs them for the usual
file) both read.  Importing pydicom costs about a third of a second; what is here costs
nothing, so a run whose every file takes the table path never imports it.  The VR sets and the
empty values are pydicom's; ``tests/test_layout.py`` holds them against pydicom's own.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .quiet import quiet_pydicom

PREAMBLE = 128
PREFIX = b"DICM"
UNDEFINED = 0xFFFFFFFF
ITEM_DELIMITER = 0xFFFEE00D
SPECIFIC_CHARACTER_SET = 0x00080005
PIXEL_DATA = 0x7FE00010

# element headers: Explicit VR (short form; long VRs add a 4-byte length)
EXPLICIT_HEADER = struct.Struct("<HH2sH")
_UL = struct.Struct("<L")
# the VRs pydicom's reader knows in an explicit-VR header
_VR_NAMES = (
    "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV"
)
VRS = {name.encode(): name for name in _VR_NAMES.split()}  # VR bytes → VR
# those with a 4-byte length after two reserved bytes (PS3.5 §7.1.2)
_LONG_NAMES = "OB OD OF OL OV OW SQ SV UC UN UR UT UV"
LONG_VRS = frozenset(name.encode() for name in _LONG_NAMES.split())
# pydicom's text VRs but DS and IS: an empty one reads as b"" rather than None
_TEXT_NAMES = "AE AS CS DA DT LO LT PN SH ST TM UC UI UR UT"
_TEXT_VRS = frozenset(_TEXT_NAMES.split())
SEQUENCE_END = struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)  # sequence delimitation item
ITEM_END = struct.pack("<HHL", 0xFFFE, 0xE00D, 0)  # item delimitation item, length 0

Piece = bytes | bytearray | memoryview
HEAD = 64 * 1024  # bytes read first: the whole header of most files


@dataclass(frozen=True, slots=True)
class FileRange:
    """Bytes of the source file written as they are, without passing through memory."""

    offset: int
    length: int

    def __len__(self) -> int:
        return self.length


def empty_value(vr: str | None) -> bytes | None:
    """The value pydicom's reader gives an element of length 0 (b"" or None, by VR), as
    ``pydicom.dataelem.empty_value_for_VR(vr, raw=True)`` gives it."""
    if vr == "SQ":
        return b""
    config = sys.modules.get("pydicom.config")  # only pydicom itself can have changed it
    if config is not None and getattr(config, "use_none_as_empty_text_VR_value", False):
        return None
    return b"" if vr in _TEXT_VRS else None


_T = TypeVar("_T")


def guarded(
    make: Callable[[], _T], *, passing: type[Exception] | tuple[type[Exception], ...] = ()
) -> _T | None:
    """``make()`` with pydicom's warnings kept quiet, or None when the fast path cannot be sure
    of the result: any exception of its own, or of pydicom's reader or writer (whatever it
    makes of the oddity, it decides).  Exceptions of the ``passing`` types go on."""
    try:
        with quiet_pydicom():
            return make()
    except passing:
        raise
    except Exception:
        return None


# an element of group 0002: tag, VR, start, start of the value, end, reserved bytes zero
MetaHeader = tuple[int, str, int, int, int, bool]


def meta_headers(data: bytes, pos: int) -> tuple[list[MetaHeader], int] | None:
    """The element headers of group 0002 from ``pos`` (Explicit VR Little Endian), in file
    order, and where the group ends; None when one cannot be read as pydicom reads it (an
    unknown VR, an undefined length, a value past the bytes)."""
    found: list[MetaHeader] = []
    end = len(data)
    while end - pos >= 8:
        group, element, vr_bytes, length = EXPLICIT_HEADER.unpack_from(data, pos)
        if group != 0x0002:
            break
        vr = VRS.get(vr_bytes)
        if vr is None:
            return None
        value_at = pos + 8
        reserved_zero = True
        if vr_bytes in LONG_VRS:
            if end - value_at < 4:
                return None
            reserved_zero = length == 0
            length = _UL.unpack_from(data, value_at)[0]
            value_at += 4
        if length == UNDEFINED or value_at + length > end:
            return None
        found.append((group << 16 | element, vr, pos, value_at, value_at + length, reserved_zero))
        pos = value_at + length
    return found, pos


def looks_explicit(data: bytes, pos: int) -> bool:
    """pydicom's test of the first element: are bytes 4 and 5 two capital letters (a VR)?"""
    return 0x40 < data[pos + 4] < 0x5B and 0x40 < data[pos + 5] < 0x5B
