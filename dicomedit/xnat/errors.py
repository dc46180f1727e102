"""One exception hierarchy for everything that can go wrong talking to XNAT.

Every error carries what was asked (``method``, ``url``), what came back (``status``, when a
response arrived) and a message that says what happened and what to do about it.  Error bodies
from XNAT are text or HTML (spec §1.4, §7 item 20), so only a short, tag-free excerpt is kept.
"""

from __future__ import annotations

import re

from ..errors import DicomEditError

__all__ = [
    "ArchiveIntegrityError",
    "AuthenticationError",
    "ConflictError",
    "CredentialsError",
    "EventServiceDisabledError",
    "LocalFileError",
    "NotFoundError",
    "NotXNATError",
    "PermissionDeniedError",
    "ProtocolError",
    "RedirectError",
    "ServerError",
    "TLSError",
    "TransportError",
    "UnavailableError",
    "UnsafeArchiveError",
    "VerificationError",
    "XNATError",
    "XNATStatusError",
    "body_excerpt",
]


class XNATError(DicomEditError):
    """Base class of every error raised while talking to an XNAT server."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status = status

    @property
    def request_line(self) -> str:
        """``PUT https://xnat/xapi/anonymize/site -> 403`` (or without the status)."""
        if not self.method or not self.url:
            return ""
        tail = f" -> {self.status}" if self.status is not None else ""
        return f"{self.method} {self.url}{tail}"

    def __str__(self) -> str:
        return self.message


class CredentialsError(XNATError):
    """No usable credentials: no URL, no user or no password could be found."""


class TransportError(XNATError):
    """No HTTP response: connection refused, DNS failure, timeout, broken stream."""


class TLSError(TransportError):
    """The TLS handshake failed, usually because the server certificate could not be verified."""


class XNATStatusError(XNATError):
    """XNAT answered, but not with what the call needs (status, content type or body)."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message, method=method, url=url, status=status)
        self.body = body

    def reworded(self, message: str, as_type: type[XNATStatusError] | None = None) -> XNATStatusError:
        """The same answer (request, status, body) told with ``message``, as ``as_type`` if given."""
        cls = as_type or type(self)
        return cls(message, method=self.method, url=self.url, status=self.status, body=self.body)


class AuthenticationError(XNATStatusError):
    """The server did not accept the credentials (401), or sent a login page instead of data."""


class RedirectError(XNATStatusError):
    """A 3xx answer: a login page, an uninitialised site (``/setup``) or a wrong base URL."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        body: str = "",
        location: str = "",
    ) -> None:
        super().__init__(message, method=method, url=url, status=status, body=body)
        self.location = location


class PermissionDeniedError(XNATStatusError):
    """Logged in, but not allowed (403, or a 401 whose body names a permission problem)."""


class NotFoundError(XNATStatusError):
    """404: the thing does not exist, or the account may not see it (XNAT does not tell which)."""


class ConflictError(XNATStatusError):
    """The server refused the request as invalid (400, 409, 424 validation failures)."""


class EventServiceDisabledError(XNATStatusError):
    """The XNAT Event Service is switched off (405 "Event Service disabled.", spec §3.4)."""


class ServerError(XNATStatusError):
    """5xx, or any other status the call cannot handle."""


class NotXNATError(XNATStatusError):
    """Something answers at the URL, but not XNAT (its build info is not there: 404)."""


class UnavailableError(XNATStatusError):
    """The server answers, but with 5xx even to its simplest call: it is down or broken."""


class ProtocolError(XNATStatusError):
    """A 2xx answer whose body is not what XNAT sends for this call (wrong JSON, HTML, ...)."""


class VerificationError(XNATError):
    """A write was accepted but reading it back did not show the new value."""


class ArchiveIntegrityError(XNATError):
    """A download does not match XNAT's own file list (cut stream, wrong size, wrong digest)."""


class LocalFileError(XNATError):
    """A local file or folder for what XNAT sent could not be created or written (no permission,
    no space, a file where a folder should be); nothing partial is left under the final name."""

    @classmethod
    def from_os_error(cls, action: str, path: object, error: OSError) -> LocalFileError:
        """``cannot create the folder out: Permission denied`` from an ``OSError``."""
        return cls(f"cannot {action} {path}: {error.strerror or error}")


class UnsafeArchiveError(XNATError):
    """A zip entry would escape the target folder, is a link, or the archive exceeds the limits."""


_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_H3 = re.compile(r"<h3>(.*?)</h3>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def body_excerpt(body: str, limit: int = 300) -> str:
    """The readable part of an XNAT error body: text as is, HTML reduced to its reason line."""
    text = body.strip()
    if not text:
        return ""
    if text.startswith("<") or "<html" in text[:200].lower():
        reason = _H3.search(text) or _TITLE.search(text)
        text = reason.group(1) if reason else _TAGS.sub(" ", text)
        text = _TAGS.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."
