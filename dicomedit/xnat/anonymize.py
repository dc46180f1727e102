"""The anonymization script on XNAT: read, publish with verification and rollback, enable.

Endpoints and their quirks are spec §1: scripts travel as ``text/plain`` bytes, the enabled
flag is the ``enable`` query parameter of a JSON-typed PUT whose body XNAT ignores (§1.6), the
site script is read back about a second late on 1.8/1.9 (§1.2), and a project script that is
unset or disabled reads as 204 (§1.4).
"""

from __future__ import annotations

import dataclasses
import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from ..check import check
from ..diagnostics import Diagnostic
from ..errors import ScriptError
from ..releases import Release, ReleaseError, parse_release
from .client import XNATClient
from .errors import NotFoundError, ProtocolError, VerificationError, XNATError
from .release import ServerRelease, read_release

__all__ = [
    "AnonymizeAPI",
    "EnableReport",
    "PollPolicy",
    "PublishError",
    "PublishReport",
    "Scope",
    "ScriptSafetyError",
    "UnknownReleaseError",
    "encode_script",
    "normalise_script",
    "publish",
    "set_enabled",
    "unified_diff",
]


@dataclass(frozen=True, slots=True)
class Scope:
    """The site-wide script (``project=None``) or one project's script."""

    project: str | None = None

    @property
    def label(self) -> str:
        return "the site-wide script" if self.project is None else f"the script of project {self.project}"

    @property
    def path(self) -> str:
        if self.project is None:
            return "/xapi/anonymize/site"
        return f"/xapi/anonymize/projects/{quote(self.project, safe='')}"

    @property
    def admin_hint(self) -> str:
        if self.project is None:
            return (
                "Changing the site-wide script needs a site administrator account; a project owner "
                "can publish a project script with --project ID instead"
            )
        return (
            f"Changing the script of project {self.project} needs an owner of that project "
            "or a site administrator"
        )


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How long to wait for a write to show in a read-back (XNAT 1.8/1.9 lag about 1 s)."""

    timeout: float = 10.0
    interval: float = 0.25


class ScriptSafetyError(XNATError):
    """The script is not safe to upload: empty, or characters XNAT would garble (spec §1.5)."""


class UnknownReleaseError(XNATError):
    """The server's release cannot be read, so the script cannot be checked against it."""


def normalise_script(text: str) -> str:
    """Line endings and trailing whitespace do not count (XNAT's own tests compare trimmed)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def encode_script(text: str) -> tuple[bytes, str, tuple[str, ...]]:
    """Bytes, content type and warnings for an upload; refuses what XNAT cannot store (§1.5)."""
    if not text.strip():
        raise ScriptSafetyError("the script is empty: XNAT would fail with 500; nothing was uploaded")
    try:
        text.encode("ascii")
    except UnicodeEncodeError:
        pass
    else:
        return text.encode("ascii"), "text/plain", ()
    bad = [
        (i, j, ch)
        for i, line in enumerate(text.splitlines(), 1)
        for j, ch in enumerate(line, 1)
        if ord(ch) > 255
    ]
    if bad:
        i, j, ch = bad[0]
        raise ScriptSafetyError(
            f"line {i}, column {j}: the character {ch!r} cannot be stored by XNAT, which reads scripts "
            "as ISO-8859-1; write it as ASCII (DICOM text is usually ASCII anyway). Nothing was uploaded"
        )
    warning = (
        "the script contains non-ASCII characters; it is sent as ISO-8859-1, which XNAT stores "
        "faithfully, but keeping scripts ASCII avoids surprises in other tools"
    )
    return text.encode("iso-8859-1"), "text/plain;charset=ISO-8859-1", (warning,)


def unified_diff(before: str | None, after: str | None, scope: Scope) -> str:
    old = normalise_script(before or "").splitlines(keepends=False)
    new = normalise_script(after or "").splitlines(keepends=False)
    lines = difflib.unified_diff(
        old, new, fromfile=f"{scope.label} (on XNAT before)", tofile=f"{scope.label} (now)", lineterm=""
    )
    return "\n".join(lines)


class AnonymizeAPI:
    """The raw calls of ``/xapi/anonymize``; no policy."""

    def __init__(self, client: XNATClient) -> None:
        self.client = client

    def read_script(self, scope: Scope) -> str | None:
        """The stored script, or ``None`` (a project without an enabled script answers 204)."""
        return self.client.get_text(scope.path, what=f"read {scope.label}")

    def write_script(self, scope: Scope, text: str) -> tuple[str, ...]:
        data, content_type, warnings = encode_script(text)
        self.client.request(
            "PUT",
            scope.path,
            what=f"upload {scope.label}",
            data=data,
            content_type=content_type,
            forbidden_hint=scope.admin_hint,
        )
        return warnings

    def is_enabled(self, scope: Scope) -> bool:
        value = self.client.get_json(scope.path + "/enabled", what=f"read whether {scope.label} is enabled")
        if not isinstance(value, bool):
            raise ProtocolError(
                f"XNAT answered {scope.path}/enabled with {value!r} instead of true or false",
                method="GET",
                url=self.client.url(scope.path + "/enabled"),
                status=200,
            )
        return value

    def set_enabled(self, scope: Scope, enabled: bool) -> None:
        # The value travels in the query; XNAT never reads the body but insists on JSON (§1.6).
        self.client.request(
            "PUT",
            scope.path + "/enabled",
            what=f"{'enable' if enabled else 'disable'} {scope.label}",
            params={"enable": "true" if enabled else "false"},
            data=b"",
            content_type="application/json",
            forbidden_hint=scope.admin_hint,
        )

    def ensure_project(self, project: str) -> None:
        """A clear 404 instead of XNAT's 500 "error in the request : null" for unknown projects."""
        try:
            self.client.request(
                "GET",
                f"/data/projects/{quote(project, safe='')}",
                what=f"look up project {project}",
                params={"format": "json"},
            )
        except NotFoundError as e:
            read_release(self.client)  # a wrong --url answers 404 to everything: say that instead
            raise e.reworded(
                f"project {project!r} does not exist on {self.client.base_url}, or user "
                f"{self.client.credentials.user!r} cannot see it: check the project ID (not its name)"
            ) from None


@dataclass(frozen=True, slots=True)
class PublishReport:
    """What ``publish`` found, did and verified."""

    scope: Scope
    release: ServerRelease
    target: Release | None  # the release the script was checked against
    previous: str | None
    script: str
    previously_enabled: bool
    changed: bool  # the script differs from the one on the server
    uploaded: bool
    enabled_now: bool
    enable_changed: bool
    dry_run: bool
    verified: bool
    diff: str
    warnings: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def _target_release(server: ServerRelease, override: str | Release | None) -> Release:
    if override is not None:
        if isinstance(override, Release):
            return override
        try:
            return parse_release(override)
        except ReleaseError as e:
            raise UnknownReleaseError(str(e)) from None
    if server.usable is None:
        raise UnknownReleaseError(
            f"the server's XNAT release is {server.describe()}, so this script cannot be checked "
            "against what it runs. Pass --xnat RELEASE to name the release to check against. "
            "Nothing was uploaded"
        )
    return server.usable


class PublishError(XNATError):
    """Something failed after XNAT had been changed; the rollback was tried (see the message)."""

    def __init__(self, message: str, *, uploaded: bool, rolled_back: bool, cause: Exception | None) -> None:
        status = cause.status if isinstance(cause, XNATError) else None
        method = cause.method if isinstance(cause, XNATError) else None
        url = cause.url if isinstance(cause, XNATError) else None
        super().__init__(message, method=method, url=url, status=status)
        self.uploaded = uploaded
        self.rolled_back = rolled_back
        self.cause = cause


class _Unverified(Exception):
    """The read-back never showed the upload within the poll timeout."""


def publish(
    client: XNATClient,
    text: str,
    *,
    scope: Scope = Scope(),
    path: str | None = None,
    enable: bool = True,
    dry_run: bool = False,
    xnat: str | Release | None = None,
    poll: PollPolicy = PollPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    on_release: Callable[[ServerRelease], None] | None = None,
) -> PublishReport:
    """Check ``text`` against the server's release, upload it if it changed, enable, verify.

    Raises :class:`~dicomedit.errors.ScriptError` (with the diagnostics) for a script that the
    server's release (or ``xnat``, which overrides it) cannot run, and
    :class:`PublishError` (a :class:`~dicomedit.xnat.errors.VerificationError` when the read-back
    never showed the upload) when anything fails after XNAT was changed: the previous script
    and enabled setting are restored first, and the message says whether that worked.
    ``on_release`` is called with the server's release as soon as it is read, before anything
    is uploaded.
    """
    encode_script(text)  # refuse empty or non-Latin-1 scripts before touching the server
    offline = check(text, path)
    if not offline.ok:
        raise ScriptError(f"{path or 'the script'} has errors; nothing was uploaded", offline.errors)
    api = AnonymizeAPI(client)
    server = read_release(client)
    if on_release is not None:
        on_release(server)
    target = _target_release(server, xnat)
    result = check(text, path, xnat=target)
    if not result.ok:
        raise ScriptError(
            f"{path or 'the script'} cannot run on XNAT {target}; nothing was uploaded", result.errors
        )
    if scope.project is not None:
        api.ensure_project(scope.project)
    previous = api.read_script(scope)
    was_enabled = api.is_enabled(scope)
    # A project whose script reads as 204 has none, or a disabled one XNAT does not show (§1.4).
    hidden = scope.project is not None and previous is None
    changed = previous is None or normalise_script(previous) != normalise_script(text)
    diff = unified_diff(previous, text, scope) if changed and not hidden else ""
    will_enable = was_enabled or enable
    report = PublishReport(
        scope=scope,
        release=server,
        target=target,
        previous=previous,
        script=text,
        previously_enabled=was_enabled,
        changed=changed,
        uploaded=False,
        enabled_now=was_enabled,
        enable_changed=False,
        dry_run=dry_run,
        verified=False,
        diff=diff,
        diagnostics=result.diagnostics,
    )
    if dry_run:
        return dataclasses.replace(report, enabled_now=will_enable, enable_changed=will_enable != was_enabled)
    warnings: tuple[str, ...] = ()
    if hidden and changed:
        warnings += (
            f"project {scope.project} has no script, or a disabled one that XNAT does not show: no diff "
            "can be shown, and a disabled script there is overwritten",
        )
    if changed:
        # A failed upload changed nothing that could be restored: its error goes out as it is.
        warnings += api.write_script(scope, text)
    try:
        if will_enable and not was_enabled:
            api.set_enabled(scope, True)
        if not will_enable and scope.project is not None:
            # --no-enable on a project: a first project script starts enabled in XNAT; switch it
            # off. A disabled project script reads as 204, so its text cannot be read back.
            _ensure_disabled(api, scope, poll, sleep)
            warnings += (
                f"{scope.label} stays disabled, and XNAT does not show a disabled project script: the "
                "upload could not be read back. Enable it to verify it",
            )
            return dataclasses.replace(report, uploaded=changed, warnings=warnings)
        verified, why = _verify(api, scope, text, will_enable, poll, sleep)
        if not verified:
            raise _Unverified(
                f"{scope.label} on XNAT does not show the upload after {poll.timeout:g} s ({why})"
            )
    except Exception as e:
        before = _Before(previous, was_enabled, uploaded=changed)
        raise _rolled_back(api, scope, before, poll, sleep, e) from None
    return dataclasses.replace(
        report,
        uploaded=changed,
        enabled_now=will_enable,
        enable_changed=will_enable != was_enabled,
        verified=True,
        warnings=warnings,
    )


def _ensure_disabled(
    api: AnonymizeAPI, scope: Scope, poll: PollPolicy, sleep: Callable[[float], None]
) -> None:
    deadline = time.monotonic() + poll.timeout
    while api.is_enabled(scope):
        if time.monotonic() >= deadline:
            raise _Unverified(f"{scope.label} still reads as enabled after {poll.timeout:g} s")
        api.set_enabled(scope, False)
        sleep(poll.interval)


@dataclass(frozen=True, slots=True)
class _Before:
    """What XNAT had before a publish, and whether the publish uploaded anything."""

    previous: str | None  # the script's text, None when there was none or XNAT hides it
    was_enabled: bool
    uploaded: bool


def _rolled_back(
    api: AnonymizeAPI,
    scope: Scope,
    before: _Before,
    poll: PollPolicy,
    sleep: Callable[[float], None],
    error: Exception,
) -> PublishError:
    """Restore what was there before ``error`` and say what happened, truthfully."""
    uploaded = before.uploaded
    what = str(error) if isinstance(error, XNATError | _Unverified) else f"{type(error).__name__}: {error}"
    head = (
        f"{scope.label} had been uploaded"
        if uploaded
        else f"{scope.label} on XNAT was already this script (nothing uploaded)"
    )
    restored, outcome = _rollback(api, scope, before, poll, sleep)
    outcome = outcome.replace(f"({what})", "(the same error)")
    message = f"{head}, but then this failed: {what}. {outcome}"
    if isinstance(error, _Unverified):
        message += ". Look at the XNAT server log; a proxy rewriting request bodies can also cause this"
        return _VerificationPublishError(message, uploaded=uploaded, rolled_back=restored, cause=None)
    return PublishError(message, uploaded=uploaded, rolled_back=restored, cause=error)


class _VerificationPublishError(PublishError, VerificationError):
    """The read-back never showed the upload; the rollback was tried."""


def _verify(
    api: AnonymizeAPI,
    scope: Scope,
    text: str,
    enabled: bool,
    poll: PollPolicy,
    sleep: Callable[[float], None],
) -> tuple[bool, str]:
    """Poll until the read-back equals ``text`` (and the flag is ``enabled``) or time runs out."""
    want = normalise_script(text)
    deadline = time.monotonic() + poll.timeout
    why = ""
    while True:
        flag = api.is_enabled(scope)
        current = api.read_script(scope)
        if current is None and not flag and not enabled and scope.project is not None:
            # A disabled project script reads as 204: its text cannot be verified (§1.4).
            return True, ""
        if flag != enabled:
            why = f"it is {'enabled' if flag else 'disabled'}"
        elif current is None or normalise_script(current) != want:
            why = "the script read back differs from the one uploaded"
        else:
            return True, ""
        if time.monotonic() >= deadline:
            return False, why
        sleep(poll.interval)


def _rollback(
    api: AnonymizeAPI, scope: Scope, before: _Before, poll: PollPolicy, sleep: Callable[[float], None]
) -> tuple[bool, str]:
    """(restored, a sentence saying what XNAT has now)."""
    previous, was_enabled, uploaded = before.previous, before.was_enabled, before.uploaded
    check_hint = (
        f"check it with 'dicomedit status{'' if scope.project is None else ' --project ' + scope.project}' "
        "and fix it by hand"
    )
    try:
        if previous is not None:
            if uploaded:
                api.write_script(scope, previous)
            if api.is_enabled(scope) != was_enabled:
                api.set_enabled(scope, was_enabled)
            ok, why = _verify(api, scope, previous, was_enabled, poll, sleep)
            if ok:
                return True, "The previous script and its enabled setting were restored and verified"
            return False, f"Restoring the previous script could not be verified ({why}): {check_hint}"
        # Nothing to restore the text from: no script before, or a disabled project script that
        # XNAT does not show.  XNAT cannot delete a script, so the best state is "switched off".
        if was_enabled:
            return False, f"There was no previous script to restore: {check_hint}"
        api.set_enabled(scope, False)
        _ensure_disabled(api, scope, poll, sleep)
    except (XNATError, _Unverified) as e:
        return False, f"Rolling back failed too ({e}): the new script may be live; {check_hint}"
    kept = "its text stays stored on XNAT, DISABLED" if uploaded else "nothing else changed"
    owner = "the site" if scope.project is None else f"project {scope.project}"
    return True, (
        f"Before, {owner} had no enabled script (none, or a disabled one whose text XNAT does not "
        f"show, so it could not be kept); the script was switched off again and verified disabled: {kept}"
    )


@dataclass(frozen=True, slots=True)
class EnableReport:
    scope: Scope
    before: bool
    after: bool


def set_enabled(
    client: XNATClient,
    scope: Scope,
    enabled: bool,
    *,
    poll: PollPolicy = PollPolicy(),
    sleep: Callable[[float], None] = time.sleep,
) -> EnableReport:
    """Switch a script on or off (nothing is sent when it already is) and verify the flag."""
    api = AnonymizeAPI(client)
    if scope.project is not None:
        api.ensure_project(scope.project)
    before = api.is_enabled(scope)
    if before != enabled:
        if scope.project is not None and enabled and api.read_script(scope) is None:
            # XNAT answers 500 when enabling a project that never had a script (§1.4).
            try:
                api.set_enabled(scope, True)
            except XNATError as e:
                raise XNATError(
                    f"project {scope.project} has no anonymization script to enable: publish one "
                    "with 'dicomedit publish SCRIPT --project "
                    f"{scope.project}' ({e.message})",
                    method=e.method,
                    url=e.url,
                    status=e.status,
                ) from None
        else:
            api.set_enabled(scope, enabled)
    deadline = time.monotonic() + poll.timeout
    after = api.is_enabled(scope)
    while after != enabled and time.monotonic() < deadline:
        sleep(poll.interval)
        after = api.is_enabled(scope)
    if after != enabled:
        raise VerificationError(
            f"XNAT accepted the request but {scope.label} still reads as "
            f"{'enabled' if after else 'disabled'}; check the server log",
            method="GET",
            url=client.url(scope.path + "/enabled"),
        )
    return EnableReport(scope, before, after)
