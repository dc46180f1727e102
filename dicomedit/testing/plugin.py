"""The dicomedit pytest plugin: fixtures for testing scripts and deploy jobs.

PHI assurance: fixtures that let a site prove its own de-identification script.

Installed with dicomedit (entry point ``pytest11``), so in a site's tests::

    from hypothesis import given, settings
    from dicomedit.testing.strategies import datasets_with_phi

    @settings(max_examples=200, deadline=None)
    @given(phi_dataset=datasets_with_phi())
    def test_script_removes_phi(assert_no_phi, phi_dataset):
        assert_no_phi("scripts/site.das", phi_dataset)

This module only aggregates fixtures; the helpers live next to what they check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from .fake_xnat.fixture import fake_xnat  # noqa: F401
from .phi import DEFAULT_LABELS, PHILeak
from .phi import assert_no_phi as _assert_no_phi

__all__ = ["DEFAULT_LABELS", "PHILeak", "assert_no_phi", "xnat_labels"]


@pytest.fixture(scope="session")
def xnat_labels() -> dict[str, str]:
    """The project, subject and session labels XNAT passes to scripts (spec §8.2)."""
    return dict(DEFAULT_LABELS)


@pytest.fixture(scope="session")
def assert_no_phi(xnat_labels: dict[str, str]) -> Callable[..., bytes]:
    """``assert_no_phi(script, dataset, planted=None, *, variables=None)``: apply, write, search.

    ``script`` is a path or a compiled script; ``dataset`` a pydicom Dataset or a ``PHIDataset``
    from the strategies (its planted values are then used). Returns the written bytes.
    """

    def check(
        script: Any,
        dataset: Any,
        planted: Iterable[Any] | None = None,
        *,
        variables: Mapping[str, str | None] | None = None,
    ) -> bytes:
        return _assert_no_phi(script, dataset, planted, variables=variables or xnat_labels)

    return check
