"""dicomedit check and dicomedit fmt as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dicomedit.cli import main

GOOD = 'version "6.6"\n(0010,0010) := subject\n'
WARN = 'version "6.6"\n(0010,0010) := nickname\n'
BAD = 'version "6.6"\n(0018,901X) := "NO"\nfoo[]\n'
UGLY = 'version "6.6"\n(0010,0010):=   "x"   // keep me\n'


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_clean_script_exits_0(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(_file(tmp_path, "a.das", GOOD))])
    assert result.exit_code == 0
    assert "0 errors, 0 warnings" in result.output


def test_check_reports_every_error_with_position_source_and_caret(tmp_path: Path) -> None:
    path = _file(tmp_path, "bad.das", BAD)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{path}:2:1: error: ':=' needs a path to exactly one element" in lines[0]
    assert lines[1] == '  (0018,901X) := "NO"'
    assert lines[2] == "  ^^^^^^^^^^^"
    assert any(line.startswith(f"{path}:3:1: error: unknown function 'foo'") for line in lines)
    assert "2 errors" in result.output


def test_check_json_is_machine_readable(tmp_path: Path) -> None:
    path = _file(tmp_path, "bad.das", BAD)
    result = CliRunner().invoke(main, ["check", "--format", "json", str(path)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert {d["code"] for d in data} == {"E202", "E200"}
    assert all(d["path"] == str(path) and d["severity"] == "error" for d in data)
    assert data[0]["line"] == 2 and data[0]["column"] == 1


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    path = _file(tmp_path, "w.das", WARN)
    runner = CliRunner()
    assert runner.invoke(main, ["check", str(path)]).exit_code == 0
    strict = runner.invoke(main, ["check", "--strict", str(path)])
    assert strict.exit_code == 1
    assert "error: variable 'nickname'" in strict.output


def test_check_reads_standard_input() -> None:
    result = CliRunner().invoke(main, ["check", "-"], input=BAD)
    assert result.exit_code == 1
    assert "<stdin>:2:1: error:" in result.output


def test_check_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope.das")])
    assert result.exit_code == 2
    assert "nope.das: cannot read the script" in result.output
    assert "Traceback" not in result.output


def test_fmt_rewrites_the_file_and_keeps_comments(tmp_path: Path) -> None:
    path = _file(tmp_path, "u.das", UGLY)
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 0
    assert path.read_text(encoding="utf-8") == 'version "6.6"\n(0010,0010) := "x"  // keep me\n'
    assert not list(tmp_path.glob("*.part"))


def test_fmt_check_and_diff_write_nothing(tmp_path: Path) -> None:
    path = _file(tmp_path, "u.das", UGLY)
    runner = CliRunner()
    checked = runner.invoke(main, ["fmt", "--check", str(path)])
    assert checked.exit_code == 1
    assert "would reformat" in checked.output
    diffed = runner.invoke(main, ["fmt", "--diff", str(path)])
    assert diffed.exit_code == 0
    assert '-(0010,0010):=   "x"   // keep me' in diffed.output
    assert '+(0010,0010) := "x"  // keep me' in diffed.output
    assert path.read_text(encoding="utf-8") == UGLY
    _file(tmp_path, "g.das", GOOD)
    assert runner.invoke(main, ["fmt", "--check", str(tmp_path / "g.das")]).exit_code == 0


def test_fmt_refuses_a_script_with_syntax_errors_and_leaves_it_alone(tmp_path: Path) -> None:
    text = 'version "6.6"\n(0010,0010) := := "x"\n'
    path = _file(tmp_path, "s.das", text)
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1
    assert "cannot format a script with syntax errors" in result.output
    assert "2:16: error: syntax error" in result.output
    assert path.read_text(encoding="utf-8") == text


def test_fmt_refuses_to_move_a_version_line_xnat_does_not_see() -> None:
    result = CliRunner().invoke(main, ["fmt", "-"], input='  version "6.6"\n(0010,0010) := "x"\n')
    assert result.exit_code == 1
    assert "would change the version XNAT reads" in result.output


def test_fmt_filters_standard_input_to_standard_output() -> None:
    result = CliRunner().invoke(main, ["fmt", "-"], input=UGLY)
    assert result.exit_code == 0
    assert result.stdout == 'version "6.6"\n(0010,0010) := "x"  // keep me\n'


def test_a_dicom_file_given_as_the_script_is_refused_without_printing_it() -> None:
    sample = Path(__file__).parent / "fixtures" / "sample" / "study1" / "ct_1.dcm"
    for command in (["check"], ["fmt", "--check"], ["lint"]):
        result = CliRunner().invoke(main, [*command, str(sample)])
        assert result.exit_code == 2, result.output
        assert "this is a DICOM file, not a DicomEdit script" in result.output
        assert "DOE" not in result.output and "MRN0012345" not in result.output


def test_fmt_keeps_a_latin1_script_in_latin1(tmp_path: Path) -> None:
    path = tmp_path / "latin1.das"
    path.write_bytes('version "6.6"\n(0008,1030):="Étude"\n'.encode("iso-8859-1"))
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == 'version "6.6"\n(0008,1030) := "Étude"\n'.encode("iso-8859-1")


def test_fmt_keeps_the_mode_of_the_file_and_writes_through_links(tmp_path: Path) -> None:
    target = _file(tmp_path, "real.das", UGLY)
    target.chmod(0o751)
    link = tmp_path / "link.das"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["fmt", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and "(0010,0010) := " in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o751


def test_fmt_that_cannot_write_says_so_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from dicomedit.cli import script_commands

    full, fine = _file(tmp_path, "full.das", UGLY), _file(tmp_path, "fine.das", UGLY)
    real = script_commands.atomic_write_bytes

    def disk_full(path: str, data: bytes) -> None:
        if path.endswith("full.das"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(script_commands, "atomic_write_bytes", disk_full)
    result = CliRunner().invoke(main, ["fmt", str(full), str(fine)])
    assert result.exit_code == 2 and result.exception is not None and isinstance(result.exception, SystemExit)
    assert "full.das: cannot write the formatted script: No space left on device" in result.stderr
    assert "1 could not be written" in result.stderr
    assert full.read_text() == UGLY and "(0010,0010) := " in fine.read_text()


def test_nesting_too_deep_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    deep = 'version "6.6"\n' + 'if ((0008,0060) = "MR") {\n' * 150 + "-(0010,0030)\n" + "}\n" * 150
    path = _file(tmp_path, "deep.das", deep)
    for command in (["check"], ["fmt", "--check"], ["lint"]):
        result = CliRunner().invoke(main, [*command, str(path)])
        assert result.exit_code == 1, result.output
        assert "nesting deeper than 100 levels" in result.output + result.stderr
    assert "E103" in CliRunner().invoke(main, ["check", str(path)]).output


def test_standard_input_can_be_given_once(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "-", "-"], input=GOOD)
    assert result.exit_code == 2 and "only once" in result.stderr
