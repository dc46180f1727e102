"""UID generation exactly as XNAT's DicomEdit produces it (spec §10, §7 ``newUID``/``mapUID``).

``hash_uid`` is byte-identical to DicomEdit's ``hashUID``: a name-based (version 5) UUID built
from the SHA-1 of the value's UTF-8 bytes **with no namespace**, printed as ``2.25.<decimal>``.
Python's ``uuid.uuid5`` cannot be used because it always prepends a namespace.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

UUID_ROOT = "2.25"

# A DICOM UID: components separated by dots, no leading zeros (PS3.5 §9.1).
_UID = re.compile(r"[0-2](\.(0|[1-9][0-9]*))*")
_MAX_PREFIX = 24  # dcm4che's createUID(root) leaves room for 39 UUID digits in 64 characters


class UIDError(ValueError):
    """A UID prefix that dcm4che would refuse."""


def hash_uid(value: str) -> str:
    """``hashUID``: deterministic, no salt; the same input gives the same UID in every run."""
    digest = bytearray(hashlib.sha1(value.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return f"{UUID_ROOT}.{int.from_bytes(digest, 'big')}"


def new_uid() -> str:
    """``newUID``: ``2.25.`` + a random (version 4) UUID read as an unsigned integer."""
    return f"{UUID_ROOT}.{uuid.uuid4().int}"


def is_uid(text: str) -> bool:
    """``text`` is written as a UID: numeric components, no leading zeros, first 0, 1 or 2."""
    return _UID.fullmatch(text) is not None


def check_prefix(prefix: str) -> None:
    """Refuse what dcm4che's ``createUID(root)`` refuses: not a UID, too long, trailing dot."""
    if len(prefix) > _MAX_PREFIX or not is_uid(prefix):
        raise UIDError(
            f"Invalid UID prefix {prefix!r}: it must be a valid UID of at most {_MAX_PREFIX} characters "
            "without a trailing dot"
        )


def prefixed_uid(prefix: str) -> str:
    """A random UID under ``prefix`` (``mapUID``, ``mapReferencedUIDs``)."""
    check_prefix(prefix)
    return f"{prefix}.{uuid.uuid4().int}"


def keyed_uid(prefix: str, secret: bytes, table: str, key: str) -> str:
    """A UID under ``prefix`` standing for ``key`` in ``table`` (``mapUID``, ``mapReferencedUIDs``).

    It looks like ``prefixed_uid``'s random UID and cannot be told from one without ``secret``,
    but every process holding the same secret derives the same UID for the same key: the
    workers of a parallel or distributed run agree without talking to each other.
    """
    check_prefix(prefix)
    mac = hmac.new(secret, f"{table}\0{key}".encode(), hashlib.sha256).digest()
    digits = bytearray(mac[:16])
    digits[6] = (digits[6] & 0x0F) | 0x40  # version 4, as a random UUID
    digits[8] = (digits[8] & 0x3F) | 0x80  # RFC 4122 variant
    return f"{prefix}.{int.from_bytes(digits, 'big')}"
