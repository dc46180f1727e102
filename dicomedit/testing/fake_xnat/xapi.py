"""The ``/xapi`` routes of the fake: anonymize, build info, Event Service, containers, receivers."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

from .http import Request, Response, Router, tomcat_error
from .state import Project, Subscription, User

if TYPE_CHECKING:
    from .server import FakeXNAT

__all__ = ["receiver_defaults", "register"]

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}
_SCAN_EVENT = "org.nrg.xnat.eventservice.events.ScanEvent"
_KNOWN_EVENTS = {
    _SCAN_EVENT: ["CREATED"],
    "org.nrg.xnat.eventservice.events.SessionEvent": ["CREATED", "MERGED"],
    "org.nrg.xnat.eventservice.events.ProjectEvent": ["CREATED", "DELETED"],
}
_ACTION_PROVIDER = "org.nrg.containers.services.CommandActionProvider"
_P = r"(?P<p>[^/]+)"
_ID = r"(?P<id>\d+)"


def _forbidden() -> Response:
    return Response(403)  # the aspect sets 403 and returns nothing (spec §1.4)


def _advice(status: int, message: str) -> Response:
    """An error from ``XapiRestControllerAdvice``: text/plain (spec §1.4)."""
    return Response.text(message, status)


def _bool_param(request: Request, name: str, default: bool) -> bool | None:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def receiver_defaults(rid: int, ae_title: str, port: int) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "id": rid,
        "aeTitle": ae_title,
        "port": port,
        "identifier": "dicomObjectIdentifier",
        "fileNamer": "",
        "enabled": True,
        "customProcessing": False,
        "directArchive": False,
        "anonymizationEnabled": True,
        "whitelistEnabled": False,
        "whitelist": [],
        "routingExpressionsEnabled": False,
        "projectRoutingExpression": "",
        "subjectRoutingExpression": "",
        "sessionRoutingExpression": "",
        "created": now,
        "timestamp": now,
        "disabled": 0,
        "label": f"{ae_title}:{port}",
    }


def register(router: Router, fake: FakeXNAT) -> None:
    def user(request: Request) -> User:
        assert request.user is not None
        return request.user

    # -- build info (spec §9) ----------------------------------------------------------------
    def build_info(request: Request, m: re.Match[str]) -> Response:
        info = {
            "version": fake.knobs.release,
            "buildNumber": "42",
            "buildDate": "Thu Jan 01 00:00:00 UTC 2026",
            "sha": "0000000000",
            "isDirty": "false",
            "commit": "1",
            "tag": fake.knobs.release,
            "shaFull": "0" * 40,
        }
        prop = m.group("prop")
        if prop:
            if prop not in info:
                return tomcat_error(404)
            return Response.text(info[prop])
        return Response.json(info)

    router.add("GET", r"/xapi/siteConfig/buildInfo(?:/(?P<prop>[^/]+))?", build_info)
    router.add("GET", r"/xapi/siteConfig/initialized", lambda r, m: Response.json(fake.knobs.initialized))

    # -- anonymize (spec §1) -----------------------------------------------------------------
    def default_script(request: Request, m: re.Match[str]) -> Response:
        return Response.text(fake.default_script, charset="ISO-8859-1")

    router.add("GET", r"/xapi/anonymize/default", default_script)

    def read_script_body(request: Request) -> str | Response:
        if request.content_type != "text/plain":
            return tomcat_error(415)
        if not request.body:
            return _advice(500, "Required request body is missing")
        return request.body.decode(request.charset or "ISO-8859-1", "replace")

    def get_site(request: Request, m: re.Match[str]) -> Response:
        return Response.text(fake.read_site_script(), charset="ISO-8859-1")

    def put_site(request: Request, m: re.Match[str]) -> Response:
        text = read_script_body(request)
        if isinstance(text, Response):
            return text
        if not user(request).admin:
            return _forbidden()
        fake.set_site_script(_maybe_corrupt(fake, text))
        return Response.empty()

    router.add("GET", r"/xapi/anonymize/site", get_site)
    router.add("PUT", r"/xapi/anonymize/site", put_site)

    def get_site_enabled(request: Request, m: re.Match[str]) -> Response:
        return Response.json(fake.site_enabled)

    def put_site_enabled(request: Request, m: re.Match[str]) -> Response:
        if request.content_type != "application/json":
            return tomcat_error(415)
        value = _bool_param(request, "enable", True)
        if value is None:
            return _advice(
                400,
                f"Failed to convert value of type 'java.lang.String' to 'boolean': {request.param('enable')}",
            )
        if not user(request).admin:
            return _forbidden()
        with fake.lock:
            fake.site_enabled = value
        return Response.empty()

    router.add("GET", r"/xapi/anonymize/site/enabled", get_site_enabled)
    router.add("PUT", r"/xapi/anonymize/site/enabled", put_site_enabled)

    def project_or_500(project_id: str) -> Project | Response:
        project = fake.projects.get(project_id)
        if project is None:
            return _advice(500, "There was an error in the request : null")
        return project

    def get_project(request: Request, m: re.Match[str]) -> Response:
        project = project_or_500(m.group("p"))
        if isinstance(project, Response):
            return project
        if not project.can_read(user(request)):
            return _forbidden()
        if project.script is None or not project.script_enabled:
            return Response.empty(204)
        return Response.text(project.script, charset="ISO-8859-1")

    def put_project(request: Request, m: re.Match[str]) -> Response:
        text = read_script_body(request)
        if isinstance(text, Response):
            return text
        project = project_or_500(m.group("p"))
        if isinstance(project, Response):
            return project
        if not project.can_delete(user(request)):
            return _forbidden()
        with fake.lock:
            if project.script is None:
                project.script_enabled = True  # a new configuration starts enabled
            project.script = _maybe_corrupt(fake, text)
        return Response.empty()

    def get_project_enabled(request: Request, m: re.Match[str]) -> Response:
        project = project_or_500(m.group("p"))
        if isinstance(project, Response):
            return project
        if not project.can_read(user(request)):
            return _forbidden()
        return Response.json(project.script is not None and project.script_enabled)

    def put_project_enabled(request: Request, m: re.Match[str]) -> Response:
        if request.content_type != "application/json":
            return tomcat_error(415)
        value = _bool_param(request, "enable", True)
        if value is None:
            return _advice(400, "Failed to convert value of type 'java.lang.String' to 'boolean'")
        project = project_or_500(m.group("p"))
        if isinstance(project, Response):
            return project
        if not project.can_delete(user(request)):
            return _forbidden()
        if project.script is None:
            return _advice(
                500,
                "Couldn't find the site configuration for tool anon and path script "
                f"for project {project.id}",
            )
        with fake.lock:
            project.script_enabled = value
        return Response.empty()

    router.add("GET", rf"/xapi/anonymize/projects/{_P}", get_project)
    router.add("PUT", rf"/xapi/anonymize/projects/{_P}", put_project)
    router.add("GET", rf"/xapi/anonymize/projects/{_P}/enabled", get_project_enabled)
    router.add("PUT", rf"/xapi/anonymize/projects/{_P}/enabled", put_project_enabled)

    # -- Event Service preferences and events (spec §3.1) --------------------------------------
    def get_prefs(request: Request, m: re.Match[str]) -> Response:
        return Response.json({"enabled": fake.knobs.event_service_enabled})

    def put_prefs(request: Request, m: re.Match[str]) -> Response:
        if request.content_type != "application/json":
            return tomcat_error(415)
        if not user(request).admin:
            return _forbidden()
        body = request.json_body()
        if isinstance(body, dict) and "enabled" in body:
            fake.knobs.event_service_enabled = bool(body["enabled"])
        return Response.empty()

    router.add("GET", r"/xapi/events/prefs", get_prefs)
    router.add("PUT", r"/xapi/events/prefs", put_prefs)
    router.add(
        "GET",
        r"/xapi/events/events",
        lambda r, m: Response.json(
            [
                {"type": t, "statuses": s, "display-name": t.rsplit(".", 1)[-1]}
                for t, s in _KNOWN_EVENTS.items()
            ]
        ),
    )

    # -- commands and wrappers (spec §3.6) -----------------------------------------------------
    def get_commands(request: Request, m: re.Match[str]) -> Response:
        name, image = request.param("name"), request.param("image")
        found = [
            c.as_json()
            for c in fake.commands.values()
            if (name is None or c.name == name) and (image is None or c.image == image)
        ]
        return Response.json(found)

    router.add("GET", r"/xapi/commands", get_commands)

    def wrapper_by_name(command_id: int, name: str) -> Any:
        command = fake.commands.get(command_id)
        if command is None:
            return None
        return next((w for w in command.wrappers if w.name == name), None)

    def site_wrapper(request: Request, m: re.Match[str]) -> Response:
        groups = m.groupdict()
        if groups.get("wid"):
            wrapper = fake.find_wrapper(int(groups["wid"]))
        else:
            wrapper = wrapper_by_name(int(groups["cid"]), groups["wname"])
        if wrapper is None:
            return _advice(404, "Unable to find requested file or resource: no such wrapper")
        if request.method == "GET":
            return Response.json(wrapper.site_enabled)
        if not user(request).admin:
            return _forbidden()
        wrapper.site_enabled = groups["state"] == "enabled"
        return Response.empty()

    def project_wrapper(request: Request, m: re.Match[str]) -> Response:
        groups = m.groupdict()
        project = fake.projects.get(groups["p"])
        if project is None:
            return _advice(404, f"Unable to find requested file or resource: project {groups['p']}")
        if groups.get("wid"):
            wrapper = fake.find_wrapper(int(groups["wid"]))
        else:
            wrapper = wrapper_by_name(int(groups["cid"]), groups["wname"])
        if wrapper is None:
            return _advice(404, "Unable to find requested file or resource: no such wrapper")
        if request.method == "GET":
            if not project.can_read(user(request)):
                return _forbidden()
            return Response.json(
                {
                    "enabled-for-site": wrapper.site_enabled,
                    "enabled-for-project": project.id in wrapper.projects_enabled,
                    "project": project.id,
                }
            )
        if not project.can_delete(user(request)):
            return _forbidden()
        if groups["state"] == "enabled":
            wrapper.projects_enabled.add(project.id)
        else:
            wrapper.projects_enabled.discard(project.id)
        return Response.empty()

    state = r"(?P<state>enabled|disabled)"
    router.add("GET PUT", rf"/xapi/commands/(?P<cid>\d+)/wrappers/(?P<wname>[^/]+)/{state}", site_wrapper)
    router.add("GET PUT", rf"/xapi/wrappers/(?P<wid>\d+)/{state}", site_wrapper)
    router.add(
        "GET PUT",
        rf"/xapi/projects/{_P}/commands/(?P<cid>\d+)/wrappers/(?P<wname>[^/]+)/{state}",
        project_wrapper,
    )
    router.add("GET PUT", rf"/xapi/projects/{_P}/wrappers/(?P<wid>\d+)/{state}", project_wrapper)

    # -- subscriptions (spec §3.1-§3.5) ------------------------------------------------------
    def disabled() -> Response:
        return _advice(405, "There was an error in the request : Event Service disabled.")

    def create(request: Request, m: re.Match[str]) -> Response:
        if request.content_type != "application/json":
            return tomcat_error(415)
        project_id = m.groupdict().get("p")
        who = user(request)
        if project_id is not None:
            project = fake.projects.get(project_id)
            if project is None or not project.can_delete(who):
                return _forbidden()
        elif not who.admin:
            return _forbidden()
        if not fake.knobs.event_service_enabled:
            return disabled()
        try:
            body = json.loads(request.body.decode("utf-8"))
        except ValueError as e:
            return _advice(500, f"JSON parse error: {e}")
        if not isinstance(body, dict):
            return _advice(500, "JSON parse error: expected an object")
        key = body.get("action-key")
        if not isinstance(key, str) or not key:
            return _advice(500, "JSON parse error: Null actionKey")
        event_filter = body.get("event-filter") or {}
        if not isinstance(event_filter, dict):
            return _advice(500, "JSON parse error: event-filter")
        project_ids = [str(p) for p in event_filter.get("project-ids") or []]
        if project_id is not None:
            foreign = [
                p for p in project_ids if not (fake.projects.get(p) and fake.projects[p].can_delete(who))
            ]
            if project_id not in project_ids or foreign:
                listed = ", ".join(project_ids) or "(none)"
                return _advice(
                    401,
                    f"Unauthorized.\n{who.name} not authorized to modify subscriptions "
                    f"for project(s): {listed}",
                )
        reason = _validate(fake, key, event_filter, project_ids)
        if reason:
            return _advice(424, f"Subscription format failed to validate.\n{reason}")
        if body.get("active") is None:
            return _advice(424, "Failed to create subscription.")
        sid = fake.next_id("subscription")
        event_type = str(event_filter.get("event-type"))
        status = event_filter.get("status")
        name = body.get("name") or (
            f"{key.rsplit(':', 1)[-1]} on {event_type.rsplit('.', 1)[-1]} {status or ''} "
            f"for {','.join(project_ids)}"
        )
        sub = Subscription(
            id=sid,
            name=str(name),
            active=bool(body["active"]),
            action_key=key,
            attributes={str(k): str(v) for k, v in (body.get("attributes") or {}).items()},
            event_type=event_type,
            project_ids=project_ids,
            status=str(status) if status is not None else None,
            payload_filter=event_filter.get("payload-filter"),
            owner=who.name,
            created=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        )
        with fake.lock:
            fake.event_subscriptions[sid] = sub
        return Response(201, f"{sub.name}:{sid}".encode(), "text/plain;charset=UTF-8")

    def list_subscriptions(request: Request, m: re.Match[str]) -> Response:
        project_id = m.groupdict().get("p")
        who = user(request)
        if project_id is None:
            if not who.admin:
                return _forbidden()
            return Response.json([s.as_json() for s in fake.event_subscriptions.values()])
        project = fake.projects.get(project_id)
        if project is None or not project.can_read(who):
            return _forbidden()
        subs = [
            s.as_json(project_id)
            for s in fake.event_subscriptions.values()
            if not s.project_ids or project_id in s.project_ids
        ]
        return Response.json(subs)

    def lookup(request: Request, m: re.Match[str]) -> Subscription | Response:
        groups = m.groupdict()
        sid = int(groups["id"])
        sub = fake.event_subscriptions.get(sid)
        if sub is None:
            return _advice(
                404, f"Unable to find requested file or resource: Could not find entity with ID {sid}"
            )
        project_id = groups.get("p")
        who = user(request)
        if project_id is None:
            if not who.admin:
                return _forbidden()
        else:
            project = fake.projects.get(project_id)
            if project is None or not project.can_delete(who):
                return _forbidden()
            if request.method != "GET" and (not sub.project_ids or project_id not in sub.project_ids):
                return _advice(401, f"Unauthorized.\n{who.name} not authorized to modify subscription {sid}")
        return sub

    def one(request: Request, m: re.Match[str]) -> Response:
        if request.method != "GET" and not fake.knobs.event_service_enabled:
            return disabled()
        sub = lookup(request, m)
        if isinstance(sub, Response):
            return sub
        if request.method == "GET":
            return Response.json(sub.as_json(m.groupdict().get("p")))
        if request.method == "DELETE":
            with fake.lock:
                del fake.event_subscriptions[sub.id]
            return Response.empty(204)
        body = request.json_body() if request.body else {}
        if "active" in body:
            sub.active = bool(body["active"])
        if "name" in body:
            sub.name = str(body["name"])
        if "attributes" in body:
            sub.attributes = {str(k): str(v) for k, v in body["attributes"].items()}
        return Response.empty()

    def toggle(request: Request, m: re.Match[str]) -> Response:
        if not fake.knobs.event_service_enabled:
            return disabled()
        sub = lookup(request, m)
        if isinstance(sub, Response):
            return sub
        sub.active = m.group("what") == "activate"
        return Response.empty()

    for prefix in (rf"/xapi/projects/{_P}/events", r"/xapi/events"):
        router.add("POST", rf"{prefix}/subscription", create)
        router.add("GET", rf"{prefix}/subscriptions", list_subscriptions)
        router.add("GET PUT DELETE", rf"{prefix}/subscription/{_ID}", one)
        router.add("POST", rf"{prefix}/subscription/{_ID}/(?P<what>activate|deactivate)", toggle)

    # -- DICOM SCP receivers (spec §4) ---------------------------------------------------------
    def list_receivers(request: Request, m: re.Match[str]) -> Response:
        return Response.json(list(fake.receivers.values()))

    def create_receiver(request: Request, m: re.Match[str]) -> Response:
        if request.content_type != "application/json":
            return tomcat_error(415)
        if not user(request).admin:
            return _forbidden()
        body = request.json_body()
        ae, port = str(body.get("aeTitle", "")), int(body.get("port", 0))
        if any(r["aeTitle"] == ae and r["port"] == port for r in fake.receivers.values()):
            return _advice(
                400, f"There is already a DICOM SCP receiver with the AE title {ae} on port {port}"
            )
        fields = {k: v for k, v in body.items() if k not in ("id", "aeTitle", "port")}
        return Response.json(fake.add_receiver(ae, port, **fields))

    def one_receiver(request: Request, m: re.Match[str]) -> Response:
        rid = int(m.group("id"))
        if not user(request).admin:
            return _forbidden()
        if rid not in fake.receivers:
            return _advice(
                404, f"Unable to find requested file or resource: no DICOM SCP receiver with ID {rid}"
            )
        if request.method == "DELETE":
            with fake.lock:
                del fake.receivers[rid]
            return Response.empty()
        return Response.json(fake.receivers[rid])

    router.add("GET", r"/xapi/dicomscp", list_receivers)
    router.add("POST", r"/xapi/dicomscp", create_receiver)
    router.add("GET DELETE", rf"/xapi/dicomscp/{_ID}", one_receiver)


def _maybe_corrupt(fake: FakeXNAT, text: str) -> str:
    with fake.lock:
        if fake.knobs.corrupt_script_writes > 0:
            fake.knobs.corrupt_script_writes -= 1
            return text[: len(text) // 2]
    return text


def _validate(fake: FakeXNAT, key: str, event_filter: dict[str, Any], project_ids: list[str]) -> str:
    event_type = event_filter.get("event-type")
    if event_type not in _KNOWN_EVENTS:
        return f"Could not load event type: {event_type}"
    payload = event_filter.get("payload-filter")
    if isinstance(payload, str) and (payload.startswith("$") or "$[?" in payload):
        return "Payload filter must not start with $ or contain $[?"
    provider, _, action_id = key.partition(":")
    if provider != _ACTION_PROVIDER:
        return f"Could not find action provider for key: {key}"
    try:
        wrapper = fake.find_wrapper(int(action_id))
    except ValueError:
        wrapper = None
    if wrapper is None:
        return f"Could not find command wrapper with id {action_id}"
    if not wrapper.site_enabled or not all(p in wrapper.projects_enabled for p in project_ids):
        return f"Action {key} is not available for project(s) {', '.join(project_ids)}"
    return ""
