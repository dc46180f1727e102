"""The DicomEdit conformance corpus (spec §11): one test per case folder.

Cases live in ``tests/fixtures/conformance/cases/<ID>-<slug>/``; see the README there. The whole
module skips, with the reason, until the engine's public API is importable.
"""

from __future__ import annotations

import pytest
from conformance.cases import Case, load_all
from conformance.runner import run_case

CASES = load_all()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_conformance_case(case: Case) -> None:
    run_case(case)
