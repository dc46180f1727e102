"""The fake XNAT reproduces the contract of spec §7 (checked with plain requests, not our client)."""

from __future__ import annotations

import json

import requests

from dicomedit.testing.fake_xnat import DEFAULT_SCRIPT, FakeXNAT

pytest_plugins = ["dicomedit.testing.fake_xnat.fixture"]

AUTH = ("admin", "admin")
UA = {"User-Agent": "contract-test/1"}


def call(fake: FakeXNAT, method: str, path: str, **kw: object) -> requests.Response:
    kw.setdefault("auth", AUTH)
    headers = {**UA, **kw.pop("headers", {})}  # type: ignore[dict-item]
    return requests.request(method, fake.url + path, headers=headers, allow_redirects=False, timeout=10, **kw)  # type: ignore[arg-type]


def test_auth_failures_browser_redirects_and_realm(fake_xnat: FakeXNAT) -> None:
    bad = call(fake_xnat, "GET", "/xapi/anonymize/site", auth=("admin", "x"))
    assert bad.status_code == 401 and bad.headers["Content-Type"].startswith("text/html")
    assert "WWW-Authenticate" not in bad.headers
    anonymous = call(fake_xnat, "GET", "/xapi/anonymize/site", auth=None)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == 'Basic realm="XNAT"'
    browser = call(fake_xnat, "GET", "/data/projects", auth=None, headers={"User-Agent": "Mozilla/5.0"})
    assert browser.status_code == 302 and browser.headers["Location"] == "/app/template/Login.vm"
    login = call(fake_xnat, "GET", "/app/template/Login.vm", auth=None)
    assert login.status_code == 200 and "Login.vm" in login.text


def test_jsession_cookie_authenticates_and_delete_invalidates(fake_xnat: FakeXNAT) -> None:
    token = call(fake_xnat, "POST", "/data/JSESSION").text
    assert len(token) == 32
    cookie = {"Cookie": f"JSESSIONID={token}"}
    assert call(fake_xnat, "GET", "/xapi/anonymize/site", auth=None, headers=cookie).status_code == 200
    assert call(fake_xnat, "DELETE", "/data/JSESSION", auth=None, headers=cookie).status_code == 200
    assert call(fake_xnat, "GET", "/xapi/anonymize/site", auth=None, headers=cookie).status_code == 401


def test_anonymize_contract(fake_xnat: FakeXNAT) -> None:
    default = call(fake_xnat, "GET", "/xapi/anonymize/default")
    assert default.text == DEFAULT_SCRIPT and not default.text.endswith("\n")
    refused = call(
        fake_xnat, "PUT", "/xapi/anonymize/default", data=b"x", headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 405 and "GET" in refused.headers["Allow"]
    assert call(fake_xnat, "PUT", "/xapi/anonymize/site", data=b"x").status_code == 415  # no Content-Type
    json_put = call(
        fake_xnat, "PUT", "/xapi/anonymize/site", data=b"x", headers={"Content-Type": "application/json"}
    )
    assert json_put.status_code == 415
    empty = call(fake_xnat, "PUT", "/xapi/anonymize/site", data=b"", headers={"Content-Type": "text/plain"})
    assert empty.status_code == 500 and empty.headers["Content-Type"].startswith("text/plain")
    ok = call(
        fake_xnat,
        "PUT",
        "/xapi/anonymize/site",
        data="é".encode("latin-1"),
        headers={"Content-Type": "text/plain"},
    )
    assert ok.status_code == 200 and ok.content == b""
    got = call(fake_xnat, "GET", "/xapi/anonymize/site")
    assert got.headers["Content-Type"] == "text/plain;charset=ISO-8859-1" and got.content == "é".encode(
        "latin-1"
    )
    # The body of PUT .../enabled is ignored; only ?enable= counts (spec §1.6).
    body_only = call(
        fake_xnat,
        "PUT",
        "/xapi/anonymize/site/enabled",
        data=b"false",
        headers={"Content-Type": "application/json"},
    )
    assert (
        body_only.status_code == 200 and call(fake_xnat, "GET", "/xapi/anonymize/site/enabled").json() is True
    )
    call(
        fake_xnat,
        "PUT",
        "/xapi/anonymize/site/enabled?enable=off",
        headers={"Content-Type": "application/json"},
    )
    assert call(fake_xnat, "GET", "/xapi/anonymize/site/enabled").json() is False
    text_enable = call(
        fake_xnat, "PUT", "/xapi/anonymize/site/enabled?enable=true", headers={"Content-Type": "text/plain"}
    )
    assert text_enable.status_code == 415


def test_project_routes_and_roles(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_user("bob", "pw")
    fake_xnat.add_project("P", members=["bob"])
    assert call(fake_xnat, "GET", "/xapi/anonymize/projects/NOPE").status_code == 500
    assert call(fake_xnat, "GET", "/xapi/anonymize/projects/P").status_code == 204
    enable = call(
        fake_xnat, "PUT", "/xapi/anonymize/projects/P/enabled", headers={"Content-Type": "application/json"}
    )
    assert enable.status_code == 500 and "Couldn't find the site configuration" in enable.text
    forbidden = call(
        fake_xnat,
        "PUT",
        "/xapi/anonymize/site",
        data=b"x",
        auth=("bob", "pw"),
        headers={"Content-Type": "text/plain"},
    )
    assert forbidden.status_code == 403 and forbidden.content == b""
    # Mapping errors come before the role check (spec §1.4).
    wrong_type = call(fake_xnat, "PUT", "/xapi/anonymize/site", data=b"x", auth=("bob", "pw"))
    assert wrong_type.status_code == 415


def test_build_info_and_version(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.release = "1.8.10.1"
    assert call(fake_xnat, "GET", "/xapi/siteConfig/buildInfo").json()["version"] == "1.8.10.1"
    assert call(fake_xnat, "GET", "/xapi/siteConfig/buildInfo/version").text == "1.8.10.1"
    assert call(fake_xnat, "GET", "/data/version").status_code == 404


def test_event_service_contract(fake_xnat: FakeXNAT) -> None:
    fake_xnat.add_project("P")
    json_type = {"Content-Type": "application/json"}

    def create(body: dict[str, object]) -> requests.Response:
        return call(
            fake_xnat,
            "POST",
            "/xapi/projects/P/events/subscription",
            data=json.dumps(body),
            headers=json_type,
        )

    key = "org.nrg.containers.services.CommandActionProvider:3"
    event_filter = {
        "event-type": "org.nrg.xnat.eventservice.events.ScanEvent",
        "project-ids": ["P"],
        "status": "CREATED",
    }
    disabled = create({"active": True, "action-key": key, "event-filter": event_filter})
    assert disabled.status_code == 405 and "Event Service disabled." in disabled.text
    fake_xnat.knobs.event_service_enabled = True
    assert create({"active": True, "actionKey": key, "event-filter": event_filter}).status_code == 500
    other = create(
        {"active": True, "action-key": key, "event-filter": {**event_filter, "project-ids": ["Q"]}}
    )
    assert other.status_code == 401 and other.text.startswith("Unauthorized.")
    not_enabled = create({"active": True, "action-key": key, "event-filter": event_filter})
    assert not_enabled.status_code == 424 and "failed to validate" in not_enabled.text
    command_id_key = create({"active": True, "action-key": key[:-1] + "2", "event-filter": event_filter})
    assert command_id_key.status_code == 424  # the command id (2) is not the wrapper id (3)
    fake_xnat.find_wrapper(3).projects_enabled.add("P")  # type: ignore[union-attr]
    assert create({"action-key": key, "event-filter": event_filter}).text == "Failed to create subscription."
    created = create(
        {
            "name": "a:b",
            "active": True,
            "action-key": key,
            "event-filter": event_filter,
            "event-selector": "ignored",
        }
    )
    assert created.status_code == 201 and created.text.rsplit(":", 1) == ["a:b", "1"]
    assert (
        create({"name": "a:b", "active": False, "action-key": key, "event-filter": event_filter}).status_code
        == 201
    )
    listed = call(fake_xnat, "GET", "/xapi/projects/P/events/subscriptions").json()
    assert [s["editable"] for s in listed] == [True, True]
    assert "project-id" not in listed[0] and "event-selector" not in listed[0]
    assert listed[0]["created"].endswith(" UTC")
    assert call(fake_xnat, "PUT", "/xapi/projects/P/events/subscription/1/activate").status_code == 405
    for _ in range(2):
        assert call(fake_xnat, "POST", "/xapi/projects/P/events/subscription/1/deactivate").status_code == 200
    missing = call(fake_xnat, "POST", "/xapi/projects/P/events/subscription/99/activate")
    assert missing.status_code == 404 and "Could not find entity with ID 99" in missing.text
    assert call(fake_xnat, "DELETE", "/xapi/projects/P/events/subscription/1").status_code == 204
    assert call(fake_xnat, "DELETE", "/xapi/projects/P/events/subscription/1").status_code == 404


def test_site_subscription_shows_in_project_list_and_is_not_deletable_there(fake_xnat: FakeXNAT) -> None:
    fake_xnat.knobs.event_service_enabled = True
    fake_xnat.add_project("P")
    body = {
        "active": True,
        "action-key": "org.nrg.containers.services.CommandActionProvider:3",
        "event-filter": {"event-type": "org.nrg.xnat.eventservice.events.ScanEvent", "project-ids": []},
    }
    site = call(
        fake_xnat,
        "POST",
        "/xapi/events/subscription",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    assert site.status_code == 201
    (row,) = call(fake_xnat, "GET", "/xapi/projects/P/events/subscriptions").json()
    assert row["editable"] is False and row["event-filter"]["project-ids"] == []
    assert call(fake_xnat, "DELETE", "/xapi/projects/P/events/subscription/1").status_code == 401


def test_commands_have_wrapper_ids_that_differ_from_command_ids(fake_xnat: FakeXNAT) -> None:
    (command,) = call(fake_xnat, "GET", "/xapi/commands?name=dcm2niix").json()
    assert command["id"] == 2 and command["xnat"][0]["id"] == 3


def test_dicomscp_contract(fake_xnat: FakeXNAT) -> None:
    body = json.dumps({"aeTitle": "XNAT", "port": 8104})
    saved = call(fake_xnat, "POST", "/xapi/dicomscp", data=body, headers={"Content-Type": "application/json"})
    assert (
        saved.status_code == 200 and saved.json()["anonymizationEnabled"] is True and saved.json()["id"] == 1
    )
    duplicate = call(
        fake_xnat, "POST", "/xapi/dicomscp", data=body, headers={"Content-Type": "application/json"}
    )
    assert duplicate.status_code == 400 and duplicate.headers["Content-Type"].startswith("text/plain")
    assert call(fake_xnat, "DELETE", "/xapi/dicomscp/1").status_code == 200
    assert call(fake_xnat, "DELETE", "/xapi/dicomscp/1").status_code == 404


def test_unknown_paths(fake_xnat: FakeXNAT) -> None:
    xapi = call(fake_xnat, "GET", "/xapi/nothing")
    assert xapi.status_code == 404 and xapi.headers["Content-Type"].startswith("text/html")
    data = call(fake_xnat, "GET", "/data/nothing?format=json")
    assert data.status_code == 404 and "<h3>" in data.text
