"""``min_string_length`` lets blankValues skip values it need not render: it must never exceed
the length of the text ``read_string`` gives, whatever the bytes and character set."""

from __future__ import annotations

import warnings

from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.charset import convert_encodings

from dicomedit.engine import elements as el

CHARSETS = [
    "ISO_IR 100",
    "ISO_IR 192",
    "GB18030",
    "ISO_IR 13",
    ["ISO 2022 IR 6", "ISO 2022 IR 87"],
    ["ISO 2022 IR 13", "ISO 2022 IR 87", "ISO 2022 IR 159"],
    ["", "ISO 2022 IR 149"],
    ["ISO 2022 IR 6", "ISO 2022 IR 58"],
    "ISO_IR 166",
]
VRS = ["OB", "OW", "UN", "AT", "US", "SS", "UL", "SL", "FL", "FD", "OF", "OD", "OL", "OV", "SV", "UV"]
ESCAPES = [b"\x1b(B", b"\x1b$B", b"\x1b$(D", b"\x1b$)C", b"\x1b(J", b"\x1b)I", b"\x1b-A", b"\x1b$)A", b"\x1b"]

chunks = st.one_of(
    st.binary(max_size=12),
    st.sampled_from(ESCAPES),
    st.just(b"\x00" * 5),
    st.binary(min_size=1, max_size=3).map(lambda b: bytes(x | 0x80 for x in b)),
)


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(chunks, max_size=12),
    vr=st.sampled_from(VRS),
    charset=st.sampled_from(CHARSETS),
    little=st.booleans(),
)
def test_the_bound_never_exceeds_the_rendered_length(
    parts: list[bytes], vr: str, charset: str | list[str], little: bool
) -> None:
    data = b"".join(parts)
    encodings = convert_encodings(charset)
    elem = el.raw_element(0x00091010, vr, data, implicit=False, little=little)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = el.read_string(elem, encodings)
    assert el.min_string_length(elem, encodings) <= len(text)


def test_pixel_data_gets_a_bound_that_skips_it() -> None:
    data = bytes(range(256)) * 64 + b"\x1b(B" * 10 + b"\x00" * 100
    elem = el.raw_element(el.PIXEL_DATA, "OW", data, implicit=False, little=True)
    for charset in ("ISO_IR 100", "ISO_IR 192"):
        assert el.min_string_length(elem, convert_encodings(charset)) > 1000
