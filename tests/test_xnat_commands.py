"""``status``, ``pull``, ``enable``, ``disable`` and ``nifti`` against the fake XNAT (issue 4 items 4-5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dicomedit.cli import main
from dicomedit.testing.fake_xnat import DEFAULT_SCRIPT, FakeXNAT
from dicomedit.xnat import Credentials, EventServiceDisabledError, XNATClient
from dicomedit.xnat.events import ACTION_PROVIDER, DICOM_PAYLOAD_FILTER, SCAN_EVENT, nifti_enable

pytest_plugins = ["dicomedit.testing.fake_xnat.fixture"]

SCRIPTS = Path(__file__).parent / "fixtures" / "xnat" / "scripts"


def run(fake: FakeXNAT, *args: str, user: str = "admin", password: str = "admin") -> Result:
    env = {"XNAT_URL": fake.url, "XNAT_USER": user, "XNAT_PASSWORD": password, "HOME": str(SCRIPTS)}
    return CliRunner().invoke(main, list(args), env=env)


# -- status ------------------------------------------------------------------------------------


def test_status_shows_release_scripts_and_receivers(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_receiver("XNAT", 8104)
    fake_xnat.add_project("P")
    result = run(fake_xnat, "status", "--project", "P", "--compare", str(SCRIPTS / "site.das"))
    assert result.exit_code == 0, result.output
    assert "release: 1.9.2.1" in result.output
    assert "the site-wide script: enabled, 10 lines, DIFFERENT from" in result.output
    assert "the script of project P: not set, or set but DISABLED" in result.output
    assert "XNAT:8104 (id 1): enabled, anonymization on" in result.output


def test_status_flags_a_receiver_without_anonymization(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_receiver("RAW", 8105, anonymizationEnabled=False)
    result = run(fake_xnat, "status")
    assert result.exit_code == 1
    assert "RAW:8105 (id 1): enabled, ANONYMIZATION OFF" in result.output
    assert "archived WITHOUT the site and project scripts" in result.output


def test_status_reports_a_live_script_the_release_cannot_run(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.release = "1.8.9"
    fake_xnat.site_script = (SCRIPTS / "lists.das").read_text()
    result = run(fake_xnat, "status")
    assert result.exit_code == 1
    assert "error on this release" in result.output
    assert "every import it runs on fails" in result.output


def test_status_reports_a_development_release(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.release = "1.10.0-RC2-SNAPSHOT"
    result = run(fake_xnat, "status")
    assert "1.10.0-RC2-SNAPSHOT (a development build" in result.output
    assert result.exit_code == 1


def test_status_compares_with_a_local_file(fake_xnat: FakeXNAT) -> None:
    fake_xnat.site_script = (SCRIPTS / "site_crlf.das").read_text()
    result = run(fake_xnat, "status", "--compare", str(SCRIPTS / "site.das"))
    assert result.exit_code == 0, result.output
    assert "same as" in result.output


def test_status_of_a_disabled_project_script_does_not_claim_a_comparison(fake_xnat: FakeXNAT) -> None:
    project = fake_xnat.add_project("P")
    project.script, project.script_enabled = (SCRIPTS / "project.das").read_text(), False
    result = run(fake_xnat, "status", "--project", "P", "--compare", str(SCRIPTS / "project.das"))
    out = result.output
    assert "the script of project P: not set, or set but DISABLED" in out
    assert f"not compared with {SCRIPTS / 'project.das'}" in out
    assert "DIFFERENT" not in out.split("the script of project P")[1].splitlines()[0]
    assert "DISABLED, not set" not in out


def test_status_for_a_plain_user_who_may_not_list_receivers(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_user("bob", "pw")
    result = run(fake_xnat, "status", user="bob", password="pw")
    assert "release: 1.9.2.1" in result.output


# -- pull --------------------------------------------------------------------------------------


def test_pull_writes_the_live_script(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    out = tmp_path / "live.das"
    result = run(fake_xnat, "pull", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text() == DEFAULT_SCRIPT + "\n"


def test_pull_into_a_missing_folder_creates_it(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder" / "live.das"
    result = run(fake_xnat, "pull", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text() == DEFAULT_SCRIPT + "\n"
    assert [p.name for p in out.parent.iterdir()] == ["live.das"]  # no temporary file left


def test_pull_where_no_file_can_be_written_is_a_clear_usage_error(
    fake_xnat: FakeXNAT, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "live.das"
    result = run(fake_xnat, "pull", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert f"error: cannot write the script to {out}: " in result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert blocker.read_text() == "not a folder"
    assert f"{blocker} is not a directory" in result.output


def test_pull_refuses_to_replace_a_fifo_or_a_folder(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run(fake_xnat, "pull", "-o", str(fifo))
    assert result.exit_code == 2, result.output
    assert f"error: cannot write the script to {fifo}: it is a named pipe (FIFO), not a regular file" in (
        result.output
    )
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    link = tmp_path / "to-pipe"
    link.symlink_to(fifo)
    result = run(fake_xnat, "pull", "-o", str(link))
    assert result.exit_code == 2, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "to-pipe"]  # no temporary file left


def test_pull_through_a_symlink_replaces_its_target_and_keeps_the_link(
    fake_xnat: FakeXNAT, tmp_path: Path
) -> None:
    real = tmp_path / "scripts" / "live.das"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "current.das"
    link.symlink_to(Path("scripts") / "live.das")
    result = run(fake_xnat, "pull", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.readlink() == Path("scripts") / "live.das"
    assert real.read_text() == DEFAULT_SCRIPT + "\n"
    dangling = tmp_path / "dangling.das"
    dangling.symlink_to(tmp_path / "new" / "made.das")
    result = run(fake_xnat, "pull", "-o", str(dangling))
    assert result.exit_code == 0, result.output
    assert dangling.is_symlink() and (tmp_path / "new" / "made.das").read_text() == DEFAULT_SCRIPT + "\n"


def test_pull_to_an_empty_file_name_is_a_usage_error(fake_xnat: FakeXNAT) -> None:
    result = run(fake_xnat, "pull", "-o", "")
    assert result.exit_code == 2, result.output
    assert "'-o' / '--output'" in result.output
    assert not fake_xnat.requests


def test_pull_of_a_project_without_script_says_so(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_project("P")
    result = run(fake_xnat, "pull", "--project", "P")
    assert result.exit_code == 1
    assert "not set or is disabled" in result.output


# -- enable / disable --------------------------------------------------------------------------


def test_disable_and_enable_the_site_script_idempotently(fake_xnat: FakeXNAT) -> None:
    result = run(fake_xnat, "disable")
    assert result.exit_code == 0, result.output
    assert fake_xnat.site_enabled is False
    assert "now disabled (verified)" in result.output
    again = run(fake_xnat, "disable")
    assert "already disabled: nothing changed" in again.output
    puts = fake_xnat.requests_to("/xapi/anonymize/site/enabled", "PUT")
    assert [r.query for r in puts] == ["enable=false"]
    assert puts[0].content_type == "application/json"
    assert run(fake_xnat, "enable").exit_code == 0
    assert fake_xnat.site_enabled is True


def test_enable_a_project_without_a_script_explains(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_project("P")
    result = run(fake_xnat, "enable", "--project", "P")
    assert result.exit_code == 1
    assert "has no anonymization script to enable" in result.output
    assert "dicomedit publish SCRIPT --project P" in result.output


def test_disable_a_project_script_by_its_owner(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_user("alice", "pw")
    project = fake_xnat.add_project("P", owners=["alice"])
    project.script, project.script_enabled = 'version "6.3"\n', True
    result = run(fake_xnat, "disable", "--project", "P", user="alice", password="pw")
    assert result.exit_code == 0, result.output
    assert project.script_enabled is False


# -- nifti -------------------------------------------------------------------------------------


def nifti_setup(fake: FakeXNAT) -> None:
    fake.knobs.event_service_enabled = True
    fake.add_user("alice", "pw")
    fake.add_project("P", owners=["alice"])


def test_nifti_enable_uses_the_wrapper_id_and_is_idempotent(fake_xnat: FakeXNAT) -> None:
    nifti_setup(fake_xnat)
    result = run(fake_xnat, "nifti", "enable", "--project", "P", user="alice", password="pw")
    assert result.exit_code == 0, result.output
    assert "NIfTI conversion ON" in result.output
    (sub,) = fake_xnat.event_subscriptions.values()
    assert sub.action_key == f"{ACTION_PROVIDER}:3"  # wrapper 3 of command 2
    assert (sub.event_type, sub.status, sub.project_ids) == (SCAN_EVENT, "CREATED", ["P"])
    assert sub.payload_filter == DICOM_PAYLOAD_FILTER and sub.active
    again = run(fake_xnat, "nifti", "enable", "--project", "P", user="alice", password="pw")
    assert again.exit_code == 0
    assert "nothing to do" in again.output
    assert len(fake_xnat.event_subscriptions) == 1


def test_nifti_disable_then_enable_reactivates_the_same_subscription(fake_xnat: FakeXNAT) -> None:
    nifti_setup(fake_xnat)
    run(fake_xnat, "nifti", "enable", "--project", "P")
    result = run(fake_xnat, "nifti", "disable", "--project", "P")
    assert result.exit_code == 0, result.output
    (sub,) = fake_xnat.event_subscriptions.values()
    assert not sub.active
    assert "deactivated subscription" in result.output
    assert "nothing to do" in run(fake_xnat, "nifti", "disable", "--project", "P").output
    run(fake_xnat, "nifti", "enable", "--project", "P")
    assert list(fake_xnat.event_subscriptions.values()) == [sub] and sub.active


def test_nifti_leaves_foreign_subscriptions_alone(fake_xnat: FakeXNAT) -> None:
    nifti_setup(fake_xnat)
    other = fake_xnat.add_command("other", "x/other:1", ["other-scan"]).wrappers[0]
    other.projects_enabled.add("P")
    with XNATClient(Credentials(fake_xnat.url, "admin", "admin")) as c:
        # Same name as ours but another action: must not be taken for ours.
        c.request(
            "POST",
            "/xapi/projects/P/events/subscription",
            what="subscribe",
            expect=(201,),
            content_type="application/json",
            data=(
                b'{"name": "DICOM to NIfTI (dicomedit)", "active": true, "action-key": "'
                + f"{ACTION_PROVIDER}:{other.id}".encode()
                + b'", "event-filter": {"event-type": "'
                + SCAN_EVENT.encode()
                + b'", "project-ids": ["P"], "status": "CREATED"}}'
            ),
        )
    run(fake_xnat, "nifti", "enable", "--project", "P")
    assert len(fake_xnat.event_subscriptions) == 2
    run(fake_xnat, "nifti", "remove", "--project", "P")
    (left,) = fake_xnat.event_subscriptions.values()
    assert left.action_key.endswith(f":{other.id}")


def test_nifti_remove_deletes_ours(fake_xnat: FakeXNAT) -> None:
    nifti_setup(fake_xnat)
    run(fake_xnat, "nifti", "enable", "--project", "P")
    result = run(fake_xnat, "nifti", "remove", "--project", "P")
    assert result.exit_code == 0, result.output
    assert fake_xnat.event_subscriptions == {}
    assert "subscription: none" in result.output


def test_nifti_with_the_event_service_disabled_is_reported(fake_xnat: FakeXNAT) -> None:
    nifti_setup(fake_xnat)
    fake_xnat.knobs.event_service_enabled = False
    result = run(fake_xnat, "nifti", "enable", "--project", "P")
    assert result.exit_code == 1
    assert "Event Service" in result.output and "switched off" in result.output
    assert fake_xnat.event_subscriptions == {}


def test_nifti_405_from_the_server_is_understood(fake_xnat: FakeXNAT) -> None:
    # When the preference cannot be read first, the 405 itself must still be explained.
    nifti_setup(fake_xnat)
    fake_xnat.knobs.event_service_enabled = False
    with (
        XNATClient(Credentials(fake_xnat.url, "admin", "admin")) as c,
        pytest.raises(EventServiceDisabledError) as e,
    ):
        c.request(
            "POST",
            "/xapi/projects/P/events/subscription",
            what="create the subscription",
            data=b"{}",
            content_type="application/json",
            expect=(201,),
        )
    assert e.value.status == 405
    assert "switched off" in str(e.value)


@pytest.mark.parametrize("action", ["status", "enable", "disable", "remove"])
def test_nifti_of_an_unknown_project_says_so_like_enable(fake_xnat: FakeXNAT, action: str) -> None:
    nifti_setup(fake_xnat)
    expected = run(fake_xnat, "enable", "--project", "NOPE")
    assert expected.exit_code == 1
    result = run(fake_xnat, "nifti", action, "--project", "NOPE")
    assert result.exit_code == 1
    assert result.output == expected.output
    assert "project 'NOPE' does not exist" in result.output
    assert "not found (404)" not in result.output
    assert not [r for r in fake_xnat.requests if r.method != "GET"]


def test_nifti_status_of_a_project(fake_xnat: FakeXNAT) -> None:
    nifti_setup(fake_xnat)
    result = run(fake_xnat, "nifti", "status", "--project", "P")
    assert result.exit_code == 0, result.output
    assert "NIfTI conversion off" in result.output
    assert "command dcm2niix (id 2), wrapper dcm2niix-scan (id 3)" in result.output
    with XNATClient(Credentials(fake_xnat.url, "admin", "admin")) as c:
        change = nifti_enable(c, "P")
    assert change.after.active and change.after.enabled_for_project


# -- credentials and option validation -----------------------------------------------------


@pytest.mark.parametrize(("user", "password"), [("admin", "pw€x"), ("ädmin€", "admin")])
def test_credentials_basic_auth_cannot_send_are_a_credentials_error(
    fake_xnat: FakeXNAT, user: str, password: str
) -> None:
    result = run(fake_xnat, "status", user=user, password=password)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "outside ISO-8859-1" in result.output
    assert "pw€x" not in result.output
    assert not fake_xnat.requests


@pytest.mark.parametrize("option", ["--timeout", "--verify-timeout"])
@pytest.mark.parametrize("value", ["0", "-1", "-5", "nan", "inf", "soon"])
def test_timeouts_must_be_positive_finite_seconds(fake_xnat: FakeXNAT, option: str, value: str) -> None:
    result = run(fake_xnat, "publish", str(SCRIPTS / "site.das"), f"{option}={value}")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "seconds" in result.output
    assert not fake_xnat.requests


def test_a_positive_timeout_is_accepted(fake_xnat: FakeXNAT) -> None:
    result = run(fake_xnat, "status", "--timeout", "0.5")
    assert result.exit_code == 0, result.output


def test_publish_xnat_that_is_not_a_release_is_a_usage_error(fake_xnat: FakeXNAT) -> None:
    for value in ("9.9", "banana"):
        result = run(fake_xnat, "publish", str(SCRIPTS / "site.das"), "--xnat", value)
        assert result.exit_code == 2, result.output
        assert "--xnat" in result.output and value in result.output
    assert not fake_xnat.requests
    checked = CliRunner().invoke(main, ["check", "--xnat", "9.9", str(SCRIPTS / "site.das")])
    assert checked.exit_code == 2


def test_a_malformed_netrc_does_not_matter_when_the_environment_has_the_password(
    fake_xnat: FakeXNAT, tmp_path: Path
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login admin password\n   macdef\n broken 'quote\n")
    netrc.chmod(0o600)
    env = {"XNAT_URL": fake_xnat.url, "XNAT_USER": "admin", "XNAT_PASSWORD": "admin", "HOME": str(tmp_path)}
    result = CliRunner().invoke(main, ["status"], env=env)
    assert result.exit_code == 0, result.output
    # Without the password in the environment the netrc is needed, and its problem is reported.
    env.pop("XNAT_PASSWORD")
    result = CliRunner().invoke(main, ["status"], env=env)
    assert result.exit_code == 2
    assert ".netrc cannot be read" in result.output


# -- wrong URLs and broken servers -------------------------------------------------------------


def run_at(url: str, *args: str) -> Result:
    env = {"XNAT_URL": url, "XNAT_USER": "admin", "XNAT_PASSWORD": "admin", "HOME": str(SCRIPTS)}
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize(
    "args",
    [
        ("publish", str(SCRIPTS / "site.das")),
        ("status",),
        ("nifti", "status", "--project", "P"),
        ("pull", "--project", "P"),
    ],
)
def test_a_wrong_url_says_there_is_no_xnat_there(fake_xnat: FakeXNAT, args: tuple[str, ...]) -> None:
    fake_xnat.add_project("P")
    result = run_at(fake_xnat.url + "/xnat", *args)
    assert result.exit_code == 2, result.output
    assert f"there is no XNAT at {fake_xnat.url}/xnat" in result.output
    assert "release is unknown" not in result.output and "does not exist" not in result.output
    assert not [r for r in fake_xnat.requests if r.method != "GET"]


def test_a_server_failing_everything_is_unavailable(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.fail_next, fake_xnat.knobs.fail_status = 1000, 500
    for args in (("publish", str(SCRIPTS / "site.das")), ("status",)):
        result = run(fake_xnat, *args)
        assert result.exit_code == 2, result.output
        assert "is unavailable: it answers 500" in result.output
        assert "--xnat RELEASE" not in result.output
    assert fake_xnat.site_script == DEFAULT_SCRIPT


def test_https_to_a_plain_http_server_is_not_called_a_certificate_problem(fake_xnat: FakeXNAT) -> None:
    result = run_at(fake_xnat.url.replace("http://", "https://"), "status")
    assert result.exit_code == 2, result.output
    assert "does not speak TLS on that port" in result.output
    assert "http://" in result.output
    assert "certificate verification failed" not in result.output
    assert "pass its certificate with --ca-bundle" not in result.output


def test_nifti_with_two_dcm2niix_wrappers_is_chosen_by_wrapper_id(fake_xnat: FakeXNAT) -> None:
    nifti_setup(fake_xnat)
    other = fake_xnat.add_command("dcm2niix", "example/dcm2niix:2.0", ["dcm2niix-scan"], version="2.0")
    second = other.wrappers[0].id
    result = run(fake_xnat, "nifti", "enable", "--project", "P")
    assert result.exit_code == 1, result.output
    assert "choose one with --wrapper-id ID" in result.output
    assert "wrapper id 3 (" in result.output and f"wrapper id {second} (" in result.output
    for missing in ("--wrapper NAME", "--command", "--image", "--wrapper/"):
        assert missing not in result.output
    result = run(fake_xnat, "nifti", "enable", "--project", "P", "--wrapper-id", str(second))
    assert result.exit_code == 0, result.output
    assert f"(id {second})" in result.output
    assert [sub.action_key for sub in fake_xnat.event_subscriptions.values()] == [
        f"{ACTION_PROVIDER}:{second}"
    ]
    result = run(fake_xnat, "nifti", "status", "--project", "P", "--wrapper-id", "999")
    assert result.exit_code == 1
    assert "has id 999" in result.output
