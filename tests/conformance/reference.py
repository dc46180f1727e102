"""Reference implementations of the two pure algorithms the corpus tabulates.

Used only to double-check the fixture tables (a typo in a copied vector fails the self-check) and
for R-077, whose input value is a judgement call. The engine is never compared with these
directly: it must reproduce the tabulated values.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from datetime import datetime, timedelta


def hash_uid(value: str) -> str:
    """§10: SHA-1 of the UTF-8 bytes, no namespace; version 5 and RFC 4122 variant bits."""
    u = bytearray(hashlib.sha1(value.encode("utf-8")).digest()[:16])
    u[6] = (u[6] & 0x0F) | 0x50
    u[8] = (u[8] & 0x3F) | 0x80
    return "2.25." + str(int.from_bytes(u, "big"))


_DICOM_DT = re.compile(
    r"^(?P<Y>\d{4})(?:(?P<M>\d{2})(?:(?P<D>\d{2})(?:(?P<h>\d{2})(?:(?P<m>\d{2})(?:(?P<s>\d{2})"
    r"(?P<f>\.\d{1,6})?)?)?)?)?)?(?P<tz>[+-]\d{4})?$"
)
_FIELDS = ("Y", "M", "D", "h", "m", "s")
_WIDTH = {"Y": 4, "M": 2, "D": 2, "h": 2, "m": 2, "s": 2}


class ParseError(ValueError):
    pass


def shift(text: str, seconds: int) -> str:
    """§7.1: fill missing fields with mid-points, add seconds, print the same precision."""
    match = _DICOM_DT.match(text)
    if not match:
        raise ParseError(f"Failed to parse DICOM time string '{text}'")
    present = [f for f in _FIELDS if match[f] is not None]
    instant = _midpoint_instant(match) + timedelta(seconds=seconds)
    values = {
        "Y": instant.year,
        "M": instant.month,
        "D": instant.day,
        "h": instant.hour,
        "m": instant.minute,
        "s": instant.second,
    }
    body = "".join(f"{values[f]:0{_WIDTH[f]}d}" for f in present)
    return body + (match["f"] or "") + (match["tz"] or "")


def _midpoint_instant(match: re.Match[str]) -> datetime:
    year = int(match["Y"])
    if match["M"] is None:
        return datetime(year, 7, 1)
    month = int(match["M"])
    if match["D"] is None:
        days = calendar.monthrange(year, month)[1]
        return datetime(year, month, days // 2 + 1, 0 if days % 2 == 0 else 12)
    day = int(match["D"])
    if match["h"] is None:
        return datetime(year, month, day, 12)
    hour = int(match["h"])
    if match["m"] is None:
        return datetime(year, month, day, hour, 30)
    minute = int(match["m"])
    second = 30 if match["s"] is None else int(match["s"])
    return datetime(year, month, day, hour, minute, second)
