r"""Element values in the string form DicomEdit reads them (spec §6.7, §8.4).

Multi-values are joined with ``\``; AT values are 8 hex digits; binary numbers are decimal text
(integral floats without a fraction, FL with single precision); OB/OW/UN bytes are shown as
latin-1 text without their NUL padding. Written independently of the engine's own rendering.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydicom.dataelem import DataElement
from pydicom.multival import MultiValue

BYTE_VRS = {"OB", "OW", "OD", "OF", "OL", "OV", "UN"}


def as_text(elem: DataElement) -> str:
    """The joined string value; ``""`` for an empty element; sequences render as ``""``."""
    if elem.VR == "SQ":
        return ""
    value = elem.value
    if value is None:
        return ""
    if elem.VR in BYTE_VRS:
        return raw_bytes(elem).decode("latin-1").rstrip("\x00")
    if isinstance(value, (list, MultiValue)):
        return "\\".join(_one(v, elem.VR) for v in value)
    return _one(value, elem.VR)


def raw_bytes(elem: DataElement) -> bytes:
    value = elem.value
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("latin-1")
    raise TypeError(f"{elem.tag} ({elem.VR}) holds {type(value).__name__}, not bytes")


def _one(value: Any, vr: str) -> str:
    if value is None:
        return ""
    if vr == "AT":
        return f"{int(value):08X}"
    if vr == "FL":
        return _float_text(float(np.float32(value)), single=True)
    if vr == "FD":
        return _float_text(float(value), single=False)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _float_text(value: float, *, single: bool) -> str:
    if value.is_integer():
        return str(int(value))
    return str(np.float32(value)) if single else repr(value)


def is_empty(elem: DataElement) -> bool:
    if elem.VR == "SQ":
        return elem.value is None or len(elem.value) == 0
    value = elem.value
    if value is None:
        return True
    if isinstance(value, (bytes, str, list, MultiValue)):
        return len(value) == 0
    return False
