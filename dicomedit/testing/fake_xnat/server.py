"""The fake XNAT server: a stateful ``ThreadingHTTPServer`` on 127.0.0.1 in a background thread."""

from __future__ import annotations

import base64
import contextlib
import ssl
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from . import data, xapi
from .http import Request, Response, Router, restlet_error, tomcat_error
from .seeding import Seeder
from .state import (
    DEFAULT_SCRIPT,
    ArchivedSession,
    Command,
    Knobs,
    LoggedRequest,
    Project,
    Subscription,
    User,
    Wrapper,
    new_session_id,
)

__all__ = ["FakeXNAT"]

_BROWSER_MARKERS = ("MSIE", "Mozilla", "AppleWebKit", "Opera")
_LOGIN_PAGE = "/app/template/Login.vm"
_LOGIN_HTML = (
    "<!DOCTYPE html><html><head><title>XNAT</title></head><body>"
    "<!-- BEGIN xnat-templates/screens/Login.vm --><form>Login</form></body></html>"
)


class FakeXNAT(Seeder):
    """A stateful imitation of the XNAT REST API described in spec §7 (items 1-30).

    Accounts: ``admin`` (site administrator, password ``admin``) exists from the start; add more
    with :meth:`add_user` and projects with :meth:`add_project`.  ``knobs`` switch on the odd
    behaviours of real servers.  Use as a context manager, or :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        *,
        knobs: Knobs | None = None,
        certfile: str | Path | None = None,
        keyfile: str | Path | None = None,
    ) -> None:
        self.knobs = knobs or Knobs()
        self.lock = threading.RLock()
        self.users: dict[str, User] = {"admin": User("admin", "admin", admin=True)}
        self.projects: dict[str, Project] = {}
        self.sessions: dict[str, str] = {}  # JSESSIONID -> user name
        self.tokens: dict[str, tuple[str, str]] = {}  # alias -> (secret, user name)
        self.sessions_created = 0
        self.requests: list[LoggedRequest] = []
        self.default_script = DEFAULT_SCRIPT
        self.site_script = DEFAULT_SCRIPT
        self.site_enabled = True
        self._previous_site_script = DEFAULT_SCRIPT
        self._stale_reads_left = 0
        self._site_written_at = 0.0
        self.event_subscriptions: dict[int, Subscription] = {}
        self.commands: dict[int, Command] = {}
        self.receivers: dict[int, dict[str, Any]] = {}
        self.experiments: dict[str, ArchivedSession] = {}
        self.subject_ids: dict[tuple[str, str], str] = {}  # (project, label) -> subject ID
        self._ids: dict[str, int] = {}
        self._certfile = certfile
        self._keyfile = keyfile
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.router = Router()
        xapi.register(self.router, self)
        data.register(self.router, self)
        self._seed_commands()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake XNAT is not running: call start() first")
        scheme = "https" if self._certfile else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeXNAT:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        if self._certfile:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(self._certfile), str(self._keyfile) if self._keyfile else None)
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-xnat", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeXNAT:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- accounts and projects -------------------------------------------------------------
    def add_user(self, name: str, password: str, *, admin: bool = False) -> User:
        with self.lock:
            user = User(name, password, admin=admin)
            self.users[name] = user
            return user

    def issue_token(self, user: str) -> tuple[str, str]:
        """An alias token (alias, secret) usable as Basic credentials, as ``/data/services/tokens``."""
        with self.lock:
            alias, secret = new_session_id().lower(), new_session_id().lower()
            self.tokens[alias] = (secret, user)
            return alias, secret

    # -- anonymization state (spec §1.2) ---------------------------------------------------
    def set_site_script(self, text: str) -> None:
        with self.lock:
            self._previous_site_script = self.site_script
            self.site_script = text
            self._stale_reads_left = self.knobs.read_lag_reads
            self._site_written_at = time.monotonic()

    def read_site_script(self) -> str:
        """What ``GET /xapi/anonymize/site`` answers now, honouring the read-after-write lag."""
        with self.lock:
            if self._stale_reads_left > 0:
                self._stale_reads_left -= 1
                return self._previous_site_script
            if time.monotonic() - self._site_written_at < self.knobs.read_lag_seconds:
                return self._previous_site_script
            return self.site_script

    def requests_to(self, path_part: str, method: str | None = None) -> list[LoggedRequest]:
        """The logged requests whose path contains ``path_part`` (and with that method)."""
        with self.lock:
            return [
                r for r in self.requests if path_part in r.path and (method is None or r.method == method)
            ]

    # -- container and event service -------------------------------------------------------
    def add_command(self, name: str, image: str, wrappers: Iterable[str], *, version: str = "1.0") -> Command:
        with self.lock:
            command = Command(
                self.next_id("command"),
                name,
                image,
                version,
                [Wrapper(self.next_id("wrapper"), w, ["xnat:imageScanData"]) for w in wrappers],
            )
            self.commands[command.id] = command
            return command

    def _seed_commands(self) -> None:
        # Two wrappers on an unrelated command first, so that dcm2niix's wrapper id (3) differs from
        # its command id (2): an action key built from the command id is caught (spec §7 item 14).
        self.add_command("debug-command", "xnat/debug-command:latest", ["debug-session", "debug-scan"])
        self.add_command("dcm2niix", "xnat/dcm2niix:latest", ["dcm2niix-scan"])

    def find_wrapper(self, wrapper_id: int) -> Wrapper | None:
        for command in self.commands.values():
            for wrapper in command.wrappers:
                if wrapper.id == wrapper_id:
                    return wrapper
        return None

    # -- SCP receivers (spec §4) -------------------------------------------------------------
    def add_receiver(self, ae_title: str, port: int, **fields: Any) -> dict[str, Any]:
        with self.lock:
            rid = self.next_id("receiver")
            receiver = xapi.receiver_defaults(rid, ae_title, port)
            receiver.update(fields)
            self.receivers[rid] = receiver
            return receiver

    # -- request handling ------------------------------------------------------------------
    def authenticate(self, request: Request) -> tuple[User | None, Response | None, str | None]:
        """(user, error response, new session cookie) for one request (spec §2)."""
        cookie = _cookie(request.headers.get("Cookie") or "", "JSESSIONID")
        with self.lock:
            if cookie and cookie in self.sessions:
                return self.users[self.sessions[cookie]], None, None
            basic = _basic(request.headers.get("Authorization") or "")
            if basic is None:
                return None, None, None
            name, password = basic
            if name in self.tokens and self.tokens[name][0] == password:
                user = self.users[self.tokens[name][1]]
            else:
                found = self.users.get(name.split("/")[-1])
                if found is None or found.locked or found.password != password:
                    if found is not None and found.password != password:
                        found.failed_logins += 1
                        if found.failed_logins >= self.knobs.lockout_threshold:
                            found.locked = True
                    return None, tomcat_error(401, "Login attempt failed. Please try again."), None
                found.failed_logins = 0
                user = found
            session_id = new_session_id()
            self.sessions[session_id] = user.name
            self.sessions_created += 1
            return user, None, session_id

    def handle(self, request: Request) -> tuple[Response, str | None]:
        with self.lock:
            if self.knobs.fail_next > 0:
                self.knobs.fail_next -= 1
                return tomcat_error(self.knobs.fail_status), None
            for rule in self.knobs.fail_requests:
                if rule.take(request.method, request.path):
                    return tomcat_error(rule.status), None
        if request.path == _LOGIN_PAGE and request.method in ("GET", "HEAD"):
            return Response(200, _LOGIN_HTML.encode(), "text/html;charset=UTF-8"), None
        if self.knobs.login_redirect:
            return Response(302, b"", None, {"Location": _LOGIN_PAGE}), None
        user, failure, new_cookie = self.authenticate(request)
        if failure is not None:
            return failure, None
        if user is None:
            if any(marker in request.user_agent for marker in _BROWSER_MARKERS):
                return Response(302, b"", None, {"Location": _LOGIN_PAGE}), None
            response = tomcat_error(401, "Full authentication is required to access this resource")
            response.headers["WWW-Authenticate"] = 'Basic realm="XNAT"'
            return response, None
        request.user = user
        request.session_id = new_cookie or _cookie(request.headers.get("Cookie") or "", "JSESSIONID")
        if not self.knobs.initialized and not request.path.startswith(("/setup", "/xapi/siteConfig")):
            return Response(302, b"", None, {"Location": "/setup"}), new_cookie
        path = request.path
        if path.startswith("/data/archive/"):
            path = "/data/" + path[len("/data/archive/") :]
        found = self.router.resolve(request.method, path)
        if found is None:
            if path.startswith("/data/"):
                return restlet_error(404, "The requested resource does not exist."), new_cookie
            return tomcat_error(404), new_cookie
        if isinstance(found, list):
            response = tomcat_error(405)
            response.headers["Allow"] = ",".join(sorted(set(found) | {"HEAD", "OPTIONS"}))
            return response, new_cookie
        handler, match = found
        try:
            return handler(request, match), new_cookie
        except Exception as e:  # a bug in the fake must not hang the client
            return Response.text(f"fake XNAT failed: {type(e).__name__}: {e}", 500), new_cookie

    def log(self, request: Request, status: int) -> None:
        with self.lock:
            query = "&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs)
            self.requests.append(
                LoggedRequest(
                    request.method,
                    request.path,
                    query,
                    request.user_agent,
                    request.headers.get("Content-Type") or "",
                    status,
                    request.user.name if request.user else None,
                )
            )


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _basic(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    name, sep, password = decoded.partition(":")
    return (name, password) if sep else None


def _make_handler(fake: FakeXNAT) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Apache-Coyote/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                self.command, unquote(parts.path), Request.parse_query(parts.query), self.headers, body
            )
            response, cookie = fake.handle(request)
            fake.log(request, response.status)
            if cookie:
                response.headers["Set-Cookie"] = f"JSESSIONID={cookie}; Path=/; HttpOnly"
            self._send(response)

        def _send(self, response: Response) -> None:
            self.send_response(response.status, response.reason)
            for key, value in response.headers.items():
                self.send_header(key, value)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            if response.chunks is None:
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in response.chunks:
                if chunk:
                    self.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
            if response.abort_after_chunks:
                self.wfile.flush()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(2)
                return
            self.wfile.write(b"0\r\n\r\n")

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve

    return Handler
