"""The XNAT client: transport, TLS, retries, sessions, tokens and credentials (issue 4 items 1-2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dicomedit.cli import main
from dicomedit.testing.fake_xnat import FakeXNAT
from dicomedit.xnat import (
    AuthenticationError,
    ClientSettings,
    Credentials,
    CredentialsError,
    PermissionDeniedError,
    ServerError,
    TLSError,
    TransportError,
    XNATClient,
    XNATError,
    resolve_credentials,
)

pytest_plugins = ["dicomedit.testing.fake_xnat.fixture"]

CERTS = Path(__file__).parent / "fixtures" / "xnat"
CERT, KEY = CERTS / "selfsigned-cert.pem", CERTS / "selfsigned-key.pem"
FAST = ClientSettings(retries=2, backoff=0.0)


def client(fake: FakeXNAT, user: str = "admin", password: str = "admin", **kw: Any) -> XNATClient:
    return XNATClient(Credentials(fake.url, user, password, "test"), replace(FAST, **kw))


@pytest.fixture
def https_xnat() -> Iterator[FakeXNAT]:
    with FakeXNAT(certfile=CERT, keyfile=KEY) as server:
        yield server


def test_tls_verification_failure_is_reported_cleanly(https_xnat: FakeXNAT) -> None:
    with client(https_xnat) as c, pytest.raises(TLSError) as info:
        c.get_text("/xapi/anonymize/site", what="read the site script")
    message = str(info.value)
    assert "TLS certificate verification failed" in message
    assert "--ca-bundle" in message
    assert len(https_xnat.requests) == 0  # the handshake failed: nothing reached the server, no retries


def test_ca_bundle_makes_the_self_signed_server_trusted(https_xnat: FakeXNAT) -> None:
    with client(https_xnat, verify=str(CERT)) as c:
        assert "version" in (c.get_text("/xapi/anonymize/site", what="read") or "")


def test_cli_reports_tls_errors_and_accepts_ca_bundle(https_xnat: FakeXNAT, tmp_path: Path) -> None:
    env = {"XNAT_URL": https_xnat.url, "XNAT_USER": "admin", "XNAT_PASSWORD": "admin", "HOME": str(tmp_path)}
    runner = CliRunner()
    bad = runner.invoke(main, ["pull"], env=env)
    assert bad.exit_code == 2
    assert "TLS certificate verification failed" in bad.output
    assert "Traceback" not in bad.output
    good = runner.invoke(main, ["pull", "--ca-bundle", str(CERT)], env=env)
    assert good.exit_code == 0, good.output
    assert 'version "6.1"' in good.output


def test_insecure_warns_loudly(https_xnat: FakeXNAT, tmp_path: Path) -> None:
    env = {"XNAT_URL": https_xnat.url, "XNAT_USER": "admin", "XNAT_PASSWORD": "admin", "HOME": str(tmp_path)}
    result = CliRunner().invoke(main, ["pull", "--insecure"], env=env)
    assert result.exit_code == 0, result.output
    assert "WARNING: --insecure" in result.output


def test_connection_refused_is_a_transport_error() -> None:
    with FakeXNAT() as fake:
        url = fake.url
    settings = ClientSettings(retries=1, backoff=0.0)
    with XNATClient(Credentials(url, "a", "b"), settings) as c, pytest.raises(TransportError) as info:
        c.get_text("/xapi/anonymize/site", what="read the site script")
    assert "cannot connect to XNAT" in str(info.value)


# Every command that talks to XNAT, with the least it needs to reach the server.
XNAT_COMMANDS = [
    ["status"],
    ["pull"],
    ["publish", str(CERTS / "scripts" / "site.das")],
    ["enable"],
    ["disable"],
    ["nifti", "status", "--project", "P"],
    ["fetch", "--project", "P", "--session", "S1"],
    ["audit", "--project", "P", "--session", "S1"],
]


def test_the_list_of_xnat_commands_is_complete() -> None:
    from dicomedit.cli import COMMANDS

    talking = {name for name, target in COMMANDS.items() if target.startswith("xnat_commands:")}
    assert {args[0] for args in XNAT_COMMANDS} == talking


@pytest.mark.parametrize(
    "args", XNAT_COMMANDS, ids=[" ".join(a[:2]) if a[0] == "nifti" else a[0] for a in XNAT_COMMANDS]
)
def test_tls_failure_exits_2_in_every_xnat_command(
    https_xnat: FakeXNAT, tmp_path: Path, args: list[str]
) -> None:
    env = {"XNAT_URL": https_xnat.url, "XNAT_USER": "admin", "XNAT_PASSWORD": "admin", "HOME": str(tmp_path)}
    extra = ["-o", str(tmp_path / "out")] if args[0] == "fetch" else []
    result = CliRunner().invoke(main, [*args, *extra], env=env)
    assert result.exit_code == 2, result.output
    assert "TLS certificate verification failed" in result.output
    assert "Traceback" not in result.output


def test_connection_refused_exits_2() -> None:
    with FakeXNAT() as fake:
        url = fake.url
    env = {"XNAT_USER": "a", "XNAT_PASSWORD": "b"}
    result = CliRunner().invoke(main, ["status", "--url", url, "--timeout", "5"], env=env)
    assert result.exit_code == 2, result.output
    assert "cannot connect to XNAT" in result.output


def test_503_on_an_idempotent_call_is_retried(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.fail_next = 2
    with client(fake_xnat, retries=3) as c:
        assert c.get_text("/xapi/anonymize/site", what="read") is not None
    assert len(fake_xnat.requests) == 3


def test_503_on_post_is_not_retried(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.fail_next = 1
    with client(fake_xnat, retries=3) as c, pytest.raises(ServerError) as info:
        c.request("POST", "/data/JSESSION", what="log in")
    assert info.value.status == 503
    assert len(fake_xnat.requests) == 1


def test_retries_give_up_with_a_clear_message(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.fail_next = 10
    fake_xnat.knobs.fail_status = 502
    with client(fake_xnat, retries=2) as c, pytest.raises(ServerError) as info:
        c.get_text("/xapi/anonymize/site", what="read the site script")
    assert "unavailable (502)" in str(info.value)
    assert len(fake_xnat.requests) == 3


def test_401_is_never_retried_and_lockout_is_not_provoked(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.lockout_threshold = 3
    with client(fake_xnat, password="bad", retries=5) as c, pytest.raises(AuthenticationError) as info:
        c.get_text("/xapi/anonymize/site", what="read the site script")
    assert info.value.status == 401
    assert info.value.method == "GET" and info.value.url and info.value.url.endswith("/xapi/anonymize/site")
    assert len(fake_xnat.requests) == 1
    assert not fake_xnat.users["admin"].locked


def test_locked_account_still_gets_401(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.lockout_threshold = 2
    for _ in range(2):
        with client(fake_xnat, password="bad") as c, pytest.raises(AuthenticationError):
            c.get_text("/xapi/anonymize/site", what="read")
    assert fake_xnat.users["admin"].locked
    with client(fake_xnat) as c, pytest.raises(AuthenticationError):
        c.get_text("/xapi/anonymize/site", what="read")


def test_one_cookie_jar_means_one_server_session(fake_xnat: FakeXNAT) -> None:
    with client(fake_xnat) as c:
        for _ in range(5):
            c.get_text("/xapi/anonymize/site", what="read")
    assert fake_xnat.sessions_created == 1


def test_jsession_login_sends_no_password_afterwards_and_logs_out(fake_xnat: FakeXNAT) -> None:
    with client(fake_xnat, use_jsession=True) as c:
        c.get_text("/xapi/anonymize/site", what="read")
        assert len(fake_xnat.sessions) == 1
    paths = [(r.method, r.path) for r in fake_xnat.requests]
    assert paths[0] == ("POST", "/data/JSESSION")
    assert paths[-1] == ("DELETE", "/data/JSESSION")
    assert fake_xnat.sessions == {}


def test_alias_token_works_as_basic_credentials(fake_xnat: FakeXNAT) -> None:
    with client(fake_xnat) as c:
        token = c.get_json("/data/services/tokens/issue", what="issue a token")
    with client(fake_xnat, user=token["alias"], password=token["secret"]) as c:
        assert c.get_text("/xapi/anonymize/site", what="read") is not None


def test_html_answer_to_a_data_call_is_an_error(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_project("P")
    with client(fake_xnat) as c, pytest.raises(AuthenticationError) as info:
        c.request("GET", "/data/projects/P", what="read project P")  # no format=json: HTML
    assert "HTML page instead of data" in str(info.value)


def test_permission_401_from_the_event_service_is_not_a_password_problem(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.event_service_enabled = True
    fake_xnat.add_project("P")
    body = b'{"active": true, "action-key": "x:1", "event-filter": {"project-ids": ["Q"]}}'
    with client(fake_xnat) as c, pytest.raises(PermissionDeniedError) as info:
        c.request(
            "POST",
            "/xapi/projects/P/events/subscription",
            what="subscribe",
            data=body,
            content_type="application/json",
            expect=(201,),
        )
    assert info.value.status == 401
    assert "not authorized" in str(info.value)


def test_errors_share_one_base_class() -> None:
    assert issubclass(TLSError, XNATError) and issubclass(CredentialsError, XNATError)
    from dicomedit.errors import DicomEditError

    assert issubclass(XNATError, DicomEditError)


def test_credentials_come_from_the_environment_then_netrc(tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine xnat.example.org login carol password fromnetrc\n")
    netrc.chmod(0o600)
    env = {"XNAT_URL": "https://xnat.example.org/"}
    found = resolve_credentials(None, None, environ=env, netrc_file=netrc)
    assert (found.url, found.user, found.password, found.source) == (
        "https://xnat.example.org",
        "carol",
        "fromnetrc",
        "~/.netrc",
    )
    assert "fromnetrc" not in repr(found)
    env = {"XNAT_URL": "https://xnat.example.org", "XNAT_USER": "dave", "XNAT_PASSWORD": "fromenv"}
    found = resolve_credentials(None, None, environ=env, netrc_file=netrc)
    assert (found.user, found.password) == ("dave", "fromenv")
    assert (
        resolve_credentials(
            None, "erin", environ={"XNAT_URL": "https://x.org"}, netrc_file=netrc, prompt=lambda q: "typed"
        ).password
        == "typed"
    )


@pytest.mark.parametrize(
    ("url", "user", "message"),
    [
        (None, "u", "no XNAT URL"),
        ("ftp://x", "u", "not an XNAT URL"),
        ("https://u:p@x.org", "u", "contains a user name or password"),
        ("https://x.org", None, "no XNAT user"),
        ("https://x.org", "u", "no password for u"),
    ],
)
def test_missing_credentials_say_what_to_do(
    url: str | None, user: str | None, message: str, tmp_path: Path
) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_credentials(url, user, environ={}, netrc_file=tmp_path / "none")
    assert message in str(info.value)


def test_cli_without_password_exits_2_and_never_prompts_in_ci(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["pull", "--url", "https://xnat.example.org", "--user", "u"], env={"HOME": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "XNAT_PASSWORD" in result.output
