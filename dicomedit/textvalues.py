"""Text values as the engine reads and writes them, for the usual character sets, without pydicom.

``engine.elements`` reads a value with pydicom's decoders and writes one with its encoders
(``read_string``, ``encode_value``).  For text in the character sets most files declare
(none, ``ISO_IR 6``, ``ISO_IR 100``, ``ISO_IR 192``) and bytes or text that are all ASCII,
every one of those codecs gives the ASCII characters back, with no escape sequences: here that
case is done by hand, and the table path (``direct``) runs a file without importing pydicom.
Anything else returns None and the caller asks ``engine.elements``.  The rules both share (which
VRs are text, how padding is stripped) live here; ``tests/test_textvalues.py`` holds the
results against ``engine.elements``.
"""

from __future__ import annotations

from collections.abc import Sequence

# Text VRs whose bytes are decoded with the Specific Character Set.
CHARSET_VRS = frozenset({"SH", "LO", "ST", "PN", "LT", "UC", "UT"})
TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI", "UR"}) | CHARSET_VRS
# Values that are never split on backslash (PS3.5 §6.2: VM is always 1).
SINGLE_TEXT_VRS = frozenset({"LT", "ST", "UT", "UR"})
# Leading spaces are significant in these; elsewhere both ends are padding.
TRAILING_ONLY_VRS = frozenset({"LT", "ST", "UT", "UC", "PN"})
# dcm4che2's putString knows no way to build these (spec §6.5; DE-119 for OV, SV, UV).
UNASSIGNABLE_VRS = frozenset({"OD", "OL", "OV", "SV", "UV", "UC"})

# the Python codecs pydicom gives these declared character sets (``charset.convert_encodings``)
_DECLARED = {"": "iso8859", "ISO_IR 6": "iso8859", "ISO_IR 100": "latin_1", "ISO_IR 192": "UTF8"}
_ASCII_SAFE = frozenset(_DECLARED.values())  # ASCII in, the same ASCII out, no escapes


def strip_text(text: str, vr: str) -> str:
    """A decoded text value without its padding: each value of a multi-valued VR on its own,
    leading spaces kept where they count."""
    parts = [text] if vr in SINGLE_TEXT_VRS else text.split("\\")
    if vr in TRAILING_ONLY_VRS:
        parts = [p.rstrip(" \x00") for p in parts]
    else:
        parts = [p.strip(" \x00") for p in parts]
    return "\\".join(parts)


def pad(data: bytes, padding: bytes) -> bytes:
    """``data`` padded to even length."""
    return data + padding if len(data) % 2 else data


def _ascii_safe(charset: Sequence[str]) -> bool:
    return len(charset) == 1 and charset[0] in _ASCII_SAFE


def read_text(vr: str, data: bytes | None, charset: Sequence[str]) -> str | None:
    """``engine.elements.read_string`` of an explicit-VR element holding ``data``; None when
    this module cannot be sure of it (a VR that is not text, bytes beyond ASCII in another
    character set)."""
    if not data:
        return "" if vr in TEXT_VRS else None
    if vr not in TEXT_VRS:
        return None
    if vr in CHARSET_VRS and not (data.isascii() and b"\x1b" not in data and _ascii_safe(charset)):
        return None
    return strip_text(data.decode("latin-1"), vr)


def encode_text_value(vr: str, text: str, charset: Sequence[str]) -> bytes | None:
    """``engine.elements.encode_value(vr, text, charset, True)`` for a text VR; None when this
    module cannot be sure of it (another VR, text beyond ASCII in another character set)."""
    if vr not in TEXT_VRS or vr in UNASSIGNABLE_VRS:
        return None
    if vr in CHARSET_VRS:
        if not (text.isascii() and "\x1b" not in text and _ascii_safe(charset)):
            return None
        data = text.encode("ascii")
    else:
        data = text.encode("latin-1", "replace")
    return pad(data, b"\x00" if vr == "UI" else b" ")


def declared_charset(data: bytes | None) -> list[str] | None:
    """The codecs a (0008,0005) value declares (``engine.dicomobject.declared_charset``) when
    it is one of the usual character sets; None otherwise."""
    text = read_text("CS", data, ("iso8859",))
    if text is None or "\\" in text:
        return None
    found = _DECLARED.get(text)
    return None if found is None else [found]
