"""The ``fake_xnat`` pytest fixture: a running :class:`FakeXNAT` per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeXNAT

__all__ = ["fake_xnat"]


@pytest.fixture
def fake_xnat() -> Iterator[FakeXNAT]:
    """A fresh fake XNAT on 127.0.0.1 with a site administrator ``admin``/``admin``.

    Change ``fake_xnat.knobs`` to make it misbehave, add accounts with ``add_user`` and
    projects with ``add_project``, archive sessions with ``archive_session``.
    """
    with FakeXNAT() as server:
        yield server
