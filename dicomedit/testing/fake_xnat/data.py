"""The ``/data`` routes of the fake: JSESSION, alias tokens and archived data (spec §2.1, §8)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .http import Request, Response, Router, restlet_error

if TYPE_CHECKING:
    from .server import FakeXNAT

__all__ = ["register"]


def register(router: Router, fake: FakeXNAT) -> None:
    def jsession(request: Request, m: re.Match[str]) -> Response:
        cookie = request.headers.get("Cookie") or ""
        if request.method == "DELETE":
            with fake.lock:
                for part in cookie.split(";"):
                    key, _, value = part.strip().partition("=")
                    if key == "JSESSIONID":
                        fake.sessions.pop(value, None)
            return Response.empty()
        return Response.text(request.session_id or "")

    router.add("GET POST DELETE", r"/data/JSESSION", jsession)

    def issue_token(request: Request, m: re.Match[str]) -> Response:
        assert request.user is not None
        alias, secret = fake.issue_token(request.user.name)
        return Response.json(
            {
                "alias": alias,
                "secret": secret,
                "xdatUserId": request.user.name,
                "singleUse": False,
                "estimatedExpirationTime": 0,
            }
        )

    router.add("GET", r"/data/services/tokens/issue", issue_token)
    router.add("GET", r"/data/version", lambda r, m: restlet_error(404))
