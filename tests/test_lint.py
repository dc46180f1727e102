"""``dicomedit lint``: fixture scripts under tests/fixtures/lint carry their expectations.

In a fixture, ``// expect CODE`` at the end of a line expects that finding on that line (every
finding about a statement, not an attribute, must be expected); ``// expect-attribute: (gggg,eeee)
CODE`` expects a finding about that attribute (``none``: no finding at all); ``// expect-file:
CODE ...`` expects findings about the script as a whole; ``// lint-options: ...`` gives options.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from dicomedit.cli import main
from dicomedit.profile import Option, load_profile
from dicomedit.profile.lint import LintError, Status, lint, parse_label_identifier
from tests.conftest import FIXTURES

CASES = sorted((FIXTURES / "lint").glob("*.das"))
ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "scripts" / "anon_script.das"
DEFAULT_SCRIPT = FIXTURES / "lint" / "xnat_default.das"


def _options(text: str) -> tuple[list[str], list[str]]:
    options: list[str] = []
    labels: list[str] = []
    for m in re.finditer(r"^// lint-options: (.*)$", text, re.M):
        words = shlex.split(m.group(1))
        for flag, value in zip(words[::2], words[1::2], strict=True):
            (options if flag == "--option" else labels).append(value)
    return options, labels


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_lint_fixture(case: Path) -> None:
    text = case.read_text()
    options, labels = _options(text)
    report = lint(text, str(case), options=options, label_identifiers=labels)
    assert report.analyzed

    expected_lines = {
        (code, number)
        for number, line in enumerate(text.splitlines(), start=1)
        for code in re.findall(r"// expect (L\d{3})", line)
    }
    actual_lines = {
        (f.diagnostic.code, f.diagnostic.span.line)
        for f in report.findings
        if f.diagnostic.span.line and f.entry is None
    }
    assert actual_lines == expected_lines

    by_tag: dict[str, set[str]] = {}
    for f in report.findings:
        if f.entry is not None:
            by_tag.setdefault(f.entry.pattern, set()).add(f.diagnostic.code)
    for tag, code in re.findall(r"// expect-attribute: (\(\w{4},\w{4}\)) (\w+)", text):
        if code == "none":
            assert tag not in by_tag, (tag, by_tag.get(tag))
        else:
            assert code in by_tag.get(tag, set()), (tag, by_tag.get(tag))

    file_codes = {f.diagnostic.code for f in report.findings if f.entry is None}
    for m in re.finditer(r"// expect-file: (.*)$", text, re.M):
        assert set(m.group(1).split()) <= file_codes


def test_reference_script_lints_clean() -> None:
    report = lint(REFERENCE.read_text(), str(REFERENCE))
    assert report.ok, [f.diagnostic.message for f in report.errors][:5]
    assert not report.warnings, [f.diagnostic.message for f in report.warnings][:5]
    assert report.count(Status.OK) == len(load_profile()) == 654
    assert report.private_summary.startswith("all removed by removeAllPrivateTags")


def test_xnat_default_script_leaves_most_attributes_untouched() -> None:
    report = lint(DEFAULT_SCRIPT.read_text(), "default.das")
    assert not report.ok
    assert report.count(Status.KEPT) >= 600
    assert report.count(Status.OK) == 0


def test_options_change_what_is_required() -> None:
    text = 'version "6.6"\n'
    basic = lint(text)
    retained = lint(text, options=[Option.RETAIN_UIDS, "retain-long-full-dates"])
    assert len(retained.errors) < len(basic.errors)
    sop = next(a for a in retained.attributes if a.entry.pattern == "(0008,0018)")
    assert sop.required == "K" and sop.status is Status.OK


def test_conditional_handling_is_a_maybe() -> None:
    text = 'version "6.6"\n(0008,0060) = "CT" ? -*/(0008,0080)\n'
    report = lint(text)
    row = next(a for a in report.attributes if a.entry.pattern == "(0008,0080)")
    assert row.status is Status.MAYBE_KEPT
    assert "kept" in row.top and any("deleted" in d for d in row.top)


def test_syntax_errors_stop_the_analysis() -> None:
    report = lint('version "6.6"\n(0010,0010 := "x"\n', "bad.das")
    assert not report.analyzed and not report.ok
    assert report.findings[0].diagnostic.path == "bad.das"
    assert report.findings[0].diagnostic.span.line == 2


def test_bad_declarations_are_usage_errors() -> None:
    assert parse_label_identifier("session=AccessionNumber").tag == 0x00080050
    assert parse_label_identifier("subject=(0010,0020)").keyword == "PatientID"
    for bad in ("session", "visit=AccessionNumber", "session=NoSuchKeyword"):
        with pytest.raises(LintError):
            parse_label_identifier(bad)
    with pytest.raises(LintError, match="choose from"):
        lint('version "6.6"\n', options=["retain-everything"])


def test_cli_text_json_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["lint", str(REFERENCE)])
    assert ok.exit_code == 0, ok.output
    assert "lint passed: 0 errors, 0 warnings" in ok.output

    bad = runner.invoke(main, ["lint", str(DEFAULT_SCRIPT)])
    assert bad.exit_code == 1
    assert "L100 not handled" in bad.output
    assert "(0008,0050)  Accession Number" in bad.output

    as_json = runner.invoke(
        main, ["lint", "--format", "json", "--option", "retain-uids", str(DEFAULT_SCRIPT)]
    )
    assert as_json.exit_code == 1
    doc = json.loads(as_json.output)[0]
    assert doc["options"] == ["retain-uids"]
    assert doc["summary"]["attributes"] == 654
    assert {"tag", "attribute", "code", "severity"} <= set(doc["findings"][-1]) | {"tag", "attribute"}

    labelled = runner.invoke(
        main, ["lint", "--label-is-identifier", "session=AccessionNumber", str(DEFAULT_SCRIPT)]
    )
    assert "L180" in labelled.output

    usage = runner.invoke(main, ["lint", "--label-is-identifier", "visit=X", str(DEFAULT_SCRIPT)])
    assert usage.exit_code == 2
    assert "Traceback" not in usage.output
    missing = runner.invoke(main, ["lint", str(tmp_path / "nope.das")])
    assert missing.exit_code == 2


def _row(report: object, tag: str) -> object:
    return next(a for a in report.attributes if a.entry.pattern == tag)  # type: ignore[attr-defined]


def test_repeating_groups_and_digit_wildcards() -> None:
    every_curve = lint('version "6.6"\n-*/(50X@,XXXX)\n')
    assert _row(every_curve, "(50xx,xxxx)").status is Status.OK  # type: ignore[attr-defined]
    one_overlay = lint('version "6.6"\n-*/(6000,3000)\n')
    assert _row(one_overlay, "(60xx,3000)").status is Status.MAYBE_KEPT  # type: ignore[attr-defined]
    wildcard = lint('version "6.6"\n-*/(0010,21XX)\n')
    for tag in ("(0010,21B0)", "(0010,21C0)", "(0010,21D0)", "(0010,21F0)"):
        assert _row(wildcard, tag).status is Status.OK  # type: ignore[attr-defined]


def test_file_meta_follows_the_sop_instance_uid() -> None:
    report = lint('version "6.6"\nhashUIDList[*/(0008,0018)]\n')
    assert _row(report, "(0002,0003)").status is Status.OK  # type: ignore[attr-defined]
