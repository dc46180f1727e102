"""The HTTP plumbing of the fake XNAT: request and response values, error pages, the router."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from .state import User

__all__ = ["Request", "Response", "Route", "Router", "restlet_error", "tomcat_error"]

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    424: "Failed Dependency",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(slots=True)
class Request:
    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    user: User | None = None
    session_id: str | None = None

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        raw = self.headers.get("Content-Type") or ""
        m = re.search(r"charset=([\w.-]+)", raw, re.IGNORECASE)
        return m.group(1) if m else None

    @property
    def user_agent(self) -> str:
        return self.headers.get("User-Agent") or ""

    def json_body(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @staticmethod
    def parse_query(text: str) -> dict[str, list[str]]:
        return parse_qs(text, keep_blank_values=True)


@dataclass(slots=True)
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # A streamed body is sent chunked; ``abort`` ends the connection without the last chunk.
    chunks: Iterable[bytes] | None = None
    abort_after_chunks: bool = False

    @property
    def reason(self) -> str:
        return _REASONS.get(self.status, "Unknown")

    @staticmethod
    def text(text: str, status: int = 200, charset: str = "UTF-8") -> Response:
        return Response(status, text.encode(charset, "replace"), f"text/plain;charset={charset}")

    @staticmethod
    def json(value: Any, status: int = 200) -> Response:
        return Response(status, json.dumps(value).encode(), "application/json;charset=UTF-8")

    @staticmethod
    def empty(status: int = 200) -> Response:
        return Response(status)


def tomcat_error(status: int, message: str = "") -> Response:
    """Spring/Tomcat-level errors (filters, 404 of unknown paths, 405, 415): an HTML page."""
    reason = _REASONS.get(status, "Error")
    detail = f"<p><b>Message</b> {message}</p>" if message else ""
    page = (
        f'<!doctype html><html lang="en"><head><title>HTTP Status {status} – {reason}</title></head>'
        f"<body><h1>HTTP Status {status} – {reason}</h1><hr/>{detail}</body></html>"
    )
    return Response(status, page.encode(), "text/html;charset=utf-8")


def restlet_error(status: int, reason: str = "") -> Response:
    """``/data`` errors: Restlet 1.1's status page, HTML even when JSON was asked (spec §8.1)."""
    page = (
        "<html><head><title>Status page</title></head><body>"
        f"<h3>{reason or _REASONS.get(status, 'Error')}</h3>"
        "<p>You can get technical details <a href='http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html'>"
        "here</a>.<br>Please continue your visit at our <a href='/'>home page</a>.</p></body></html>"
    )
    return Response(status, page.encode(), "text/html;charset=UTF-8")


Handler = Callable[[Request, "re.Match[str]"], Response]


@dataclass(frozen=True, slots=True)
class Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Routes by path regex; a path that matches with another method gives 405 like Spring."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, methods: str, pattern: str, handler: Handler) -> None:
        self.routes.append(Route(frozenset(methods.split()), re.compile(pattern + r"\Z"), handler))

    def resolve(self, method: str, path: str) -> tuple[Handler, re.Match[str]] | list[str] | None:
        """The handler, or the allowed methods of a path that exists, or ``None``."""
        allowed: list[str] = []
        for route in self.routes:
            m = route.pattern.match(path)
            if not m:
                continue
            if method in route.methods or (method == "HEAD" and "GET" in route.methods):
                return route.handler, m
            allowed.extend(sorted(route.methods))
        return allowed or None


def iter_chunks(data: bytes, size: int = 16384) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]
