"""Talking to XNAT: a thin HTTP client, script deployment, NIfTI subscriptions, archive audits."""

from __future__ import annotations

from .anonymize import (
    AnonymizeAPI,
    EnableReport,
    PollPolicy,
    PublishReport,
    Scope,
    ScriptSafetyError,
    UnknownReleaseError,
    normalise_script,
    publish,
    set_enabled,
)
from .client import USER_AGENT, ClientSettings, XNATClient
from .credentials import Credentials, resolve_credentials
from .errors import (
    ArchiveIntegrityError,
    AuthenticationError,
    ConflictError,
    CredentialsError,
    EventServiceDisabledError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RedirectError,
    ServerError,
    TLSError,
    TransportError,
    UnsafeArchiveError,
    VerificationError,
    XNATError,
    XNATStatusError,
)
from .release import ServerRelease, read_release
from .status import Receiver, ScriptState, ServerStatus, list_receivers, read_status

__all__ = [
    "USER_AGENT",
    "AnonymizeAPI",
    "ArchiveIntegrityError",
    "AuthenticationError",
    "ClientSettings",
    "ConflictError",
    "Credentials",
    "CredentialsError",
    "EnableReport",
    "EventServiceDisabledError",
    "NotFoundError",
    "PermissionDeniedError",
    "PollPolicy",
    "ProtocolError",
    "PublishReport",
    "Receiver",
    "RedirectError",
    "Scope",
    "ScriptSafetyError",
    "ScriptState",
    "ServerError",
    "ServerRelease",
    "ServerStatus",
    "TLSError",
    "TransportError",
    "UnknownReleaseError",
    "UnsafeArchiveError",
    "VerificationError",
    "XNATClient",
    "XNATError",
    "XNATStatusError",
    "list_receivers",
    "normalise_script",
    "publish",
    "read_release",
    "read_status",
    "resolve_credentials",
    "set_enabled",
]
