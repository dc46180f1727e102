"""Seeding the fake's archive with projects, subjects and sessions from DICOM files."""

from __future__ import annotations

__all__ = ["Seeder"]


class Seeder:
    """Mixin of :class:`FakeXNAT` that fills the archive (spec §7 items 21-29)."""
