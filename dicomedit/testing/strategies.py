"""Hypothesis strategies for DICOM datasets that carry identifying values.

Each generated dataset comes with the identifying values *planted* in it, so a test can apply a
de-identification script and check that none of them survives::

    from hypothesis import given
    from dicomedit.testing.strategies import datasets_with_phi

    @given(phi_dataset=datasets_with_phi())
    def test_my_script(assert_no_phi, phi_dataset):
        assert_no_phi("anon.das", phi_dataset)

Values go into attributes of PS3.15 Table E.1-1 (any action but K), at any depth inside
sequences, into private blocks with their creators, multi-valued where the attribute allows it,
in every text VR and in the character sets ISO_IR 100, ISO_IR 192 and ISO 2022 IR 87.  Every
dataset can be written by pydicom and read back.  Planted text is made of rare letter runs so
it never occurs by chance; digit-only values (dates, times, numbers, UIDs) are checked with
digit boundaries by the helpers in ``dicomedit.testing.plugin``.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st
from pydicom.charset import convert_encodings
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, ExplicitVRLittleEndian

from ..profile import Profile, ProfileEntry, format_tag, load_profile

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"

#: (0008,0005) values the strategies use: default repertoire, Latin-1, UTF-8, ISO 2022 Japanese.
CHARACTER_SETS: tuple[str | tuple[str, ...] | None, ...] = (
    None,
    "ISO_IR 100",
    "ISO_IR 192",
    ("", "ISO 2022 IR 87"),
)

#: Value representations that can carry a planted value (text-like VRs).
TEXT_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UT"}
)

# Consonant runs: never inside an English word, a DICOM keyword or a value a script writes.
_RARE = "BCDFGHJKLMNPQRSTVWXZ"
_LATIN1 = "ÄÖÜßÉÈÇÑØÅ"
_UNICODE = "ΩΔΨЖЯЮ漢字語"
_KANJI = "山田太郎佐藤鈴木"
# Sequences outside the table that commonly hold identifying attributes in their items.
_CONTAINERS = (0x00081115, 0x00400260, 0x00089215, 0x00400275, 0x00081110, 0x00081140, 0x0040A730)


@dataclass(frozen=True, slots=True)
class Planted:
    """An identifying value put into a generated dataset, and where."""

    text: str
    path: str
    tag: int
    vr: str


@dataclass(frozen=True, slots=True)
class PHIDataset:
    """A generated dataset and the identifying values planted in it."""

    dataset: Dataset
    planted: tuple[Planted, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.text for p in self.planted))

    @property
    def encodings(self) -> list[str]:
        """Python codecs of the dataset's character set (for searching encoded bytes)."""
        charset = self.dataset.get("SpecificCharacterSet", "")
        values = list(charset) if isinstance(charset, list | tuple | MultiValue) else [charset]
        return list(convert_encodings(values or [""]))

    def __repr__(self) -> str:
        return f"PHIDataset({len(self.dataset)} top-level elements, {len(self.planted)} planted values)"


def character_sets() -> st.SearchStrategy[str | tuple[str, ...] | None]:
    return st.sampled_from(CHARACTER_SETS)


def _letters(charset: str | tuple[str, ...] | None) -> str:
    if charset == "ISO_IR 100":
        return _RARE + _RARE.lower() + _LATIN1
    if charset == "ISO_IR 192":
        return _RARE + _RARE.lower() + _UNICODE
    return _RARE + _RARE.lower()


@st.composite
def _token(draw: st.DrawFn, alphabet: str, min_size: int = 6, max_size: int = 12) -> str:
    body = draw(st.text(alphabet, min_size=min_size - 1, max_size=max_size - 1))
    return "Q" + body


@st.composite
def identifying_text(draw: st.DrawFn, vr: str, charset: str | tuple[str, ...] | None = None) -> str:
    """One identifying value valid for ``vr`` in ``charset``."""
    letters = _letters(charset)
    if vr == "PN":
        family = draw(_token(letters, 5, 10))
        given = draw(_token(letters, 5, 10))
        if charset == ("", "ISO 2022 IR 87"):
            ideographic = draw(st.text(_KANJI, min_size=2, max_size=4))
            return f"{family}^{given}={ideographic}^{draw(st.text(_KANJI, min_size=2, max_size=3))}"
        return f"{family}^{given}"
    if vr in ("CS", "AE"):
        return draw(_token(_RARE + string.digits, 6, 16))
    if vr == "SH":
        return draw(_token(letters + string.digits, 6, 16))
    if vr in ("LO", "UC"):
        text = draw(_token(letters + string.digits, 6, 24))
        if charset == ("", "ISO 2022 IR 87"):
            text += draw(st.text(_KANJI, min_size=1, max_size=3))
        return text
    if vr in ("LT", "ST", "UT"):
        return f"seen by {draw(_token(letters, 6, 12))} on ward {draw(_token(_RARE, 6, 8))}"
    if vr == "DA":
        return draw(_date())
    if vr == "TM":
        return draw(_time())
    if vr == "DT":
        return draw(_date()) + draw(_time())
    if vr == "AS":
        return f"{draw(st.integers(11, 99)):03d}Y"
    if vr == "DS":
        return f"{draw(st.integers(1001, 9999))}.{draw(st.integers(11, 99))}"
    if vr == "IS":
        return str(draw(st.integers(100_001, 9_999_999)))
    if vr == "UI":
        return "1.2.826.0.1.3680043.10.1138." + str(draw(st.integers(10**9, 10**18)))
    raise ValueError(f"no identifying values for VR {vr}")


@st.composite
def _date(draw: st.DrawFn) -> str:
    # not in 1900: scripts write 19000101 as a dummy date
    return f"{draw(st.integers(1921, 1999))}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"


@st.composite
def _time(draw: st.DrawFn) -> str:
    # not midnight: scripts write 000000 as a dummy time
    return f"{draw(st.integers(1, 23)):02d}{draw(st.integers(0, 59)):02d}{draw(st.integers(0, 59)):02d}"


@functools.lru_cache(maxsize=4096)
def _vr_vm(tag: int) -> tuple[str, str] | None:
    from pydicom.datadict import dictionary_VM, dictionary_VR

    try:
        return str(dictionary_VR(tag)), str(dictionary_VM(tag))
    except KeyError:
        return None


def _eligible(entry: ProfileEntry) -> bool:
    tag = entry.tag
    if tag is None or entry.group in (0x0000, 0x0002, 0x0004) or entry.group >= 0xFFFA:
        return False
    if "K" in entry.codes():
        return False
    info = _vr_vm(tag)
    return info is not None and info[0] in TEXT_VRS


@functools.lru_cache(maxsize=4)
def profile_attributes(profile: Profile | None = None) -> st.SearchStrategy[ProfileEntry]:
    """Rows of Table E.1-1 that are not kept and have a text VR."""
    table = profile if profile is not None else load_profile()
    return st.sampled_from([e for e in table if _eligible(e)])


@functools.lru_cache(maxsize=4)
def profile_sequences(profile: Profile | None = None) -> st.SearchStrategy[int]:
    """Sequence attributes: those of the table and some common containers outside it."""
    table = profile if profile is not None else load_profile()
    tags = [e.value for e in table if e.tag is not None and (_vr_vm(e.value) or ("", ""))[0] == "SQ"]
    return st.sampled_from(sorted(set(tags) | set(_CONTAINERS)))


@st.composite
def identifying_values(
    draw: st.DrawFn, tag: int, charset: str | tuple[str, ...] | None = None, max_values: int = 3
) -> list[str]:
    """Values for attribute ``tag``: several when its VM allows (multi-valued)."""
    info = _vr_vm(tag)
    if info is None:
        raise ValueError(f"{format_tag(tag)} is not in the data dictionary")
    vr, vm = info
    multi = vm != "1" and vr not in ("LT", "ST", "UT", "UC")
    count = draw(st.integers(1, max_values)) if multi else 1
    return [draw(identifying_text(vr, charset)) for _ in range(count)]


class _Planter:
    def __init__(self) -> None:
        self.planted: list[Planted] = []

    def plant(self, path: str, tag: int, vr: str, values: Sequence[str]) -> None:
        for value in values:
            self.planted.append(Planted(value, path, tag, vr))
            if vr == "PN":
                for part in value.replace("=", "^").split("^"):
                    if len(part) >= 4 or any(ord(c) > 127 for c in part):
                        self.planted.append(Planted(part, path, tag, vr))
            elif vr in ("LT", "ST", "UT"):
                for word in value.split():
                    if word.startswith("Q"):
                        self.planted.append(Planted(word, path, tag, vr))


def _set(ds: Dataset, tag: int, vr: str, values: list[str]) -> None:
    ds.add_new(tag, vr, values if len(values) > 1 else values[0])


@st.composite
def _item(
    draw: st.DrawFn,
    planter: _Planter,
    prefix: str,
    charset: str | tuple[str, ...] | None,
    depth: int,
    max_depth: int,
    profile: Profile,
    max_attributes: int,
) -> Dataset:
    ds = Dataset()
    for entry in draw(
        st.lists(profile_attributes(profile), min_size=1, max_size=max_attributes, unique=True)
    ):
        tag = entry.value
        vr = (_vr_vm(tag) or ("LO", "1"))[0]
        values = draw(identifying_values(tag, charset))
        _set(ds, tag, vr, values)
        planter.plant(f"{prefix}{format_tag(tag)}", tag, vr, values)
    if depth < max_depth:
        for tag in draw(st.lists(profile_sequences(profile), max_size=2, unique=True)):
            if tag in ds:
                continue
            path = prefix + format_tag(tag)
            items = []
            for i in range(draw(st.integers(1, 2))):
                items.append(
                    draw(
                        _item(
                            planter, f"{path}[{i}]/", charset, depth + 1, max_depth, profile, max_attributes
                        )
                    )
                )
            ds.add_new(tag, "SQ", DicomSequence(items))
    return ds


@st.composite
def _private_block(
    draw: st.DrawFn, ds: Dataset, planter: _Planter, charset: str | tuple[str, ...] | None, profile: Profile
) -> None:
    """Add a private block (creator + elements, maybe a private sequence) to ``ds``."""
    groups = st.integers(0x0004, 0x3FFF).map(lambda g: g * 2 + 1)
    group = draw(groups.filter(lambda g: len(ds.group_dataset(g)) == 0))
    creator = "ACME " + draw(_token(_RARE, 6, 10))
    block = ds.private_block(group, creator, create=True)
    for offset in range(draw(st.integers(1, 3))):
        vr = draw(st.sampled_from(["LO", "SH", "PN", "UN"]))
        value = draw(identifying_text("LO" if vr == "UN" else vr, None if vr == "UN" else charset))
        data: str | bytes = value.encode("ascii", "replace") if vr == "UN" else value
        block.add_new(offset, vr, data)
        planter.plant(f"({group:04X},{{{creator}}}{offset:02X})", block.get_tag(offset), vr, [value])
    if draw(st.booleans()):
        offset = 0x10
        path = f"({group:04X},{{{creator}}}{offset:02X})[0]/"
        item = draw(_item(planter, path, charset, 1, 1, profile, 3))
        block.add_new(offset, "SQ", DicomSequence([item]))


@st.composite
def datasets_with_phi(
    draw: st.DrawFn,
    *,
    max_depth: int = 3,
    max_attributes: int = 6,
    charsets: Sequence[str | tuple[str, ...] | None] = CHARACTER_SETS,
    private: bool = True,
    profile: Profile | None = None,
) -> PHIDataset:
    """A Secondary Capture dataset (file meta included) with identifying values planted in it."""
    table = profile if profile is not None else load_profile()
    charset = draw(st.sampled_from(list(charsets)))
    planter = _Planter()
    ds = draw(_item(planter, "", charset, 0, max_depth, table, max_attributes))
    uids: dict[int, str] = {}
    for tag in (0x00080018, 0x0020000D, 0x0020000E):
        if tag in ds:  # already planted by the attributes drawn above
            value = ds[tag].value
            uids[tag] = str(value[0] if isinstance(value, MultiValue) else value)
            continue
        uids[tag] = draw(identifying_text("UI"))
        ds.add_new(tag, "UI", uids[tag])
        planter.plant(format_tag(tag), tag, "UI", [uids[tag]])
    ds.add_new(0x00080016, "UI", SECONDARY_CAPTURE)
    ds.add_new(0x00080060, "CS", "OT")
    if charset is not None:
        ds.add_new(0x00080005, "CS", list(charset) if isinstance(charset, tuple) else charset)
    if private:
        for _ in range(draw(st.integers(0, 2))):
            draw(_private_block(ds, planter, charset, table))
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(SECONDARY_CAPTURE)
    meta.MediaStorageSOPInstanceUID = UID(uids[0x00080018])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    return PHIDataset(ds, tuple(planter.planted))
