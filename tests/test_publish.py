"""``dicomedit publish`` over real HTTP against the fake XNAT (issue 4 and issue 9 item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dicomedit.cli import main
from dicomedit.errors import ScriptError
from dicomedit.testing.fake_xnat import DEFAULT_SCRIPT, FailRule, FakeXNAT
from dicomedit.xnat import (
    ClientSettings,
    Credentials,
    PollPolicy,
    Scope,
    VerificationError,
    XNATClient,
    normalise_script,
    publish,
)

pytest_plugins = ["dicomedit.testing.fake_xnat.fixture"]

SCRIPTS = Path(__file__).parent / "fixtures" / "xnat" / "scripts"


def run(
    fake: FakeXNAT, *args: str, user: str = "admin", password: str = "admin", home: Path | None = None
) -> Result:
    env = {"XNAT_URL": fake.url, "XNAT_USER": user, "XNAT_PASSWORD": password, "HOME": str(home or SCRIPTS)}
    return CliRunner().invoke(main, list(args), env=env)


def script(name: str) -> str:
    return str(SCRIPTS / name)


def writes(fake: FakeXNAT) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests if r.method != "GET"]


def test_first_publish_uploads_enables_verifies_and_shows_the_diff(fake_xnat: FakeXNAT) -> None:
    fake_xnat.site_enabled = False
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 0, result.output
    assert normalise_script(fake_xnat.site_script) == normalise_script((SCRIPTS / "site.das").read_text())
    assert fake_xnat.site_enabled is True
    assert "release 1.9.2.1" in result.output
    assert "-// Default XNAT anonymization script" in result.output
    assert "+-(0008,0090)" in result.output
    assert "uploaded the site-wide script" in result.output
    assert "verified" in result.output
    put = fake_xnat.requests_to("/xapi/anonymize/site", "PUT")
    assert [r.content_type for r in put] == ["text/plain", "application/json"]
    assert put[1].query == "enable=true"
    assert all(r.user_agent.startswith("dicomedit/") for r in fake_xnat.requests)


def test_republish_without_change_uploads_nothing(fake_xnat: FakeXNAT) -> None:
    assert run(fake_xnat, "publish", script("site.das")).exit_code == 0
    before = len(writes(fake_xnat))
    result = run(fake_xnat, "publish", script("site_crlf.das"))  # CRLF and trailing blanks only
    assert result.exit_code == 0, result.output
    assert "already identical: nothing uploaded" in result.output
    assert len(writes(fake_xnat)) == before


def test_changed_script_prints_only_the_change(fake_xnat: FakeXNAT) -> None:
    run(fake_xnat, "publish", script("site.das"))
    result = run(fake_xnat, "publish", script("site_changed.das"))
    assert result.exit_code == 0, result.output
    assert "+-(0008,0080)" in result.output
    assert "-(0010,0010)" not in result.output.replace("-(0010,0010) :=", "")
    assert fake_xnat.site_script.endswith("-(0008,0080)\n")


def test_project_publish_by_an_owner(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_user("alice", "pw")
    fake_xnat.add_project("STUDY_A", owners=["alice"])
    result = run(
        fake_xnat, "publish", script("project.das"), "--project", "STUDY_A", user="alice", password="pw"
    )
    assert result.exit_code == 0, result.output
    project = fake_xnat.projects["STUDY_A"]
    assert project.script is not None and '"Study A"' in project.script
    assert project.script_enabled
    assert fake_xnat.site_script == DEFAULT_SCRIPT


def test_project_publish_to_an_unknown_project(fake_xnat: FakeXNAT) -> None:
    result = run(fake_xnat, "publish", script("project.das"), "--project", "NOPE")
    assert result.exit_code == 1
    assert "project 'NOPE' does not exist" in result.output
    assert not writes(fake_xnat)


def test_dry_run_changes_nothing(fake_xnat: FakeXNAT) -> None:
    result = run(fake_xnat, "publish", script("site.das"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+-(0008,0090)" in result.output
    assert "dry run: nothing was changed" in result.output
    assert not writes(fake_xnat)
    assert fake_xnat.site_script == DEFAULT_SCRIPT


def test_no_enable_leaves_a_disabled_script_disabled(fake_xnat: FakeXNAT) -> None:
    fake_xnat.site_enabled = False
    result = run(fake_xnat, "publish", script("site.das"), "--no-enable")
    assert result.exit_code == 0, result.output
    assert fake_xnat.site_enabled is False
    assert "DISABLED" in result.output
    assert not fake_xnat.requests_to("/xapi/anonymize/site/enabled", "PUT")


def test_script_with_errors_is_refused_before_any_request(fake_xnat: FakeXNAT) -> None:
    result = run(fake_xnat, "publish", script("broken.das"))
    assert result.exit_code == 1
    assert "nothing was uploaded" in result.output
    assert "broken.das:4:" in result.output
    assert not fake_xnat.requests


def test_script_from_standard_input_is_read_and_named_as_check_does(fake_xnat: FakeXNAT) -> None:
    broken = (SCRIPTS / "broken.das").read_bytes()
    env = {"XNAT_URL": fake_xnat.url, "XNAT_USER": "admin", "XNAT_PASSWORD": "admin", "HOME": str(SCRIPTS)}
    published = CliRunner().invoke(main, ["publish", "-"], input=broken, env=env)
    checked = CliRunner().invoke(main, ["check", "-"], input=broken)
    assert published.exit_code == checked.exit_code == 1
    assert "<stdin>:4:" in published.output and "<stdin>:4:" in checked.output
    assert "<stdin> has errors; nothing was uploaded" in published.output
    assert not fake_xnat.requests


def test_unreadable_script_is_a_usage_error_like_in_check(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.das")
    published = run(fake_xnat, "publish", missing)
    checked = CliRunner().invoke(main, ["check", missing])
    assert published.exit_code == checked.exit_code == 2
    assert f"{missing}: cannot read the script: No such file or directory" in published.output
    assert not fake_xnat.requests


def test_a_dicom_file_given_as_the_script_is_refused_without_echoing_it(
    fake_xnat: FakeXNAT, tmp_path: Path
) -> None:
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PatientName = "Doe^Jane"
    image = tmp_path / "image.dcm"
    ds.save_as(image, enforce_file_format=False)
    image.write_bytes(b"\0" * 128 + b"DICM" + image.read_bytes())
    for command in ("publish", "status"):
        args = [command, str(image)] if command == "publish" else [command, "--compare", str(image)]
        result = run(fake_xnat, *args)
        assert result.exit_code == 2, result.output
        assert "this is a DICOM file, not a DicomEdit script" in result.output
        assert "Doe^Jane" not in result.output
    assert not fake_xnat.requests


def test_bad_password_is_one_request_a_clear_message_and_exit_1(fake_xnat: FakeXNAT) -> None:
    result = run(fake_xnat, "publish", script("site.das"), password="wrong")
    assert result.exit_code == 1
    assert len(fake_xnat.requests) == 1
    assert "did not accept the credentials of user 'admin' (401)" in result.output
    assert "not repeated" in result.output
    assert "wrong" not in result.output
    assert "Traceback" not in result.output
    assert fake_xnat.users["admin"].failed_logins == 1


def test_non_admin_gets_the_403_explained(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_user("bob", "pw")
    result = run(fake_xnat, "publish", script("site.das"), user="bob", password="pw")
    assert result.exit_code == 1
    assert "'bob' is logged in but not allowed to upload the site-wide script (403)" in result.output
    assert "site administrator" in result.output and "--project" in result.output
    assert fake_xnat.site_script == DEFAULT_SCRIPT


def test_redirect_to_setup_is_reported_not_followed(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.initialized = False
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 1
    assert "not initialised" in result.output
    assert not writes(fake_xnat)
    assert not fake_xnat.requests_to("/setup")


def test_redirect_to_the_login_page_is_an_authentication_problem(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.login_redirect = True
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 1
    assert "redirected to its login page" in result.output
    assert not fake_xnat.requests_to("/app/template/Login.vm")


def test_read_back_lag_is_waited_for(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.read_lag_reads = 3
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 0, result.output
    assert len(fake_xnat.requests_to("/xapi/anonymize/site", "GET")) >= 4


def test_read_back_lag_in_seconds_is_waited_for(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.read_lag_seconds = 0.4
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 0, result.output


def test_verification_failure_restores_the_previous_script(fake_xnat: FakeXNAT) -> None:
    run(fake_xnat, "publish", script("site.das"))
    fake_xnat.knobs.corrupt_script_writes = 1
    result = run(fake_xnat, "publish", script("site_changed.das"), "--verify-timeout", "0.3")
    assert result.exit_code == 1
    assert "does not show the upload" in result.output
    assert "the site-wide script had been uploaded" in result.output
    assert "The previous script and its enabled setting were restored and verified" in result.output
    assert normalise_script(fake_xnat.site_script) == normalise_script((SCRIPTS / "site.das").read_text())


def test_library_publish_raises_verification_error_and_rolls_back(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.corrupt_script_writes = 1
    with XNATClient(Credentials(fake_xnat.url, "admin", "admin")) as client, pytest.raises(VerificationError):
        publish(client, (SCRIPTS / "site.das").read_text(), poll=PollPolicy(timeout=0.2, interval=0.05))
    assert fake_xnat.site_script == DEFAULT_SCRIPT


def test_release_too_old_for_the_script_is_refused_with_nothing_uploaded(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.release = "1.8.9"
    result = run(fake_xnat, "publish", script("lists.das"))
    assert result.exit_code == 1
    assert "cannot run on XNAT 1.8.9" in result.output
    assert "removeTags needs XNAT 1.8.10" in result.output
    assert not writes(fake_xnat)


def test_release_new_enough_accepts_the_script(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.release = "1.8.10"
    result = run(fake_xnat, "publish", script("lists.das"))
    assert result.exit_code == 0, result.output
    assert "release 1.8.10" in result.output
    assert "removeTags" in fake_xnat.site_script


def test_xnat_override_warns_loudly(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.release = "1.8.9"
    result = run(fake_xnat, "publish", script("lists.das"), "--xnat", "1.8.10")
    assert result.exit_code == 0, result.output
    assert "WARNING: checking against XNAT 1.8.10 given by --xnat" in result.output


@pytest.mark.parametrize("release", ["1.8.11-SNAPSHOT", "banana"])
def test_development_or_unknown_release_is_reported_not_guessed(fake_xnat: FakeXNAT, release: str) -> None:
    fake_xnat.knobs.release = release
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 1
    assert release in result.output
    assert "--xnat RELEASE" in result.output
    assert not writes(fake_xnat)


def test_non_latin1_characters_are_refused(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    path = tmp_path / "greek.das"
    path.write_text('version "6.3"\n(0008,1030) := "Μελέτη"\n', encoding="utf-8")
    result = run(fake_xnat, "publish", str(path))
    assert result.exit_code == 1
    assert "ISO-8859-1" in result.output
    assert not fake_xnat.requests


def test_latin1_text_is_sent_as_iso_8859_1_and_reads_back_equal(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    path = tmp_path / "latin.das"
    path.write_text('version "6.3"\n(0008,1030) := "Étude"\n', encoding="utf-8")
    result = run(fake_xnat, "publish", str(path))
    assert result.exit_code == 0, result.output
    assert '"Étude"' in fake_xnat.site_script
    assert "non-ASCII" in result.output


def test_library_publish_raises_script_error_with_diagnostics(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.release = "1.8.6"
    credentials = Credentials(fake_xnat.url, "admin", "admin")
    with XNATClient(credentials, ClientSettings(retries=0)) as client, pytest.raises(ScriptError) as info:
        publish(client, (SCRIPTS / "lists.das").read_text(), scope=Scope())
    assert info.value.diagnostics


def test_disabled_project_script_cannot_be_read_back_and_says_so(fake_xnat: FakeXNAT) -> None:
    project = fake_xnat.add_project("P")
    project.script, project.script_enabled = 'version "6.3"\n', False
    result = run(fake_xnat, "publish", script("project.das"), "--project", "P", "--no-enable")
    assert result.exit_code == 0, result.output
    assert "could not be read back" in result.stderr
    assert "verified: XNAT serves" not in result.output
    assert "not verified: the script of project P is disabled" in result.stdout
    assert "no diff can be shown" in result.stderr
    assert "+(0008,1030)" not in result.output  # no diff against a script that could not be read
    assert project.script is not None and '"Study A"' in project.script
    assert project.script_enabled is False


def test_no_enable_on_a_project_without_a_script_uploads_it_disabled(fake_xnat: FakeXNAT) -> None:
    project = fake_xnat.add_project("P")
    result = run(fake_xnat, "publish", script("project.das"), "--project", "P", "--no-enable")
    assert result.exit_code == 0, result.output
    assert project.script is not None and '"Study A"' in project.script
    assert project.script_enabled is False  # XNAT starts a new project configuration enabled
    assert "uploaded the script of project P" in result.stdout
    assert "not verified" in result.stdout and "verified: XNAT serves" not in result.output
    assert "restored" not in result.output


def test_failed_verification_of_a_first_project_script_says_what_the_rollback_did(
    fake_xnat: FakeXNAT,
) -> None:
    project = fake_xnat.add_project("P")
    fake_xnat.knobs.corrupt_script_writes = 1
    result = run(fake_xnat, "publish", script("project.das"), "--project", "P", "--verify-timeout", "0.3")
    assert result.exit_code == 1
    assert "the script of project P had been uploaded" in result.output
    assert "had no enabled script" in result.output
    assert "switched off again and verified disabled" in result.output
    assert "previous script and its enabled setting were restored" not in result.output
    assert project.script_enabled is False


def test_a_failed_enable_after_the_upload_is_rolled_back(fake_xnat: FakeXNAT) -> None:
    fake_xnat.site_enabled = False
    fake_xnat.knobs.fail_requests = [FailRule("PUT", "/xapi/anonymize/site/enabled", 500)]
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 1, result.output
    assert "the site-wide script had been uploaded, but then this failed: XNAT failed with 500" in (
        result.output
    )
    assert "The previous script and its enabled setting were restored and verified" in result.output
    assert fake_xnat.site_script == DEFAULT_SCRIPT
    assert fake_xnat.site_enabled is False
    assert isinstance(result.exception, SystemExit)


def test_a_failing_read_back_is_rolled_back(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.fail_requests = [FailRule("GET", "/xapi/anonymize/site", 500, skip=1)]
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 1, result.output
    assert "had been uploaded" in result.output
    assert "restored and verified" in result.output
    assert fake_xnat.site_script == DEFAULT_SCRIPT


def test_a_read_back_that_keeps_failing_says_the_rollback_failed_too(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.fail_requests = [FailRule("GET", "/xapi/anonymize/site", 500, times=None, skip=1)]
    result = run(fake_xnat, "publish", script("site.das"))
    assert result.exit_code == 1, result.output
    assert "had been uploaded" in result.output
    assert "Rolling back failed too" in result.output
    assert "dicomedit status" in result.output
    assert isinstance(result.exception, SystemExit)


def test_the_xnat_override_warning_comes_before_the_upload_and_on_failure(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.release = "1.8.9"
    result = run(fake_xnat, "publish", script("lists.das"), "--xnat", "1.8.10")
    assert result.exit_code == 0, result.output
    assert result.output.index("WARNING: checking against XNAT 1.8.10") < result.output.index("uploaded")
    fake_xnat.knobs.fail_requests = [FailRule("PUT", "/xapi/anonymize/site", 500)]
    result = run(fake_xnat, "publish", script("site.das"), "--xnat", "1.8.10")
    assert result.exit_code == 1, result.output
    assert "WARNING: checking against XNAT 1.8.10 given by --xnat" in result.stderr
