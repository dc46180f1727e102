"""The release model: --xnat, [tool.dicomedit] xnat, and every feature boundary (spec §1.2, §1.3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import dicomedit
from dicomedit.cli import main
from dicomedit.releases import (
    BEHAVIOURS,
    FEATURES,
    KNOWN_RELEASES,
    NEWEST,
    ReleaseError,
    behaves_like_newer,
    parse_release,
)
from tests.conftest import FIXTURES

RELEASES = FIXTURES / "releases"
CASES = json.loads((RELEASES / "cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["script"].removesuffix(".das"))
def test_feature_is_an_error_before_its_release_and_clean_from_it(case: dict[str, str]) -> None:
    text = (RELEASES / case["script"]).read_text(encoding="utf-8")
    before = dicomedit.check(text, case["script"], xnat=case["before"])
    messages = [d.message for d in before.errors]
    assert len(messages) == 1, messages
    assert case["message"] in messages[0]
    since = dicomedit.check(text, case["script"], xnat=case["since"])
    assert since.errors == (), [d.message for d in since.errors]


def test_every_feature_of_the_model_has_a_boundary_case() -> None:
    covered = " ".join(c["message"] for c in CASES)
    for feature in FEATURES.values():
        assert feature.description in covered, feature.key


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("1.8.10", "1.8.10.1"),
        ("1.8.9.2", "1.8.10"),
        ("1.10.0-RC2-SNAPSHOT", "1.10.0"),
        ("1.8.11-SNAPSHOT", "1.8.11"),
        ("1.8.10", "1.8.11-SNAPSHOT"),
        ("1.9.2.1", "1.10.0"),
    ],
)
def test_releases_compare_numerically_and_a_suffix_sorts_before_its_release(older: str, newer: str) -> None:
    assert parse_release(older) < parse_release(newer)


@pytest.mark.parametrize("text", ["", "latest", "1", "2.0.0", "1.x", "v1.8.6"])
def test_unreadable_release_strings_are_refused_not_guessed(text: str) -> None:
    with pytest.raises(ReleaseError):
        parse_release(text)


def test_default_target_is_the_newest_known_release() -> None:
    assert KNOWN_RELEASES[-1] == NEWEST
    assert dicomedit.check('version "6.7"\n').target == NEWEST


def test_a_version_older_than_the_features_used_is_a_warning() -> None:
    result = dicomedit.check('version "6.1"\ntags := {(0008,0020)}\nremoveTags[tags]\n')
    assert result.errors == ()
    [warning] = [d for d in result.warnings if d.code == "W401"]
    assert 'declares version "6.1" but uses features of DicomEdit 6.6' in warning.message


PREVIOUS = {"1.8.7": "1.8.6", "1.10.0": "1.9.2.1", "1.10.1": "1.10.0"}


def test_release_dependent_behaviours_switch_at_their_release() -> None:
    for behaviour in BEHAVIOURS.values():
        assert behaves_like_newer(behaviour.key, behaviour.since)
        assert not behaves_like_newer(behaviour.key, parse_release(PREVIOUS[str(behaviour.since)]))
        assert behaves_like_newer(behaviour.key, None)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_pyproject_setting_is_used_and_the_command_line_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "pyproject.toml", '[tool.dicomedit]\nxnat = "1.8.6"\n')
    _write(tmp_path, "anon.das", (RELEASES / "if_block.das").read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    pinned = runner.invoke(main, ["check", "anon.das"])
    assert pinned.exit_code == 1
    assert "if/elseif/else blocks need XNAT 1.8.7 or later" in pinned.output
    assert "for XNAT 1.8.6" in pinned.output
    overridden = runner.invoke(main, ["check", "--xnat", "1.8.7", "anon.das"])
    assert overridden.exit_code == 0, overridden.output


def test_bad_release_in_pyproject_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "pyproject.toml", '[tool.dicomedit]\nxnat = "newest"\n')
    _write(tmp_path, "anon.das", 'version "6.6"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "anon.das"])
    assert result.exit_code == 2
    assert "pyproject.toml" in result.output
    assert "'newest' is not an XNAT release" in result.output
