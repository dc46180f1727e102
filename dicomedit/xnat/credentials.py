"""Where the URL, user and password come from: flags, ``XNAT_*`` variables, ``~/.netrc``, a prompt.

The password is never printed, logged or shown in a ``repr``.  An alias token (spec §2.1) is used
the same way: its alias as the user and its secret as the password.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import CredentialsError

__all__ = ["Credentials", "normalise_url", "resolve_credentials"]

PASSWORD_VARIABLE = "XNAT_PASSWORD"
URL_VARIABLE = "XNAT_URL"
USER_VARIABLE = "XNAT_USER"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The base URL of one XNAT and the account to use there."""

    url: str
    user: str
    password: str = field(repr=False)
    source: str = ""  # where the password came from, for messages ("XNAT_PASSWORD", "~/.netrc", ...)


def normalise_url(url: str) -> str:
    """``https://host/xnat/`` -> ``https://host/xnat``; refuse other schemes and passwords in URLs."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CredentialsError(
            f"{text!r} is not an XNAT URL: give the address you open in a browser, "
            "like https://xnat.example.org (with its path, e.g. /xnat, if it has one)"
        )
    if parts.username or parts.password:
        raise CredentialsError(
            "the XNAT URL contains a user name or password: give the user with --user or XNAT_USER "
            f"and the password in {PASSWORD_VARIABLE}, ~/.netrc or at the prompt"
        )
    if parts.query or parts.fragment:
        raise CredentialsError(f"the XNAT URL {text!r} has a query or fragment: give only the site address")
    return text.rstrip("/")


def resolve_credentials(
    url: str | None,
    user: str | None,
    *,
    environ: Mapping[str, str] | None = None,
    netrc_file: str | Path | None = None,
    prompt: Callable[[str], str] | None = None,
) -> Credentials:
    """Find URL, user and password, in the order flag, environment, ``~/.netrc``, prompt.

    ``prompt`` is called with a question and returns the typed password; without it a missing
    password is an error (the situation of a CI job).
    """
    env = os.environ if environ is None else environ
    base = url or env.get(URL_VARIABLE)
    if not base:
        raise CredentialsError(f"no XNAT URL: pass --url URL or set {URL_VARIABLE}")
    base = normalise_url(base)
    host = urlsplit(base).hostname or ""
    login = user or env.get(USER_VARIABLE)
    password = env.get(PASSWORD_VARIABLE)
    # With both the user and the password given, ~/.netrc is not needed and not even parsed:
    # a broken netrc must not stop a job whose credentials are all in the environment.
    net_login, net_password = (None, None) if login and password else _from_netrc(host, netrc_file)
    if not login:
        login = net_login
    if not login:
        raise CredentialsError(
            f"no XNAT user: pass --user NAME or set {USER_VARIABLE} (or add a 'machine {host}' entry "
            "with a login to ~/.netrc)"
        )
    if password:
        return _sendable(Credentials(base, login, password, PASSWORD_VARIABLE))
    if net_password is not None and (net_login is None or net_login == login):
        return _sendable(Credentials(base, login, net_password, "~/.netrc"))
    if prompt is not None:
        typed = prompt(f"XNAT password for {login} at {base}")
        if typed:
            return _sendable(Credentials(base, login, typed, "prompt"))
    raise CredentialsError(
        f"no password for {login} at {base}: set {PASSWORD_VARIABLE}, add a 'machine {host}' entry to "
        "~/.netrc, or run in a terminal to be asked"
    )


def _sendable(credentials: Credentials) -> Credentials:
    """Refuse a user or password that HTTP Basic authentication cannot carry (ISO-8859-1 only)."""
    for what, text in (("user name", credentials.user), ("password", credentials.password)):
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            source = credentials.source if what == "password" else f"--user or {USER_VARIABLE}"
            raise CredentialsError(
                f"the XNAT {what} (from {source}) contains a character outside ISO-8859-1, which "
                "HTTP Basic authentication cannot send; check that it is the right one, or create an "
                "alias token in XNAT and use its alias and secret instead"
            ) from None
    return credentials


def _from_netrc(host: str, netrc_file: str | Path | None) -> tuple[str | None, str | None]:
    path = Path(netrc_file) if netrc_file is not None else Path.home() / ".netrc"
    if not path.is_file():
        return None, None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError) as e:
        # The message of NetrcParseError quotes the offending line, which may hold a password.
        raise CredentialsError(
            f"{path} cannot be read ({type(e).__name__}); fix its syntax or permissions"
        ) from None
    if entry is None:
        return None, None
    login, _account, password = entry
    return (login or None), password
