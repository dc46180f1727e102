"""apply --xnat: the behaviours that changed between XNAT releases (spec §11.3 "XNAT ≥ …" cases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

import dicomedit
from dicomedit.cli import main
from tests.conftest import FIXTURES


def _run(script: str, ds: Dataset, release: str) -> Dataset:
    compiled = dicomedit.compile(script, "case.das", xnat=release)
    outcome = compiled.apply(ds, {}, run=dicomedit.RunContext(xnat=release))
    assert outcome.status.name in ("MODIFIED", "UNCHANGED"), outcome.message
    assert outcome.dataset is not None
    return outcome.dataset


def _with_meta(ds: Dataset) -> Dataset:
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    return ds


def _two_items() -> Dataset:
    ds = _with_meta(Dataset())
    first, second = Dataset(), Dataset()
    first.add_new(0x00180028, "DS", "150000")
    second.add_new(0x00180028, "DS", "100000")
    ds.add_new(0x00180026, "SQ", Sequence([first, second]))
    return ds


@pytest.mark.parametrize(("release", "items"), [("1.8.7", 2), ("1.10.1", 2), ("1.8.6", 1)])
def test_deleting_an_item_keeps_an_empty_item_from_1_8_7(release: str, items: int) -> None:
    # XNAT >= 1.8.7 empties item [1] and keeps it; before, the item was removed
    out = _run('version "6.3"\n-(0018,0026)[1]\n', _two_items(), release)
    seq = out[0x00180026].value
    assert len(seq) == items
    assert seq[0][0x00180028].value == "150000"
    if items == 2:
        assert len(seq[1]) == 0


def _private_block() -> Dataset:
    ds = _with_meta(Dataset())
    ds.add_new(0x00290012, "LO", "NAUGHTY PERSON")
    ds.add_new(0x00291208, "LO", "MLO")
    return ds


@pytest.mark.parametrize(("release", "creator_kept"), [("1.8.7", True), ("1.9.0", True), ("1.8.6", False)])
def test_delete_keeps_private_creators_from_1_8_7(release: str, creator_kept: bool) -> None:
    # '-' never deletes private creator elements in XNAT >= 1.8.7
    out = _run('version "6.3"\n-(0029,{NAUGHTY PERSON}XX)\n', _private_block(), release)
    assert 0x00291208 not in out
    assert (0x00290012 in out) is creator_kept


def _high_group() -> Dataset:
    ds = _with_meta(Dataset())
    ds.add_new(0xF2150010, "LO", "XNAT QA HIGH GROUP")
    ds.add_new(0xF2151050, "LO", "retained")
    ds.add_new(0x97530010, "LO", "XNAT QA OTHER GROUP")
    ds.add_new(0x97531050, "LO", "removed")
    return ds


@pytest.mark.parametrize(("release", "kept"), [("1.10.1", True), ("1.10.0", False)])
def test_retain_private_tags_keeps_high_groups_from_1_10_1(release: str, kept: bool) -> None:
    # R-091 (DE-125): groups >= 0x8000 survive retainPrivateTags only from XNAT 1.10.1
    script = 'version "6.6"\nretainPrivateTags[(F215,{XNAT QA HIGH GROUP}50)]\n'
    out = _run(script, _high_group(), release)
    assert 0x97531050 not in out
    assert (0xF2151050 in out) is kept


def test_apply_refuses_a_script_the_release_cannot_run(tmp_path: Path) -> None:
    script = tmp_path / "blocks.das"
    script.write_text(
        'version "6.4"\nif ((0008,0060) = "MR") {\n    (0008,103E) := "MR"\n}\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    sample = FIXTURES / "sample"
    result = CliRunner().invoke(main, ["apply", "--xnat", "1.8.6", str(script), str(sample), "-o", str(out)])
    assert result.exit_code == 1  # a script with errors, as in check
    assert "if/elseif/else blocks need XNAT 1.8.7 or later" in result.output
    assert not out.exists() or not any(out.rglob("*.dcm"))
    ok = CliRunner().invoke(main, ["apply", "--xnat", "1.8.7", str(script), str(sample), "-o", str(out)])
    assert ok.exit_code == 0, ok.output
    assert len(list(out.rglob("*.dcm"))) == 3
