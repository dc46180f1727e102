"""The release an XNAT server runs, read from ``/xapi/siteConfig/buildInfo`` (spec §9)."""

from __future__ import annotations

from dataclasses import dataclass

from ..releases import Release, ReleaseError, parse_release
from .client import XNATClient
from .errors import (
    NotFoundError,
    NotXNATError,
    PermissionDeniedError,
    ProtocolError,
    ServerError,
    UnavailableError,
)

__all__ = ["ServerRelease", "read_release"]


@dataclass(frozen=True, slots=True)
class ServerRelease:
    """What the server says it runs; ``release`` is ``None`` when it cannot be read or parsed."""

    raw: str | None
    release: Release | None
    problem: str = ""  # why the release cannot be used to check a script, or ""

    @property
    def usable(self) -> Release | None:
        """The release to check scripts against: only a parsed, non-development release."""
        return self.release if self.release is not None and not self.problem else None

    def describe(self) -> str:
        if self.raw is None:
            return f"unknown ({self.problem})"
        if self.problem:
            return f"{self.raw} ({self.problem})"
        return self.raw


def classify_release(raw: str) -> ServerRelease:
    """Parse a version string; development builds and unreadable strings are reported, not guessed."""
    try:
        release = parse_release(raw)
    except ReleaseError:
        return ServerRelease(raw, None, "not a release string this tool can read")
    if release.suffix:
        return ServerRelease(
            raw,
            release,
            f"a development build before {'.'.join(str(n) for n in release.numbers)}: "
            "which language features it runs cannot be known",
        )
    return ServerRelease(raw, release)


def read_release(client: XNATClient) -> ServerRelease:
    """``GET /xapi/siteConfig/buildInfo`` and read its ``version``.

    Raises :class:`NotXNATError` when the build info is not there (404: no XNAT at that URL) and
    :class:`UnavailableError` when the server answers it with 5xx.
    """
    try:
        info = client.get_json("/xapi/siteConfig/buildInfo", what="read the XNAT release (build info)")
    except NotFoundError as e:
        raise e.reworded(
            f"there is no XNAT at {client.base_url}: it answers 404 to /xapi/siteConfig/buildInfo, "
            "which every XNAT serves. Check --url (or XNAT_URL): it is the address you open in a "
            "browser, with its path (e.g. /xnat) only if the site has one",
            NotXNATError,
        ) from None
    except ServerError as e:
        if e.status is not None and e.status >= 500:
            raise e.reworded(
                f"XNAT at {client.base_url} is unavailable: it answers {e.status} even to "
                "/xapi/siteConfig/buildInfo. Try again later; if it persists, the server log (or "
                "the proxy in front of it) says why",
                UnavailableError,
            ) from None
        return ServerRelease(None, None, f"the server did not report it: {e.status or 'no answer'}")
    except (PermissionDeniedError, ProtocolError) as e:
        return ServerRelease(None, None, f"the server did not report it: {e.status or 'no answer'}")
    version = info.get("version") if isinstance(info, dict) else None
    if not isinstance(version, str) or not version.strip():
        return ServerRelease(None, None, "the build info has no version")
    return classify_release(version.strip())
