"""The bundled PS3.15 Table E.1-1 and its typed API."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from dicomedit.profile import PRIVATE_ATTRIBUTES, Option, load_profile, tag_int
from dicomedit.profile.table import ACTION_CODES, ProfileDataError, action_codes, parse_table

BASIC_CODES = {"D", "Z", "X", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"}


def _rows() -> list[dict[str, str]]:
    text = resources.files("dicomedit.profile").joinpath("data", "table_e1_1.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_bundled_table_has_654_rows_with_valid_codes() -> None:
    rows = _rows()
    assert len(rows) == 654
    assert len({r["tag"].upper() for r in rows}) == 654
    for row in rows:
        assert row["basic"] in BASIC_CODES, row
        for option in Option:
            code = row[option.column]
            assert code == "" or action_codes(code) <= ACTION_CODES, row
        assert row["options_edition"] in ("2025a", "unavailable")


def test_counts_per_basic_action_match_the_2026c_table() -> None:
    profile = load_profile()
    counts: dict[str, int] = {}
    for entry in profile:
        counts[entry.basic] = counts.get(entry.basic, 0) + 1
    assert counts == {
        "X": 415, "D": 93, "U": 54, "Z": 42, "X/D": 23, "X/Z": 11, "X/Z/D": 8, "Z/D": 6, "X/Z/U*": 2,
    }  # fmt: skip


def test_load_is_cached_and_iterable() -> None:
    assert load_profile() is load_profile()
    assert len(list(load_profile())) == len(load_profile()) == 654


@pytest.mark.parametrize("key", [0x00100010, (0x0010, 0x0010), "(0010,0010)", "00100010", "(0010, 0010)"])
def test_lookup_accepts_every_tag_form(key: object) -> None:
    entry = load_profile().lookup(key)  # type: ignore[arg-type]
    assert entry is not None
    assert entry.name == "Patient's Name"
    assert entry.basic == "Z"


def test_repeating_groups_match_every_even_group() -> None:
    profile = load_profile()
    assert profile.lookup(0x60003000).pattern == "(60xx,3000)"  # type: ignore[union-attr]
    assert profile.lookup(0x601E4000).name == "Overlay Comments"  # type: ignore[union-attr]
    assert profile.lookup(0x50101234).name == "Curve Data"  # type: ignore[union-attr]
    assert profile.lookup(0x60000010) is None  # Overlay Rows is not in the table
    assert profile.lookup(0x60003000).tag is None  # type: ignore[union-attr]


def test_private_tags_are_not_rows_but_have_their_own_rule() -> None:
    assert load_profile().lookup(0x00291010) is None
    assert PRIVATE_ATTRIBUTES.matches(0x00291010)
    assert not PRIVATE_ATTRIBUTES.matches(0x00100010)
    assert PRIVATE_ATTRIBUTES.action([Option.RETAIN_SAFE_PRIVATE]) == "C"


def test_option_columns() -> None:
    profile = load_profile()
    study_date = profile.lookup(0x00080020)
    assert study_date is not None
    assert study_date.action() == "Z"
    assert study_date.action([Option.RETAIN_LONG_FULL_DATES]) == "K"
    assert study_date.action([Option.RETAIN_LONG_MODIFIED_DATES]) == "C"
    sop = profile.lookup(0x00080018)
    assert sop is not None and sop.action([Option.RETAIN_UIDS]) == "K"
    assert profile.lookup(0x00081010).action([Option.RETAIN_DEVICE_IDENTITY]) == "K"  # type: ignore[union-attr]
    assert profile.lookup(0x00080080).action([Option.RETAIN_INSTITUTION_IDENTITY]) == "K"  # type: ignore[union-attr]
    assert profile.lookup(0x00101010).action([Option.RETAIN_PATIENT_CHARACTERISTICS]) == "K"  # type: ignore[union-attr]
    assert profile.lookup(0x0008103E).action([Option.CLEAN_DESCRIPTORS]) == "C"  # type: ignore[union-attr]
    assert profile.lookup(0x0040A730).action([Option.CLEAN_STRUCTURED_CONTENT]) == "C"  # type: ignore[union-attr]
    assert profile.lookup(0x00700001).action([Option.CLEAN_GRAPHICS]) == "C"  # type: ignore[union-attr]


def test_the_retaining_option_wins_when_two_apply() -> None:
    calibration_time = load_profile().lookup(0x0014407C)
    assert calibration_time is not None
    both = [Option.RETAIN_LONG_MODIFIED_DATES, Option.RETAIN_DEVICE_IDENTITY]
    assert calibration_time.action(both) == "K"
    assert calibration_time.action([Option.RETAIN_LONG_MODIFIED_DATES]) == "C"


def test_every_option_changes_some_rows() -> None:
    profile = load_profile()
    sizes = {o: len(profile.affected_by(o)) for o in Option}
    assert sizes[Option.RETAIN_UIDS] >= 50
    assert sizes[Option.RETAIN_SAFE_PRIVATE] == 0  # only the private-attributes rule
    assert all(n > 0 for o, n in sizes.items() if o is not Option.RETAIN_SAFE_PRIVATE)


def test_uid_rows_are_kept_by_retain_uids() -> None:
    profile = load_profile()
    for entry in profile.with_action("U"):
        if entry.options_edition and entry.pattern not in ("(0040,A124)", "(0400,0100)"):
            assert entry.action([Option.RETAIN_UIDS]) == "K", entry


def test_rows_added_after_the_options_edition_keep_the_basic_action() -> None:
    pronouns = load_profile().lookup(0x00100014)
    assert pronouns is not None
    assert pronouns.options_edition is None
    assert all(pronouns.action([o]) == pronouns.basic for o in Option)


def test_option_parse_accepts_names_and_titles() -> None:
    assert Option.parse("retain-uids") is Option.RETAIN_UIDS
    assert Option.parse("Retain_UIDs") is Option.RETAIN_UIDS
    assert Option.parse("Retain UIDs Option") is Option.RETAIN_UIDS
    with pytest.raises(ValueError, match="choose from"):
        Option.parse("retain-everything")


def test_tag_int_rejects_garbage() -> None:
    assert tag_int("(0008,0018)") == 0x00080018
    with pytest.raises(ValueError, match=r"\(gggg,eeee\)"):
        tag_int("PatientName")


def test_malformed_table_names_the_line() -> None:
    header = "tag,name,basic," + ",".join(o.column for o in Option) + ",options_edition\n"
    good = '"(0010,0010)",Patient\'s Name,Z' + "," * 10 + ",2025a\n"
    bad = '"(0010,0020)",Patient ID,Q' + "," * 10 + ",2025a\n"
    assert len(parse_table(header + good)) == 1
    with pytest.raises(ProfileDataError, match="line 3"):
        parse_table(header + good + bad)
