"""A thin XNAT client on one ``requests.Session`` (spec §2, §5).

One cookie jar for every call (XNAT opens a server session per unauthenticated Basic request,
spec §2.1), Basic authentication or an explicit JSESSION login, a non-browser User-Agent (spec
§2.2), explicit timeouts, TLS verification on unless switched off, redirects never followed (a
3xx is a login page, ``/setup`` or a wrong URL, spec §2.3), HTML answers treated as errors, and
retries with backoff only for connection failures and 502/503/504 on idempotent methods: never
on 401/403, because XNAT locks an account after repeated failed logins.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__
from .credentials import Credentials
from .errors import (
    AuthenticationError,
    ConflictError,
    EventServiceDisabledError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RedirectError,
    ServerError,
    TLSError,
    TransportError,
    XNATStatusError,
    body_excerpt,
)

__all__ = ["USER_AGENT", "ClientSettings", "XNATClient"]

USER_AGENT = f"dicomedit/{__version__} python-requests/{requests.__version__}"

log = logging.getLogger("dicomedit.xnat")

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_RETRY_STATUSES = (502, 503, 504)
_HTML_STARTS = ("<!doctype", "<html")


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How to talk to the server; everything but the credentials has a safe default."""

    verify: bool | str = True  # True, False (insecure), or the path of a CA bundle
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retries: int = 3
    backoff: float = 0.5
    use_jsession: bool = False  # log in once with POST /data/JSESSION, log out at close


class XNATClient:
    """Authenticated access to one XNAT; use as a context manager so a JSESSION is closed."""

    def __init__(self, credentials: Credentials, settings: ClientSettings | None = None) -> None:
        self.credentials = credentials
        self.settings = settings or ClientSettings()
        self.base_url = credentials.url
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.auth = requests.auth.HTTPBasicAuth(credentials.user, credentials.password)
        self._session.verify = self.settings.verify
        self._session.trust_env = False  # no proxy or netrc surprises: credentials come from us
        retry = Retry(
            total=self.settings.retries,
            connect=self.settings.retries,
            read=self.settings.retries,
            status=self.settings.retries,
            other=0,  # TLS failures and the like do not heal by repetition
            redirect=0,
            allowed_methods=_IDEMPOTENT,
            status_forcelist=_RETRY_STATUSES,
            backoff_factor=self.settings.backoff,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        if self.settings.verify is False:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._logged_in = False

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> XNATClient:
        if self.settings.use_jsession:
            self.login()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def login(self) -> None:
        """``POST /data/JSESSION`` once; later calls send only the session cookie (spec §2.1)."""
        response = self.request("POST", "/data/JSESSION", what="log in (create a JSESSION)")
        token = response.text.strip()
        if not self._session.cookies.get("JSESSIONID"):
            host = urlsplit(self.base_url).hostname or ""
            self._session.cookies.set("JSESSIONID", token, domain=host)
        self._session.auth = None
        self._logged_in = True

    def close(self) -> None:
        """End the JSESSION if one was opened (failures are ignored) and release connections."""
        try:
            if self._logged_in:
                self._logged_in = False
                self.request("DELETE", "/data/JSESSION", what="log out", expect=(200, 204))
        except (XNATStatusError, TransportError) as e:
            log.debug("logout failed: %s", e)
        finally:
            self._session.close()

    # -- requests --------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
        expect: tuple[int, ...] = (200,),
        forbidden_hint: str = "",
        stream: bool = False,
    ) -> requests.Response:
        """Send one request and return the response, or raise an ``XNATError`` subclass.

        ``what`` completes the sentence "while trying to ..." in error messages.
        """
        url = self.url(path)
        headers = {"Content-Type": content_type} if content_type else {}
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            response = self._session.request(
                method,
                url,
                params=dict(params) if params else None,
                data=data,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=stream,
            )
        except requests.exceptions.SSLError as e:
            raise TLSError(_tls_message(url, e, self.settings.verify), method=method, url=url) from None
        except requests.exceptions.Timeout:
            raise TransportError(
                f"XNAT at {self.base_url} did not answer within {self.settings.read_timeout:g} s while "
                f"trying to {what}; check that the server is up, or raise --timeout",
                method=method,
                url=url,
            ) from None
        except requests.exceptions.ConnectionError as e:
            raise TransportError(
                f"cannot connect to XNAT at {self.base_url} to {what}: {_reason(e)}; check --url "
                "and that the server is reachable from here",
                method=method,
                url=url,
            ) from None
        except requests.exceptions.RequestException as e:
            raise TransportError(
                f"request to {url} failed while trying to {what}: {_reason(e)}", method=method, url=url
            ) from None
        log.debug("%s %s -> %s", method, url, response.status_code)
        if response.status_code not in expect:
            self._raise_for(response, method, url, what, forbidden_hint)
        if _is_html(response, stream):
            response.close()
            raise AuthenticationError(
                f"XNAT answered with an HTML page instead of data while trying to {what}: usually its "
                f"login page, meaning the credentials were not accepted, or --url ({self.base_url}) "
                "does not point at the XNAT site itself",
                method=method,
                url=url,
                status=response.status_code,
            )
        return response

    def get_text(self, path: str, *, what: str, params: Mapping[str, str] | None = None) -> str | None:
        """GET a text body; ``None`` for 204 No Content."""
        response = self.request("GET", path, what=what, params=params, expect=(200, 204))
        if response.status_code == 204:
            return None
        return _decode_text(response)

    def get_json(self, path: str, *, what: str, params: Mapping[str, str] | None = None) -> Any:
        response = self.request("GET", path, what=what, params=params)
        try:
            return json.loads(response.content.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ProtocolError(
                f"XNAT answered {path} with something that is not JSON while trying to {what} "
                f"({body_excerpt(response.text, 120)!r}); is --url the XNAT site itself?",
                method="GET",
                url=self.url(path),
                status=response.status_code,
            ) from None

    @contextmanager
    def stream(
        self, path: str, *, what: str, params: Mapping[str, str] | None = None
    ) -> Iterator[requests.Response]:
        response = self.request("GET", path, what=what, params=params, stream=True)
        try:
            yield response
        finally:
            response.close()

    # -- errors ----------------------------------------------------------------------------
    def _raise_for(
        self, response: requests.Response, method: str, url: str, what: str, forbidden_hint: str
    ) -> None:
        status = response.status_code
        body = _safe_text(response)
        excerpt = body_excerpt(body)
        said = f": XNAT says {excerpt!r}" if excerpt else ""
        user = self.credentials.user
        kw: dict[str, Any] = {"method": method, "url": url, "status": status, "body": body}
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            raise RedirectError(_redirect_message(self.base_url, location, what), location=location, **kw)
        if status == 401 and "not authorized" in body.lower():
            # The Event Service answers a permission problem with 401 (spec §3.4).
            raise PermissionDeniedError(
                f"user {user!r} may not {what}{said}. Ask a project owner or a site administrator "
                "for the needed access",
                **kw,
            )
        if status == 401:
            raise AuthenticationError(
                f"XNAT at {self.base_url} did not accept the credentials of user {user!r} (401) while "
                f"trying to {what}. Check the user name and the password "
                f"({self.credentials.source or 'as given'}); "
                "the request was not repeated because XNAT locks an account after repeated failed logins",
                **kw,
            )
        if status == 403:
            hint = forbidden_hint or "ask a site administrator for the role or project access it needs"
            raise PermissionDeniedError(
                f"user {user!r} is logged in but not allowed to {what} (403). {hint}", **kw
            )
        if status == 404:
            raise NotFoundError(f"not found (404) while trying to {what}{said} [{method} {url}]", **kw)
        if status == 405 and "event service disabled" in body.lower():
            raise EventServiceDisabledError(
                f"the XNAT Event Service is switched off, so XNAT cannot {what}. A site administrator "
                "can switch it on under Administer > Event Service (or PUT /xapi/events/prefs "
                '{"enabled": true})',
                **kw,
            )
        if status in (400, 409, 424):
            raise ConflictError(f"XNAT refused to {what} ({status}){said}", **kw)
        if status in _RETRY_STATUSES:
            raise ServerError(
                f"XNAT (or a proxy in front of it) is unavailable ({status}) while trying to {what}, "
                f"after {self.settings.retries} retries; try again later",
                **kw,
            )
        if status >= 500:
            raise ServerError(
                f"XNAT failed with {status} while trying to {what}{said}. The server log "
                "(xnat.log) has the details",
                **kw,
            )
        raise ServerError(
            f"XNAT answered {status} while trying to {what}{said} [{method} {url}]; this tool does "
            "not expect that answer: check --url and the XNAT release",
            **kw,
        )


def _redirect_message(base: str, location: str, what: str) -> str:
    if "/setup" in location:
        return (
            f"XNAT at {base} is not initialised yet: it redirects every request to its setup page. "
            "Finish the site setup in a browser first"
        )
    if "login" in location.lower():
        return (
            f"XNAT redirected to its login page while trying to {what}: the credentials were not "
            "accepted or not sent. Check the user, the password and that --url is the XNAT site"
        )
    return (
        f"XNAT redirected the request to {location or 'another address'} while trying to {what}: "
        f"--url {base} is probably not the site's address (http instead of https, or a missing "
        "path such as /xnat). Use the address the redirect points at"
    )


def _tls_message(url: str, error: Exception, verify: bool | str) -> str:
    reason = _reason(error)
    if "wrong_version_number" in str(error).lower() or "wrong version number" in str(error).lower():
        return (
            f"the server at {urlsplit(url).netloc} does not speak TLS on that port: the TLS handshake "
            "got a plain answer (probably HTTP). Check --url: maybe it should start with http://, or "
            "name the HTTPS port; the certificate is not the problem, so --insecure would not help"
        )
    if isinstance(verify, str):
        fix = f"the CA bundle {verify} does not vouch for this server; give the right one with --ca-bundle"
    else:
        fix = (
            "if the server uses a private certificate authority, pass its certificate with "
            "--ca-bundle FILE (--insecure switches checking off and is not safe for patient data)"
        )
    return f"TLS certificate verification failed for {url}: {reason}. {fix}"


def _reason(error: Exception) -> str:
    inner: BaseException = error
    while inner.args and isinstance(inner.args[0], BaseException):
        inner = inner.args[0]
    reason = getattr(inner, "reason", None)
    if isinstance(reason, BaseException):
        inner = reason
    text = str(inner)
    for marker in ("certificate verify failed", "Connection refused", "Name or service not known"):
        if marker in text:
            start = text.index(marker)
            end = text.find(")", start)
            return text[start : end if end > 0 else None].rstrip(" '(")
    return text[:200]


def _safe_text(response: requests.Response) -> str:
    try:
        return _decode_text(response)
    except requests.exceptions.RequestException:
        return ""


def _decode_text(response: requests.Response) -> str:
    data = response.content
    charset = (response.encoding or "").lower()
    if charset and charset not in ("iso-8859-1", "latin-1", "latin1"):
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    # XNAT answers text/plain in ISO-8859-1 (spec §1.5); UTF-8 first keeps ASCII and UTF-8 intact.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def _is_html(response: requests.Response, stream: bool) -> bool:
    ctype = response.headers.get("Content-Type", "").lower()
    if ctype.startswith("text/html"):
        return True
    if stream:  # only the header can be looked at without reading the body
        return False
    head = response.content[:64].lstrip().lower()
    return any(head.startswith(s.encode()) for s in _HTML_STARTS)
